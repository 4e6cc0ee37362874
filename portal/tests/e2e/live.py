"""The portal as it runs in production, started for the browser tests.

A fresh PostgreSQL database, gunicorn with the production settings (made usable over plain http by
environment variables only, plus the payment gateway simulator: live_settings.py), a Celery worker
on a Redis server the caller started for it alone, and an SMTP sink that receives every email the
worker delivers. Everything is torn down at the end;
logs stay under test-artifacts/e2e/.
"""

import ctypes
import email
import email.policy
import email.utils
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import environ
import psycopg
from psycopg import sql

from accounts.tests.smtp import SmtpSink, free_port

# Environment of the test process that must not leak into the portal's processes.
_SCRUB = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "CAPTCHA_TEST_MODE",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "CACHE_KEY_PREFIX",
    "SITE_URL",
    "PORTAL_VAR_DIR",
    "MEDIA_ROOT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it if the test process dies (a killed CI run leaves no server)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def wait_until(predicate, *, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; return that value or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {message}")
        time.sleep(interval)


class Mailbox:
    """What the SMTP sink received, with the helpers a journey needs (wait for, read, follow a link)."""

    def __init__(self, sink: SmtpSink):
        self.sink = sink

    def all(self) -> list[EmailMessage]:
        with self.sink.lock:
            raw = list(self.sink.messages)
        return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in raw]

    def to(self, address: str, *, subject: str | None = None) -> list[EmailMessage]:
        address = address.lower()
        found = []
        for message in self.all():
            recipients = {a.lower() for _, a in email.utils.getaddresses(message.get_all("To", []))}
            if address in recipients and (subject is None or subject in str(message["Subject"])):
                found.append(message)
        return found

    def wait_for(self, address: str, *, subject: str | None = None, skip: int = 0, timeout: float = 30) -> EmailMessage:
        """The (skip+1)-th email to `address` (whose subject contains `subject`), waiting for it to arrive."""
        found = wait_until(
            lambda: (msgs := self.to(address, subject=subject)) and len(msgs) > skip and msgs,
            timeout=timeout,
            interval=0.1,
            message=f"email #{skip + 1} to {address}" + (f" with subject containing {subject!r}" if subject else ""),
        )
        return found[skip]

    @staticmethod
    def text(message: EmailMessage) -> str:
        body = message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body else ""

    def link(self, message: EmailMessage, pattern: str) -> str:
        """The first http(s) URL in the email whose text matches the regex `pattern`."""
        text = self.text(message)
        for url in re.findall(r"https?://[^\s<>\"']+", text):
            if re.search(pattern, url):
                return url
        raise AssertionError(f"no link matching {pattern!r} in the email {message['Subject']!r}:\n{text}")

    def wait_for_link(self, address: str, pattern: str, **kwargs) -> str:
        return self.link(self.wait_for(address, **kwargs), pattern)


class LivePortal:
    def __init__(self, *, base_dir: Path, artifacts: Path, tmp: Path, database_url: str, redis_url: str):
        self.base_dir = base_dir
        self.artifacts = artifacts
        self.tmp = tmp
        self.redis_url = redis_url
        db = environ.Env.db_url_config(database_url)
        self.db_name = db["NAME"]
        self.db_params = {
            "host": db.get("HOST") or "127.0.0.1",
            "port": int(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres",
            "password": db.get("PASSWORD") or None,
        }
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.sink = SmtpSink()
        self.mail = Mailbox(self.sink)
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        self.env.update(
            {
                # Production's settings plus the payment simulator (see live_settings.py).
                "DJANGO_SETTINGS_MODULE": "portal.tests.e2e.live_settings",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CSRF_TRUSTED_ORIGINS": f"{self.base_url},http://localhost:{self.port}",
                # Production settings, but plain http on the loopback interface:
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "SECURE_HSTS_SECONDS": "0",
                "ACCOUNT_DEFAULT_HTTP_PROTOCOL": "http",
                "SITE_URL": self.base_url,
                "CAPTCHA_TEST_MODE": "1",
                "PORTAL_VAR_DIR": str(tmp),
                "RESULT_SIGNING_DEMO_DIR": str(tmp / "signing"),  # results signed with demo certificates
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "CACHE_KEY_PREFIX": "portal-e2e",
                "EMAIL_URL": self.sink.url,
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "INFO",
            }
        )

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "LivePortal":
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.sink.__enter__()
        self._recreate_database()
        self.manage("migrate", "--noinput")
        if self.has_command("load_demo_catalogue"):
            self.manage("load_demo_catalogue")
        self.manage("collectstatic", "--noinput")
        self._spawn(
            "server",
            [
                *("-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "2"),
                *("--access-logfile", "-", "--error-logfile", "-", "--graceful-timeout", "5"),
                "--no-control-socket",  # its default path in ~/.gunicorn is shared by every gunicorn
            ],
        )
        self._spawn(
            "worker",
            [
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"e2e-{os.getpid()}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
        )
        wait_until(lambda: self._alive("server") and self._http_ok(), timeout=60, interval=0.1, message="gunicorn")
        wait_until(
            lambda: self._alive("worker") and " ready." in self.logs["worker"].read_text(errors="replace"),
            timeout=60,
            interval=0.1,
            message="the Celery worker",
        )
        return self

    def stop(self) -> None:
        for name in ("server", "worker"):
            proc = self.processes.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.sink.__exit__(None, None, None)
        self._drop_database()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers for tests -------------------------------------------------------------------
    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def manage(
        self, *args: str, input: str | None = None, env: dict | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        """Run `manage.py <args>` against the live portal's database and settings; raise if it fails."""
        result = subprocess.run(
            [sys.executable, str(self.base_dir / "manage.py"), *args],
            cwd=self.base_dir,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        with open(self.artifacts / "manage.log", "a", encoding="utf-8") as log:
            log.write(f"$ manage.py {' '.join(args)}  (exit {result.returncode})\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return result

    def shell(self, code: str) -> str:
        """Run Python in `manage.py shell` against the live database (e.g. to create a staff user); return stdout."""
        return self.manage("shell", "--no-startup", "-c", code).stdout

    def create_user(self, email_address: str, password: str, **fields) -> None:
        """An activated account (verified email) created directly in the live database."""
        self.shell(
            "from allauth.account.models import EmailAddress\n"
            "from accounts.models import User\n"
            f"u = User.objects.create_user({email_address!r}, {password!r}, **{fields!r})\n"
            "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)\n"
        )

    def has_command(self, name: str) -> bool:
        from django.core.management import get_commands

        return name in get_commands()

    def tail(self, name: str, lines: int = 60) -> str:
        path = self.logs.get(name) or self.artifacts / f"{name}.log"
        if not path.exists():
            return f"({path} does not exist)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def report(self, lines: int = 60) -> str:
        return "\n".join(f"----- {name} log ({self.logs[name]}) -----\n{self.tail(name, lines)}" for name in self.logs)

    # --- internals ---------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str]) -> None:
        path = self.artifacts / f"{name}.log"
        self.logs[name] = path
        log = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed when the process is gone
        self.processes[name] = subprocess.Popen(
            [sys.executable, *args],
            cwd=self.base_dir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # the test process spawns from one thread
        )
        log.close()  # the child holds its own descriptor

    def _alive(self, name: str) -> bool:
        proc = self.processes[name]
        if proc.poll() is not None:
            raise RuntimeError(f"the {name} process exited with {proc.returncode}:\n{self.tail(name)}")
        return True

    def _http_ok(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/", timeout=5) as response:  # noqa: S310 - our loopback server
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def _admin(self):
        return psycopg.connect(dbname="postgres", autocommit=True, **self.db_params)

    def _recreate_database(self) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.db_name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.db_name)))

    def _drop_database(self) -> None:
        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.db_name)))
