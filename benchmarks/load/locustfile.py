"""The load generator of `make bench` (started by serve.py in its own process; not by hand).

    locust -f benchmarks/load/locustfile.py --headless -u 16 -r 16 -t 45s --host http://127.0.0.1:PORT

Environment: BENCH_SCENARIO (a name from scenarios.py), BENCH_PLAN (JSON written by the runner:
codes, accounts, queries), BENCH_WARMUP (seconds not measured; measuring also waits for
every user's login), BENCH_DURATION (seconds measured, then the run stops), BENCH_USERS,
BENCH_RESULT (where the figures go, JSON). Every simulated user sends its next request as soon as the previous answer
arrives (no think time): the figures are the server's capacity at 16 concurrent users.

Response times are recorded here with sub-millisecond precision (locust's own histogram rounds),
only after the warm-up, and a request counts as an error when its status or content is wrong.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import sys
import time
import uuid
from itertools import count
from pathlib import Path

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.load.scenarios import BY_NAME

SCENARIO = BY_NAME[os.environ.get("BENCH_SCENARIO", "baseline")]
PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text()) if os.environ.get("BENCH_PLAN") else {}
WARMUP = float(os.environ.get("BENCH_WARMUP", "10"))
DURATION = float(os.environ.get("BENCH_DURATION", "40"))
USERS = int(os.environ.get("BENCH_USERS", "16"))
READY = [0]  # simulated users that have finished on_start
RESULT = os.environ.get("BENCH_RESULT")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BOUNDARY = "----portal-bench-7d1f0c"
ACCOUNT_NUMBER = count()


class Recorder:
    """Response times per request name, from the end of the warm-up to the end of the run."""

    def __init__(self) -> None:
        self.measuring = False
        self.started = 0.0
        self.stopped = 0.0
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.error_examples: list[str] = []
        self.cpu_start = 0.0

    def start(self) -> None:
        self.samples.clear()
        self.errors.clear()
        self.error_examples.clear()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_start = usage.ru_utime + usage.ru_stime
        self.started = time.perf_counter()
        self.measuring = True

    def stop(self) -> None:
        if self.measuring:
            self.stopped = time.perf_counter()
            self.measuring = False

    def record(self, name: str, milliseconds: float, exception) -> None:
        if not self.measuring:
            return
        self.samples.setdefault(name, []).append(milliseconds)
        if exception is not None:
            self.errors[name] = self.errors.get(name, 0) + 1
            if len(self.error_examples) < 5:
                self.error_examples.append(f"{name}: {exception!s:.300}")

    def write(self, path: str) -> None:
        elapsed = (self.stopped or time.perf_counter()) - self.started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        payload = {
            "scenario": SCENARIO.name,
            "seconds": elapsed,
            "samples": self.samples,
            "errors": self.errors,
            "error_examples": self.error_examples,
            "generator_cpu_seconds": usage.ru_utime + usage.ru_stime - self.cpu_start,
        }
        Path(path).write_text(json.dumps(payload))


RECORDER = Recorder()


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    # FastHttpUser measures with time.perf_counter(), in milliseconds (float).
    RECORDER.record(name, response_time, exception)


@events.test_start.add_listener
def _on_test_start(environment, **kwargs):
    import gevent

    def measure():
        # Measure only once every simulated user has started (logged in: PBKDF2 takes a while),
        # then for exactly DURATION seconds, and stop the run.
        gevent.sleep(WARMUP)
        deadline = time.monotonic() + 120
        while READY[0] < USERS and time.monotonic() < deadline:
            gevent.sleep(0.1)
        RECORDER.start()
        if environment.stats is not None:
            environment.stats.reset_all()
        if RESULT:  # tells the runner the measured period has begun (it samples the server's CPU and memory)
            Path(RESULT + ".started").touch()
        gevent.sleep(DURATION)
        RECORDER.stop()
        if environment.runner is not None:
            environment.runner.quit()

    gevent.spawn(measure)


@events.test_stop.add_listener
def _on_test_stop(environment, **kwargs):
    RECORDER.stop()
    if RESULT:
        RECORDER.write(RESULT)


def pdf_bytes(size: int, seed: int) -> bytes:
    """A file the upload checks accept as a PDF (header, trailer), filled with random bytes."""
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    body = random.Random(seed).randbytes(size - len(head) - len(tail))
    return head + body + tail


FILES = [pdf_bytes(1024 * 1024, seed) for seed in (1, 2)] if "send" in SCENARIO.tasks else []


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content in files:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


class PortalUser(FastHttpUser):
    wait_time = constant(0)
    # One connection per simulated user, kept alive like a browser's.
    concurrency = 1
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self) -> None:
        self.rng = random.Random()
        self.csrf = ""
        self.account = None
        tasks = SCENARIO.tasks
        self.task_names = list(tasks)
        self.task_weights = list(tasks.values())
        if SCENARIO.login:
            self.log_in()
        elif "lookup" in tasks:
            self.fetch_csrf("/lookup/")
        READY[0] += 1

    # --- helpers -------------------------------------------------------------------------
    def fetch_csrf(self, path: str) -> None:
        response = self.client.get(path, name=f"setup {path}")
        found = CSRF_RE.search(response.text or "")
        if found:
            self.csrf = found.group(1)

    def log_in(self) -> None:
        accounts = PLAN["accounts"]
        self.account = accounts[next(ACCOUNT_NUMBER) % len(accounts)]
        self.fetch_csrf("/accounts/login/")
        data = {"csrfmiddlewaretoken": self.csrf, "login": self.account["email"], "password": PLAN["password"]}
        with self.client.post(
            "/accounts/login/", data=data, name="setup login", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return
        # Logging in rotates the CSRF token: take the new one from a page.
        self.fetch_csrf("/lookup/" if "lookup" in SCENARIO.tasks else "/accounts/profile/")

    def get(self, path: str, name: str, expect: str | None = None) -> None:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif expect and expect not in (response.text or ""):
                response.failure(f"missing {expect!r}")

    # --- tasks ---------------------------------------------------------------------------
    @task
    def one_task(self) -> None:
        name = self.rng.choices(self.task_names, weights=self.task_weights)[0]
        if name.startswith("/"):
            self.get(name, name)
        else:
            getattr(self, f"task_{name}")()

    def task_baseline(self) -> None:
        self.get(f"/bench/baseline/{self.rng.choice(PLAN['procedure_codes'])}/", "baseline")

    def task_home(self) -> None:
        self.get("/", "home", expect="lookup-form")

    def task_search(self) -> None:
        query = self.rng.choice(PLAN["search_queries"])
        self.get(f"/procedures/?{query}", "search", expect="result-count")

    def task_detail(self) -> None:
        self.get(f"/procedures/{self.rng.choice(PLAN['procedure_codes'])}/", "detail")

    def task_agencies(self) -> None:
        self.get("/agencies/", "agencies")

    def task_lookup(self) -> None:
        code = self.rng.choice(PLAN["lookup_codes"])
        if self.rng.random() < 0.2:
            code = f"  {code.lower()} "  # as typed from a receipt: lower case, spaces around
        data = {"csrfmiddlewaretoken": self.csrf, "code": code, "captcha_0": "bench", "captcha_1": "PASSED"}
        with self.client.post("/lookup/", data=data, name="lookup", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif "lookup-result" not in (response.text or ""):
                response.failure("no dossier in the answer")

    def task_my_dossiers(self) -> None:
        tab = self.rng.choice(["", "", "", "?tab=finished", "?tab=in_progress"])
        self.get(f"/dossiers/{tab}", "my dossiers")

    def task_dossier_detail(self) -> None:
        self.get(f"/dossiers/{self.rng.choice(self.account['codes'])}/", "dossier detail")

    def task_send(self) -> None:
        """A whole dossier through the wizard: applicant, two 1 MB files, send, the success page."""
        procedure = self.rng.choice(PLAN["send_procedures"])
        data = {"csrfmiddlewaretoken": self.csrf, **PLAN["applicant"], "action": "next"}
        with self.client.post(
            f"/dossiers/new/{procedure['code']}/",
            data=data,
            name="send 1: applicant",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/edit/" not in location:
                response.failure(f"status {response.status_code} {location}")
                return
        code = location.split("/")[2]
        slots = procedure["slots"]
        files = [(slots[i % len(slots)], f"giay-to-{i + 1}.pdf", content) for i, content in enumerate(FILES)]
        body = multipart({"csrfmiddlewaretoken": self.csrf, "action": "next"}, files)
        with self.client.post(
            f"/dossiers/{code}/edit/attachments/",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            name="send 2: upload 2 × 1 MB",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith("/review/"):
                response.failure(f"status {response.status_code} {response.headers.get('Location')}")
                return
        data = {
            "csrfmiddlewaretoken": self.csrf,
            "action": "send",
            "declaration": "on",
            "token": str(uuid.uuid4()),
            "captcha_0": "bench",
            "captcha_1": "PASSED",
        }
        with self.client.post(
            f"/dossiers/{code}/edit/review/", data=data, name="send 3: send", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302 or not response.headers.get("Location", "").endswith("/sent/"):
                response.failure(f"status {response.status_code} {response.headers.get('Location')}")
                return
        self.get(f"/dossiers/{code}/sent/", "send 4: sent page", expect=code)
