"""Reporting: the Markdown of docs/benchmarks/load.md from the results of one run.

Every page is divided by the baseline runs just before and just after it (the machine's speed
drifts during a run); the table shows the first and the last baseline run and lists every one below.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.load.scenarios import SCENARIOS
from benchmarks.load.seed import CITIZENS, DOSSIERS, ORGANISATIONS, PROCEDURES
from benchmarks.load.serve import BIN, Result, ServerConfig

TARGET_P99_MS = 100.0


@dataclass
class Run:
    """What the report says about the run besides its results."""

    machine: dict[str, str]
    config: ServerConfig
    database_url: str
    started: datetime.datetime
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rss_first: dict[int, float] = field(default_factory=dict)
    rss_last: dict[int, float] = field(default_factory=dict)


def machine(redis_url: str) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except FileNotFoundError:
        pass
    memory = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (FileNotFoundError, ValueError, IndexError):
        pass

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    import django
    import gunicorn
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": postgres,
        "redis": redis.Redis.from_url(redis_url).info("server")["redis_version"],
        "locust": version([str(BIN / "locust"), "--version"]).split(" from ")[0],
        "celery": version([str(BIN / "celery"), "--version"]),
    }


def fmt_ms(value: float) -> str:
    return f"{value:.1f}"


def cpu_text(result: Result) -> str:
    if not result.requests:
        return "—"
    workers = 1000 * result.worker_cpu_seconds / result.requests
    database = 1000 * result.database_cpu_seconds / result.requests
    return f"{workers:.2f} + {database:.2f}"


def rss_text(result: Result) -> str:
    pairs = [f"{result.rss_start.get(pid, 0):.0f}→{result.rss_end.get(pid, 0):.0f}" for pid in sorted(result.rss_end)]
    return ", ".join(pairs)


def verdict(result: Result, baseline_rps: float) -> str:
    scenario = result.scenario
    if scenario.target is None:
        return "0 errors" if result.errors == 0 else "**errors**"
    misses = []
    if result.rps < scenario.target * baseline_rps:
        misses.append("ratio")
    if scenario.read and result.p99 > TARGET_P99_MS:
        misses.append("p99")
    if result.errors:
        misses.append("errors")
    return "ok" if not misses else "**missed: " + ", ".join(misses) + "**"


def targets_text() -> str:
    """The targets of the scenario list, in words: ratio floors grouped, then p99 and errors."""
    floors: dict[float, list[str]] = {}
    for scenario in SCENARIOS:
        if scenario.target is not None:
            floors.setdefault(scenario.target, []).append(scenario.name.replace("_", " "))
    parts = [f"{', '.join(names)} ≥ {target:.0%}" for target, names in sorted(floors.items(), reverse=True)]
    return (
        f"Targets: requests/s as a share of the baseline's, {'; '.join(parts)}; p99 ≤ {TARGET_P99_MS:.0f} ms on "
        "read pages (all but the mixed profile); 0 errors."
    )


def baseline_rps(results: list[Result]) -> float:
    """The mean of every baseline run in this run."""
    runs = [r.rps for r in results if r.scenario.name == "baseline"]
    return statistics.mean(runs) if runs else float("nan")


def set_neighbour_baselines(results: list[Result]) -> None:
    """Each page's denominator: the mean of the nearest baseline run before it and after it."""
    for index, result in enumerate(results):
        if result.scenario.name == "baseline":
            continue
        before = next((r.rps for r in reversed(results[:index]) if r.scenario.name == "baseline"), None)
        after = next((r.rps for r in results[index + 1 :] if r.scenario.name == "baseline"), None)
        around = [v for v in (before, after) if v is not None]
        result.neighbour_baseline = statistics.mean(around) if around else baseline_rps(results)


def table(results: list[Result]) -> list[str]:
    """Pages, each over the baseline runs around it; the baseline's runs in one line below."""
    base_rps = baseline_rps(results)
    shown = [r for i, r in enumerate(results) if r.scenario.name != "baseline" or i in (0, len(results) - 1)]
    lines = [
        "| scenario | requests | req/s | baseline around it, req/s | ratio to baseline | p50 ms | p95 ms | p99 ms "
        "| errors | CPU ms/request: workers + PostgreSQL | worker RSS MB start→end | generator CPU | targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in shown:
        around = r.neighbour_baseline or base_rps
        around_text = f"{around:.0f}" if r.neighbour_baseline else "— (mean of the runs)"
        lines.append(
            f"| {r.scenario.title} | {r.requests} | {r.rps:.0f} | {around_text} | {r.rps / around:.0%} | "
            f"{fmt_ms(r.p50)} | {fmt_ms(r.p95)} | {fmt_ms(r.p99)} | {r.errors} | {cpu_text(r)} | {rss_text(r)} | "
            f"{r.generator_cpu:.0%} | {verdict(r, around)} |"
        )
    runs = [r for r in results if r.scenario.name == "baseline"]
    lines += [
        "",
        f"Baseline runs in order ({len(runs)}, req/s): {', '.join(f'{r.rps:.0f}' for r in runs)}; "
        f"CPU ms/request (workers + PostgreSQL): {', '.join(cpu_text(r) for r in runs)}.",
    ]
    return lines


def breakdown(result: Result) -> list[str]:
    lines = [
        f"Requests of the {result.scenario.name} scenario:",
        "",
        "| request | count | share | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (n, errors, p50, p95, p99) in result.per_request.items():
        lines.append(
            f"| {name} | {n} | {n / max(1, result.requests):.1%} | {errors} | {fmt_ms(p50)} | {fmt_ms(p95)} | "
            f"{fmt_ms(p99)} |"
        )
    return lines


def sweep_table(args, short, configs: list[ServerConfig], pages, best, loads) -> list[str]:
    """The sweep's best round per configuration and page (each cell: req/s, p99, CPU a request)."""
    lines = [
        f"Gunicorn configurations ({short.warmup:g} s warm-up + {short.duration:g} s per page, {args.users} users, "
        f"best of {args.sweep_rounds} rounds; each cell: requests/s, p99 ms, CPU ms per request of workers + "
        "PostgreSQL):",
        "",
        "| configuration | " + " | ".join(p.name for p in pages) + " | load average (1 min) after each round |",
        "|---|" + "---|" * len(pages) + "---|",
    ]
    for config in configs:
        cells = []
        for page in pages:
            r = best[(config.label, page.name)]
            cells.append(f"{r.rps:.0f} req/s, p99 {r.p99:.0f}, {cpu_text(r)}")
        lines.append(
            f"| {config.label} | " + " | ".join(cells) + f" | {', '.join(f'{v:.1f}' for v in loads[config.label])} |"
        )
    return [*lines, ""]


def command_line(args) -> str:
    """The `make bench` that repeats this run (the options that differ from the defaults)."""
    extra = []
    if args.duration != 40 or args.warmup != 10:
        extra.append(f"--duration {args.duration:g} --warmup {args.warmup:g}")
    if (args.workers, args.worker_class, args.threads) != (3, "sync", 2):
        extra.append(f"--workers {args.workers} --worker-class {args.worker_class} --threads {args.threads}")
    if args.between != 20:
        extra.append(f"--between {args.between:g}")
    if args.only:
        extra.append(f"--only {args.only}")
    if args.sweep:
        extra.append("--sweep" if args.sweep_rounds == 2 else f"--sweep --sweep-rounds {args.sweep_rounds}")
    return f"make bench BENCH_LOAD_ARGS='{' '.join(extra)}'" if extra else "make bench"


def report(args, run: Run, results: list[Result], sweep_lines: list[str]) -> list[str]:
    info = run.machine
    lines = [
        "# Load benchmark",
        "",
        f"Command: `{command_line(args)}` (benchmarks/load/), run {run.started:%Y-%m-%d %H:%M}.",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} memory, Linux {info['kernel']}. "
        f"Load average (1/5/15 min) before: {' / '.join(f'{v:.2f}' for v in run.load_before)}; after: "
        f"{' / '.join(f'{v:.2f}' for v in run.load_after)}. The server, PostgreSQL, Redis, the Celery worker and the "
        "load generator share these cores; anything else running at the time slows every figure (the ratios "
        "to the baseline, measured in the same run, move less).",
        "",
        f"Versions: Python {info['python']}, Django {info['django']}, gunicorn {info['gunicorn']}, PostgreSQL "
        f"{info['postgresql']}, Redis {info['redis']}, Celery {info['celery']}, {info['locust']}.",
        "",
        f"Server: gunicorn {run.config.label}, keep-alive 5 s, settings benchmarks.settings (production + plain "
        "HTTP, captcha test mode, per-address limits raised, the baseline page), PostgreSQL database "
        f"`{urlparse(run.database_url).path.lstrip('/')}` with {PROCEDURES:,} procedures and {DOSSIERS:,} dossiers "
        f"({CITIZENS + ORGANISATIONS:,} accounts, history and ratings, bulk-inserted), Redis cache and broker, one "
        "Celery worker (emails of the sent dossiers).",
        "",
        f"Load: locust (FastHttpUser, one process, headless), {args.users} users without think time, each scenario "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured; response times recorded by the generator "
        "(sub-millisecond), errors are wrong statuses or contents. Generator CPU: share of one core the load "
        "generator used. Ratio: the page's requests/s over the mean of the baseline runs just before and just "
        f"after it (the baseline runs first, last and, for {args.between:g} s after a short warm-up, between "
        "every two pages, so a drift of the machine's speed moves a page and its denominator together). "
        f"{targets_text()} "
        "CPU ms/request: CPU time the gunicorn workers and the database's server processes used during the "
        "measured period, per request (what a page costs, whatever else the machine is doing).",
        "",
        *table(results),
        "",
        f"Worker RSS (MB) when the server was ready: {', '.join(f'{v:.0f}' for v in run.rss_first.values())}; "
        f"at the end of the run: {', '.join(f'{v:.0f}' for v in run.rss_last.values())}.",
        "",
    ]
    for result in results:
        if len(result.per_request) > 1:
            lines += [*breakdown(result), ""]
    for result in results:
        for example in result.error_examples:
            lines.append(f"- error in {result.scenario.name}: `{example}`")
    if sweep_lines:
        lines += ["## Workers per core", "", *sweep_lines]
    return lines
