"""The load benchmark's command line: seed, serve every scenario in turn, report.

    .venv/bin/python -m benchmarks.load [--duration 40] [--warmup 10] [--only home,search] [--output FILE]
    .venv/bin/python -m benchmarks.load --sweep      # gunicorn workers 2-5, sync and gthread
    .venv/bin/python -m benchmarks.load --profile detail   # py-spy on every worker (not official figures)

Environment: BENCH_LOAD_DATABASE_URL (a database whose name contains "bench"; created, seeded and
kept between runs), BENCH_LOAD_REDIS_URL (any Redis database: the run writes only keys under
BENCH_LOAD_KEY_PREFIX and deletes them before and after), BENCH_LOAD_KEY_PREFIX.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import warnings
from pathlib import Path

from benchmarks.common import delete_keys, ensure_database, write_report
from benchmarks.load import report, seed, serve
from benchmarks.load.scenarios import BY_NAME, SCENARIOS, Scenario

DATABASE_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_loadbench")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379")
KEY_PREFIX = os.environ.get("BENCH_LOAD_KEY_PREFIX", "bench-load")
USERS = 16


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description="Load benchmark (`make bench`).")
    parser.add_argument("--duration", type=float, default=40, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring")
    parser.add_argument("--users", type=int, default=USERS)
    # The default is the sweep's best on this 2-core machine (docs/benchmarks/load.md): 3 sync
    # workers match 4-5 and gthread in requests/s, with the lowest p99.
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument("--only", default="", help="comma-separated scenario names (the baseline always runs)")
    parser.add_argument("--sweep", action="store_true", help="measure 2-5 workers, sync and gthread")
    parser.add_argument("--sweep-rounds", type=int, default=2, help="rounds of the sweep (the best is kept)")
    parser.add_argument("--profile", default="", help="py-spy these scenarios (comma-separated); not for figures")
    parser.add_argument(
        "--between",
        type=float,
        default=20,
        help="measured seconds of the baseline run between two pages (0: baseline only first and last)",
    )
    parser.add_argument("--output", type=Path, help="write the Markdown report here")
    return parser.parse_args(argv)


def order(args: argparse.Namespace) -> list[tuple[Scenario, argparse.Namespace]]:
    """The baseline runs first, between every two pages (shorter) and last: this machine's speed
    drifts (a shared host: the same run has seen the baseline fall from 890 to 390 req/s), so every
    page is divided by the mean of the two baseline runs around it, measured at most a minute away."""
    names = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(names) - set(BY_NAME)
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    pages = [s for s in SCENARIOS if s.name != "baseline" and (not names or s.name in names)]
    between = Scenario("baseline", "Baseline between two pages", {"baseline": 1}, read=False)
    closing = Scenario("baseline", "Baseline again, at the end of the run", {"baseline": 1}, read=False)
    short = argparse.Namespace(**{**vars(args), "duration": args.between, "warmup": min(args.warmup, 5)})
    runs = [(BY_NAME["baseline"], args)]
    for index, page in enumerate(pages):
        runs.append((page, args))
        if args.between > 0 and index < len(pages) - 1:
            runs.append((between, short))
    runs.append((closing, args))
    return runs


def sweep(args, probe: str, work: Path, log) -> list[str]:
    """Requests/s, p99 and CPU per request of the baseline and two real pages for 2-5 workers, sync and
    gthread. Every configuration is measured in each of ``--sweep-rounds`` rounds and the best round is
    kept: on a shared machine the least disturbed measurement is the closest to the truth."""
    short = argparse.Namespace(**{**vars(args), "duration": min(args.duration, 20), "warmup": min(args.warmup, 5)})
    pages = [BY_NAME[n] for n in ("baseline", "search", "detail")]
    configs = [serve.ServerConfig(w, k, args.threads) for k in ("sync", "gthread") for w in (2, 3, 4, 5)]
    best: dict[tuple[str, str], serve.Result] = {}
    loads: dict[str, list[float]] = {c.label: [] for c in configs}
    for round_number in range(1, args.sweep_rounds + 1):
        for config in configs if round_number % 2 else list(reversed(configs)):
            empty_cache()  # every configuration starts from an empty page cache
            server = serve.Server(config, work)
            server.wait_ready(probe)
            for page in pages:
                result = serve.run_scenario(server, page, short, work=work, database_url=DATABASE_URL, log=log)
                key = (config.label, page.name)
                if key not in best or result.rps > best[key].rps:
                    best[key] = result
                print(
                    f"  round {round_number}, {config.label} {page.name}: {result.rps:.0f} req/s, "
                    f"p99 {result.p99:.0f} ms, CPU {report.cpu_text(result)} ms",
                    file=log,
                    flush=True,
                )
            server.stop()
            loads[config.label].append(os.getloadavg()[0])
    return report.sweep_table(args, short, configs, pages, best, loads)


def empty_cache() -> None:
    """The portal's cache of this run: pages, counts and sessions (these fall back to the database).
    The broker's keys stay: the worker is bound to its queue."""
    delete_keys(REDIS_URL, f"{KEY_PREFIX}:*")


def forget_everything() -> None:
    """Every key the run wrote, the broker's included (before the worker starts, after it stops)."""
    delete_keys(REDIS_URL, f"{KEY_PREFIX}:*", f"{KEY_PREFIX}-celery:*")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    runs = order(args)
    work = Path(tempfile.mkdtemp(prefix="portal-loadbench-"))
    # Ctrl-C raises KeyboardInterrupt; a TERM becomes SystemExit: either way the children stop below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        text = measure(args, runs, work, log=sys.stderr)
    finally:
        serve.stop_all()
        shutil.rmtree(work, ignore_errors=True)
        forget_everything()
    print(text)
    if args.output:
        write_report(args.output, text)


def measure(args, runs: list[tuple[Scenario, argparse.Namespace]], work: Path, log) -> str:
    """Seed, start the worker and the server, run every scenario in turn; the report's text."""
    (work / "var").mkdir()
    (work / "media").mkdir()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": KEY_PREFIX,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PORTAL_VAR_DIR": str(work / "var"),
            "MEDIA_ROOT": str(work / "media"),
            "CONN_MAX_AGE": "600",
            "EMAIL_URL": "",
            # The captcha's test mode is what the benchmark needs; its warning is expected here.
            "PYTHONWARNINGS": "ignore::RuntimeWarning:captcha.conf.settings",
        }
    )
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="captcha.conf.settings")
    ensure_database(DATABASE_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"Seeding / checking {DATABASE_URL} …", file=log, flush=True)
    plan = seed.seed(log)
    (work / "plan.json").write_text(json.dumps(plan))
    call_command("collectstatic", interactive=False, verbosity=0)
    forget_everything()
    run = report.Run(
        machine=report.machine(REDIS_URL),
        config=serve.ServerConfig(args.workers, args.worker_class, args.threads),
        database_url=DATABASE_URL,
        started=datetime.datetime.now(),
        load_before=os.getloadavg(),
    )
    connection.close()

    celery = serve.start_celery(work / "celery.log")
    probe = f"/bench/baseline/{plan['procedure_codes'][0]}/"
    profile = {s.strip() for s in args.profile.split(",") if s.strip()}
    sweep_lines = sweep(args, probe, work, log) if args.sweep else []

    empty_cache()  # the scenarios start from an empty cache, whatever the sweep left in it
    server = serve.Server(run.config, work)
    server.wait_ready(probe)
    run.rss_first = server.rss()
    results: list[serve.Result] = []
    for scenario, run_args in runs:
        print(f"{scenario.title}: {run_args.warmup:g} s warm-up + {run_args.duration:g} s …", file=log, flush=True)
        result = serve.run_scenario(
            server,
            scenario,
            run_args,
            work=work,
            database_url=DATABASE_URL,
            log=log,
            profile=scenario.name in profile,
        )
        results.append(result)
        base = results[0].rps
        print(
            f"  {result.rps:.0f} req/s ({result.rps / base:.0%} of the first baseline), p50 {result.p50:.1f} ms, "
            f"p95 {result.p95:.1f} ms, p99 {result.p99:.1f} ms, errors {result.errors}; "
            f"RSS {report.rss_text(result)}",
            file=log,
            flush=True,
        )
        for example in result.error_examples:
            print(f"    error: {example}", file=log)
    report.set_neighbour_baselines(results)
    run.rss_last = server.rss()
    server.stop()
    serve.stop(celery)
    run.load_after = os.getloadavg()
    return "\n".join(report.report(args, run, results, sweep_lines)) + "\n"


if __name__ == "__main__":
    main()
