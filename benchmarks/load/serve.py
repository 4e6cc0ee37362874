"""Serving and measuring: gunicorn, the Celery worker and locust as child processes, and what one
scenario's run measured (requests, response times, CPU of the workers and of PostgreSQL, memory).

Every child runs in its own process group, so stopping it stops its own children (gunicorn's
workers); ``stop_all`` stops whatever is still running at exit or on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.load.scenarios import Scenario

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# --- processes ------------------------------------------------------------------------------
STARTED: list[subprocess.Popen] = []


def start(args: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    """A child in its own process group, so stopping it stops its own children (gunicorn workers)."""
    handle = log.open("ab")
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    STARTED.append(process)
    return process


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # our own child's group, by its id
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
    if process in STARTED:
        STARTED.remove(process)


def stop_all() -> None:
    for process in reversed(list(STARTED)):
        stop(process)


def start_celery(log: Path) -> subprocess.Popen:
    """One worker for the emails of the sent dossiers (its broker keys under the run's prefix)."""
    args = ["-A", "portal", "worker", "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip"]
    return start([str(BIN / "celery"), *args], log)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except (FileNotFoundError, ValueError):
        return []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (from /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def database_backends(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (the portal's connections)."""
    import psycopg

    url = urlparse(database_url)
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [url.path.lstrip("/")]
        ).fetchall()
    return [row[0] for row in rows]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# --- the server -----------------------------------------------------------------------------
@dataclass
class ServerConfig:
    workers: int
    worker_class: str
    threads: int

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"{self.workers} × gthread ({self.threads} threads)"
        return f"{self.workers} × sync"


class Server:
    def __init__(self, config: ServerConfig, work: Path):
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / f"gunicorn-{config.workers}-{config.worker_class}.log"
        args = [
            str(BIN / "gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(config.workers),
            "--worker-class",
            config.worker_class,
            "--keep-alive",
            "5",
            "--timeout",
            "60",
            "--backlog",
            "256",
            "--error-logfile",
            "-",
        ]
        if config.worker_class == "gthread":
            args += ["--threads", str(config.threads)]
        self.process = start(args, self.log)

    def wait_ready(self, probe: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn stopped: see {self.log}\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=5) as response:  # noqa: S310 - loopback http
                    if response.status == 200 and len(self.workers()) == self.config.workers:
                        # One request per worker process so each has loaded its code and templates.
                        for _ in range(self.config.workers * 4):
                            urllib.request.urlopen(self.url + probe, timeout=5).read()  # noqa: S310
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        sys.exit(f"gunicorn did not answer within {timeout} s: see {self.log}")

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def rss(self) -> dict[int, float]:
        return {pid: rss_mb(pid) for pid in self.workers()}

    def stop(self) -> None:
        stop(self.process)


# --- one scenario ---------------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Result:
    scenario: Scenario
    requests: int
    seconds: float
    errors: int
    p50: float
    p95: float
    p99: float
    per_request: dict[str, tuple[int, int, float, float, float]]
    rss_start: dict[int, float]
    rss_end: dict[int, float]
    generator_cpu: float
    worker_cpu_seconds: float
    database_cpu_seconds: float
    error_examples: list[str]
    # The mean requests/s of the baseline runs just before and just after this one.
    neighbour_baseline: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_scenario(
    server: Server, scenario: Scenario, args, *, work: Path, database_url: str, log, profile: bool = False
) -> Result:
    """Load the server with ``scenario`` from a locust process for ``args.warmup`` + ``args.duration``
    seconds; the workers' and PostgreSQL's CPU and the workers' memory are read around the
    measured period, which the locustfile signals by a file."""
    result_path = work / f"result-{scenario.name}.json"
    result_path.unlink(missing_ok=True)
    total = args.warmup + args.duration
    env = {
        "BENCH_SCENARIO": scenario.name,
        "BENCH_PLAN": str(work / "plan.json"),
        "BENCH_WARMUP": str(args.warmup),
        "BENCH_RESULT": str(result_path),
        "BENCH_DURATION": str(args.duration),
        "BENCH_USERS": str(args.users),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{round(total) + 150}s",  # an upper bound: the locustfile stops after the measured period
        "--stop-timeout",
        "10",
        "--host",
        server.url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    started_flag = Path(str(result_path) + ".started")
    started_flag.unlink(missing_ok=True)
    generator = start(command, work / f"locust-{scenario.name}.log", env=env)
    deadline = time.monotonic() + args.warmup + 150
    while not started_flag.exists() and generator.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    rss_start = server.rss()
    workers_cpu = cpu_snapshot(server.workers())
    database_cpu = cpu_snapshot(database_backends(database_url))
    spies = [spy(pid, scenario.name, args.duration, work) for pid in server.workers()] if profile else []
    with contextlib.suppress(subprocess.TimeoutExpired):
        generator.wait(timeout=total + 200)
    stop(generator)  # when it overran; else only forgotten
    rss_end = server.rss()
    workers_used = cpu_used(workers_cpu, cpu_snapshot(server.workers()))
    database_used = cpu_used(database_cpu, cpu_snapshot(database_backends(database_url)))
    for _, process in spies:
        try:
            process.wait(timeout=args.duration + 30)
        except subprocess.TimeoutExpired:
            stop(process)
    if profile:
        summarise_profiles([out for out, _ in spies], scenario.name, log)
    if not result_path.exists():
        tail = (work / f"locust-{scenario.name}.log").read_text()[-3000:]
        sys.exit(f"locust wrote no result for {scenario.name}:\n{tail}")
    data = json.loads(result_path.read_text())
    samples: dict[str, list[float]] = {k: v for k, v in data["samples"].items() if not k.startswith("setup")}
    every = [value for values in samples.values() for value in values]
    per_request = {
        name: (
            len(values),
            data["errors"].get(name, 0),
            percentile(values, 0.5),
            percentile(values, 0.95),
            percentile(values, 0.99),
        )
        for name, values in sorted(samples.items())
    }
    return Result(
        scenario=scenario,
        requests=len(every),
        seconds=data["seconds"],
        errors=sum(data["errors"].values()),  # a failed login during the warm-up counts too
        p50=percentile(every, 0.5),
        p95=percentile(every, 0.95),
        p99=percentile(every, 0.99),
        per_request=per_request,
        rss_start=rss_start,
        rss_end=rss_end,
        generator_cpu=data["generator_cpu_seconds"] / data["seconds"] if data["seconds"] else 0.0,
        worker_cpu_seconds=workers_used,
        database_cpu_seconds=database_used,
        error_examples=data["error_examples"],
    )


# --- profiles (--profile) -------------------------------------------------------------------
def spy(pid: int, name: str, duration: float, work: Path) -> tuple[Path, subprocess.Popen]:
    """py-spy sampling one worker for the measured period, stacks collapsed into a text file."""
    out = work / f"pyspy-{name}-{pid}.txt"
    args = ["record", "--pid", str(pid), "--duration", str(int(duration)), "--rate", "50", "--format", "raw"]
    return out, start([str(BIN / "py-spy"), *args, "--output", str(out), "--nonblocking"], work / "py-spy.log")


def summarise_profiles(paths: list[Path], name: str, log) -> None:
    """Collapsed py-spy stacks of every worker → the functions holding the most samples."""
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    total = 0
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            try:
                count = int(count_text)
            except ValueError:
                continue
            frames = stack.split(";")
            total += count
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + count
            leaf[frames[-1]] = leaf.get(frames[-1], 0) + count
    if not total:
        print(f"py-spy: no samples for {name}", file=log)
        return
    keep = ROOT / "var" / "profiles"
    keep.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.exists():
            shutil.copy(path, keep / path.name)
    print(f"\n### py-spy, scenario {name}: {total} samples (stacks kept in {keep})", file=log)
    print("inclusive (share of samples with the function on the stack):", file=log)
    for frame, count in sorted(inclusive.items(), key=lambda kv: -kv[1])[:45]:
        print(f"  {100 * count / total:5.1f} %  {frame}", file=log)
    print("leaf (where the time is spent):", file=log)
    for frame, count in sorted(leaf.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {100 * count / total:5.1f} %  {frame}", file=log)
    log.flush()
