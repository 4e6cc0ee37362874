"""Load benchmark: `make bench` (writes docs/benchmarks/load.md).

Production settings (portal/settings/bench.py: production plus plain HTTP on loopback, captcha test
mode and a bare baseline view) served by gunicorn, with PostgreSQL, Redis and a Celery worker,
seeded with 10,000 procedures and 200,000 dossiers (bulk insert, not through views). The load
generator (locust, headless, benchmarks/locustfile.py) runs in its own process and sends only to
127.0.0.1. Each scenario of benchmarks/load_scenarios.py runs at 16 users for a warm-up and then a
measured period; the baseline is measured first in the same run, and every page is reported as a
ratio to it. Every process started here is stopped at the end (and on Ctrl-C).

    .venv/bin/python benchmarks/load.py [--duration 40] [--warmup 10] [--only home,search]
    .venv/bin/python benchmarks/load.py --sweep      # gunicorn workers 2-5, sync and gthread
    .venv/bin/python benchmarks/load.py --profile detail   # py-spy on every worker (not official figures)
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(HERE)]
BIN = Path(sys.executable).parent

DATABASE_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_loadbench")
REDIS_URL = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/6")
WORK = Path(tempfile.mkdtemp(prefix="portal-loadbench-"))
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CACHE_KEY_PREFIX": "loadbench",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PORTAL_VAR_DIR": str(WORK / "var"),
    "MEDIA_ROOT": str(WORK / "media"),
    "CONN_MAX_AGE": "600",
    "EMAIL_URL": "",
    # The captcha's test mode is what the benchmark needs; its warning is expected here.
    "PYTHONWARNINGS": "ignore::RuntimeWarning:captcha.conf.settings",
}
os.environ.update(SERVER_ENV)
# The catalogue benchmark's generator, reused for the 10,000 procedures.
os.environ["DATABASE_URL"] = DATABASE_URL

import load_scenarios  # noqa: E402

PROCEDURES = 10_000
DOSSIERS = 200_000
CITIZENS = 4_000
ORGANISATIONS = 300
PASSWORD = "Mat-khau-tai-thu-2026"  # noqa: S105 - the seeded test accounts' password
USERS = 16
NOTES_MARKER = "## Reading the figures"
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
SEARCH_QUERIES = [
    "q=giay+khai+sinh",
    "q=gi%E1%BA%A5y+khai+sinh",  # giấy khai sinh
    "q=dang+ky+ket+hon",
    "q=%C4%91%C4%83ng+k%C3%BD+k%E1%BA%BFt+h%C3%B4n",  # đăng ký kết hôn
    "q=cap+ban+sao+bang+tot+nghiep",
    "q=C%E1%BA%A5p+b%E1%BA%A3n+sao+v%C4%83n+b%E1%BA%B1ng",  # Cấp bản sao văn bằng
    "q=giay+phep+lai+xe",
    "q=gi%E1%BA%A5y+ph%C3%A9p+l%C3%A1i+xe",  # giấy phép lái xe
    "q=ho+chieu",
    "q=h%E1%BB%99+chi%E1%BA%BFu",  # hộ chiếu
    "q=ly+lich+tu+phap",
    "q=l%C3%BD+l%E1%BB%8Bch+t%C6%B0+ph%C3%A1p",  # lý lịch tư pháp
    "q=chuyen+truong",
    "q=xay+dung",
    "q=dang+ki+khai+sin",  # a typo: the fuzzy pass
    "",
    "field=ho-tich",
    "q=dang+ky&field=ho-tich",
]
APPLICANT = {
    "applicant_name": "Nguyễn Văn Thử",
    "applicant_id_number": "001090000001",
    "applicant_date_of_birth": "01/02/1990",
    "applicant_gender": "male",
    "applicant_phone": "0912345678",
    "applicant_email": "thu.tai@example.vn",
    "applicant_address": "1 Tràng Tiền, Hà Nội",
    "result_delivery": "counter",
}
# Status mix of the seeded dossiers and the history each status implies (action, from, to).
STATUS_WEIGHTS = {
    "draft": 6,
    "sent": 4,
    "received": 5,
    "in_progress": 14,
    "supplement_requested": 3,
    "finished": 58,
    "refused": 2,
    "rejected": 3,
    "withdrawn": 5,
}
CHAINS = {
    "draft": [],
    "sent": [("send", "draft", "sent")],
    "received": [("send", "draft", "sent"), ("receive", "sent", "received")],
    "in_progress": [("send", "draft", "sent"), ("receive", "sent", "received"), ("start", "received", "in_progress")],
    "supplement_requested": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("request_supplement", "in_progress", "supplement_requested"),
    ],
    "finished": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("finish", "in_progress", "finished"),
    ],
    "refused": [("send", "draft", "sent"), ("refuse", "sent", "refused")],
    "rejected": [
        ("send", "draft", "sent"),
        ("receive", "sent", "received"),
        ("start", "received", "in_progress"),
        ("reject", "in_progress", "rejected"),
    ],
    "withdrawn": [("send", "draft", "sent"), ("withdraw", "sent", "withdrawn")],
}
NOTES = {
    "receive": "Hồ sơ đã được tiếp nhận.",
    "request_supplement": "Đề nghị bổ sung bản sao giấy khai sinh có chứng thực.",
    "finish": "Đã có kết quả, mời ông/bà nhận kết quả theo hình thức đã chọn.",
    "refuse": "Hồ sơ không thuộc thẩm quyền giải quyết.",
    "reject": "Hồ sơ không đủ điều kiện theo quy định.",
}


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
    shutil.rmtree(WORK, ignore_errors=True)


def _on_signal(signum, frame):
    stop_all()
    sys.exit(128 + signum)


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


def database_backends() -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (the portal's connections)."""
    import psycopg

    name = urlparse(DATABASE_URL).path.lstrip("/")
    admin = urlparse(DATABASE_URL)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchall()
    return [row[0] for row in rows]


def cpu_snapshot(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# --- database -------------------------------------------------------------------------------
def ensure_database() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    if not name.startswith("portal_loadbench"):
        sys.exit("The load benchmark only writes to databases named portal_loadbench*.")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(log) -> dict:
    """10,000 procedures (the catalogue benchmark's generator), accounts and 200,000 dossiers."""
    import catalogue
    from django.db import connection

    from dossiers.models import Dossier

    catalogue.TARGET = PROCEDURES
    catalogue.populate()  # migrates; skips the procedures already there
    if Dossier.objects.count() < DOSSIERS:
        seed_people_and_dossiers(log)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM captcha_captchastore")
        cursor.execute("DELETE FROM django_session")
        cursor.execute("VACUUM ANALYZE")
    return plan()


def seed_people_and_dossiers(log) -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from dossiers.constants import CODE_ALPHABET
    from dossiers.deadlines import timeliness_for
    from dossiers.models import Dossier, History, Rating
    from procedures.models import Procedure

    started = time.perf_counter()
    rng = random.Random(7)
    with transaction.atomic():
        Rating.objects.all().delete()
        History.objects.all().delete()
        Dossier.objects.all().delete()
        EmailAddress.objects.filter(email__endswith="@loadbench.vn").delete()
        User.objects.filter(email__endswith="@loadbench.vn").delete()
        password = make_password(PASSWORD)  # one PBKDF2 hash shared by every seeded account
        family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
        middle = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Quốc", "Ngọc", "Đức"]
        given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Phương", "Tâm"]
        users = []
        for n in range(CITIZENS + ORGANISATIONS):
            organisation = n >= CITIZENS
            users.append(
                User(
                    email=f"nguoi.dung{n:05d}@loadbench.vn",
                    password=password,
                    account_type="organisation" if organisation else "personal",
                    full_name="" if organisation else f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}",
                    date_of_birth=None if organisation else datetime.date(1960 + n % 45, 1 + n % 12, 1 + n % 28),
                    gender="" if organisation else rng.choice(["male", "female"]),
                    citizen_id="" if organisation else f"0010{n:08d}",
                    organisation_name=f"Công ty TNHH Thử Tải {n}" if organisation else "",
                    tax_code=f"01{n:08d}" if organisation else "",
                    legal_representative="Trần Thị Bình" if organisation else "",
                    phone="0912345678",
                    address="Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
                )
            )
        users = User.objects.bulk_create(users, batch_size=2000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users], batch_size=2000
        )
        procedures = list(Procedure.objects.values_list("pk", "agency_id", "agency__code", "processing_days"))
        # A few popular procedures take most dossiers, as in life.
        popular = rng.sample(procedures, min(300, len(procedures)))
        # Owners: most people have a few dossiers, some (services, companies) many.
        owner_weights = [rng.paretovariate(1.3) for _ in users]
        owners = rng.choices(users, weights=owner_weights, k=DOSSIERS)
        statuses = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()), k=DOSSIERS)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
            first_id = cursor.fetchone()[0] + 1
        dossier_columns = (
            "id, code, owner_id, procedure_id, agency_id, status, applicant_type, applicant_name, "
            "applicant_id_number, applicant_date_of_birth, applicant_gender, applicant_representative, "
            "applicant_phone, applicant_email, applicant_address, form_data, result_delivery, result_address, "
            "current_step, steps_done, supplement_request, supplement_requested_at, supplement_due, "
            "processing_days, created_at, updated_at, sent_at, received_at, due_date, finished_at, timeliness, "
            "apology_count"
        )
        history_columns = "dossier_id, actor_id, action, from_status, to_status, created_at, note, internal_note"
        codes: set[str] = set()
        ratings = []
        raw = connection.connection  # psycopg 3: COPY, the fastest bulk path
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY dossiers_dossier ({dossier_columns}) FROM STDIN") as dossier_copy:
                history_rows = []
                for index in range(DOSSIERS):
                    pk = first_id + index
                    owner = owners[index]
                    status = statuses[index]
                    procedure_id, agency_id, agency_code, days = (
                        rng.choice(popular) if rng.random() < 0.6 else rng.choice(procedures)
                    )
                    created = now - datetime.timedelta(days=rng.uniform(0, 730) ** 1.0, minutes=rng.randint(0, 600))
                    while True:
                        code = (
                            f"{agency_code}-{timezone.localtime(created):%y%m%d}-"
                            + "".join(rng.choice(CODE_ALPHABET) for _ in range(6))
                        )[:60]
                        if code not in codes:
                            codes.add(code)
                            break
                    organisation = owner.account_type == "organisation"
                    chain = CHAINS[status]
                    moment = created + datetime.timedelta(minutes=rng.randint(5, 240))
                    times = {}
                    for action, source, target in chain:
                        times[action] = moment
                        history_rows.append((pk, owner.pk, action, source, target, moment, NOTES.get(action, ""), ""))
                        moment += datetime.timedelta(hours=rng.randint(2, 24 * max(1, (days or 5) // 2)))
                    sent_at = times.get("send")
                    received_at = times.get("receive")
                    due = (
                        (received_at + datetime.timedelta(days=round((days or 5) * 1.4))).date()
                        if received_at
                        else None
                    )
                    finished_at = times.get("finish") or times.get("reject")
                    # Decided dossiers record how they kept their due date (the statistics read it).
                    timeliness = timeliness_for(timezone.localtime(finished_at).date(), due) if finished_at else ""
                    dossier_copy.write_row(
                        (
                            pk,
                            code,
                            owner.pk,
                            procedure_id,
                            agency_id,
                            status,
                            owner.account_type,
                            owner.organisation_name if organisation else owner.full_name,
                            owner.tax_code if organisation else owner.citizen_id,
                            owner.date_of_birth,
                            owner.gender,
                            owner.legal_representative,
                            owner.phone,
                            owner.email,
                            owner.address,
                            "{}",
                            "counter",
                            "",
                            "review" if status != "draft" else rng.choice(["applicant", "attachments"]),
                            '["applicant", "attachments"]' if status != "draft" else "[]",
                            NOTES["request_supplement"] if status == "supplement_requested" else "",
                            times.get("request_supplement"),
                            (times["request_supplement"] + datetime.timedelta(days=15)).date()
                            if "request_supplement" in times
                            else None,
                            days,
                            created,
                            max([created, *times.values()]),
                            sent_at,
                            received_at,
                            due,
                            finished_at,
                            timeliness,
                            0,
                        )
                    )
                    if status == "finished" and rng.random() < 0.3:
                        ratings.append((pk, rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 10, 5, 5])[0], finished_at))
            with cursor.copy(f"COPY dossiers_history ({history_columns}) FROM STDIN") as history_copy:
                for row in history_rows:
                    history_copy.write_row(row)
            with cursor.copy("COPY dossiers_rating (dossier_id, score, comment, created_at) FROM STDIN") as rating_copy:
                for pk, score, at in ratings:
                    rating_copy.write_row((pk, score, "", at))
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), "
                "(SELECT MAX(id) FROM dossiers_dossier))"
            )
    print(
        f"Seeded {len(users)} accounts, {DOSSIERS} dossiers, {len(history_rows)} history rows, {len(ratings)} ratings "
        f"in {time.perf_counter() - started:.0f} s",
        file=log,
        flush=True,
    )


def plan() -> dict:
    """What the load generator needs: codes to ask for, accounts to log in with, where to send."""
    from django.db.models import Count, Q

    from accounts.models import User
    from dossiers.models import Dossier
    from procedures.models import Procedure

    rng = random.Random(11)
    procedure_codes = list(Procedure.objects.filter(is_published=True).values_list("code", flat=True))
    lookup_codes = list(Dossier.objects.exclude(status="draft").order_by("?").values_list("code", flat=True)[:5000])
    # Logged-in users: ordinary citizens with between 10 and 60 dossiers (two or three pages).
    owners = list(
        User.objects.filter(email__endswith="@loadbench.vn", account_type="personal")
        .annotate(n=Count("dossiers"), sent=Count("dossiers", filter=~Q(dossiers__status="draft")))
        .filter(n__gte=10, n__lte=60, sent__gte=3)
        .order_by("email")
        .values_list("pk", "email")[:64]
    )
    accounts = []
    for pk, email in owners:
        codes = list(Dossier.objects.filter(owner_id=pk).exclude(status="draft").values_list("code", flat=True)[:20])
        accounts.append({"email": email, "codes": codes})
    # Where the mixed profile sends dossiers: published procedures without a declaration form and at
    # most two required documents (the two 1 MB files fill them).
    candidates = (
        Procedure.objects.filter(is_published=True, agency__is_active=True, form_fields__isnull=True)
        .annotate(required=Count("documents", filter=Q(documents__is_required=True)), docs=Count("documents"))
        .filter(required__lte=2, docs__gte=1)
        .prefetch_related("documents")[:400]
    )
    send_procedures = []
    for procedure in candidates:
        documents = sorted(procedure.documents.all(), key=lambda d: (not d.is_required, d.order, d.pk))
        send_procedures.append({"code": procedure.code, "slots": [f"slot-{d.pk}" for d in documents[:2]]})
    rng.shuffle(send_procedures)
    return {
        "procedure_codes": procedure_codes,
        "lookup_codes": lookup_codes,
        "accounts": accounts,
        "password": PASSWORD,
        "search_queries": SEARCH_QUERIES,
        "send_procedures": send_procedures[:100],
        "applicant": APPLICANT,
    }


# --- running ----------------------------------------------------------------------------------
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
    def __init__(self, config: ServerConfig, log_dir: Path):
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"gunicorn-{config.workers}-{config.worker_class}.log"
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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Result:
    scenario: load_scenarios.Scenario
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


def run_scenario(server: Server, scenario, plan_path: Path, args, log, profile: bool = False) -> Result:
    result_path = WORK / f"result-{scenario.name}.json"
    result_path.unlink(missing_ok=True)
    total = args.warmup + args.duration
    env = {
        "BENCH_SCENARIO": scenario.name,
        "BENCH_PLAN": str(plan_path),
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
    generator = start(command, WORK / f"locust-{scenario.name}.log", env=env)
    deadline = time.monotonic() + args.warmup + 150
    while not started_flag.exists() and generator.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    rss_start = server.rss()
    workers_cpu = cpu_snapshot(server.workers())
    database_cpu = cpu_snapshot(database_backends())
    spies = []
    if profile:
        for pid in server.workers():
            out = WORK / f"pyspy-{scenario.name}-{pid}.txt"
            spies.append(
                (
                    out,
                    start(
                        [
                            str(BIN / "py-spy"),
                            "record",
                            "--pid",
                            str(pid),
                            "--duration",
                            str(int(args.duration)),
                            "--rate",
                            "50",
                            "--format",
                            "raw",
                            "--output",
                            str(out),
                            "--nonblocking",
                        ],
                        WORK / "py-spy.log",
                    ),
                )
            )
    try:
        generator.wait(timeout=total + 200)
    except subprocess.TimeoutExpired:
        stop(generator)
    rss_end = server.rss()
    workers_used = cpu_used(workers_cpu, cpu_snapshot(server.workers()))
    database_used = cpu_used(database_cpu, cpu_snapshot(database_backends()))
    STARTED.remove(generator) if generator in STARTED else None
    for _, spy in spies:
        try:
            spy.wait(timeout=args.duration + 30)
        except subprocess.TimeoutExpired:
            stop(spy)
    if profile:
        summarise_profiles([out for out, _ in spies], scenario.name, log)
    if not result_path.exists():
        tail = (WORK / f"locust-{scenario.name}.log").read_text()[-3000:]
        sys.exit(f"locust wrote no result for {scenario.name}:\n{tail}")
    data = json.loads(result_path.read_text())
    samples: dict[str, list[float]] = {k: v for k, v in data["samples"].items() if not k.startswith("setup")}
    every = [value for values in samples.values() for value in values]
    errors = sum(n for name, n in data["errors"].items() if not name.startswith("setup"))
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
        errors=errors + sum(n for name, n in data["errors"].items() if name.startswith("setup")),
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


# --- report -----------------------------------------------------------------------------------
def machine() -> dict[str, str]:
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

    postgres = "?"
    redis_version = "?"
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
        import redis

        redis_version = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    except Exception as exc:
        postgres = postgres if postgres != "?" else f"? ({exc})"
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": postgres,
        "redis": redis_version,
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
    if not result.scenario.read:
        return "0 errors" if result.errors == 0 else "**errors**"
    misses = []
    if result.rps < TARGET_RATIO * baseline_rps:
        misses.append("ratio")
    if result.p99 > TARGET_P99_MS:
        misses.append("p99")
    if result.errors:
        misses.append("errors")
    return "ok" if not misses else "**missed: " + ", ".join(misses) + "**"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    args = parser.parse_args()

    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    (WORK / "var").mkdir(parents=True)
    (WORK / "media").mkdir()
    log = sys.stderr

    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    assert settings.BENCH_BASELINE
    print(f"Seeding / checking {DATABASE_URL} …", file=log, flush=True)
    data = seed(log)
    plan_path = WORK / "plan.json"
    plan_path.write_text(json.dumps(data))
    call_command("collectstatic", interactive=False, verbosity=0)
    empty_cache(everything=True)
    info = machine()
    connection.close()

    celery = start(
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
        ],
        WORK / "celery.log",
    )
    probe = f"/bench/baseline/{data['procedure_codes'][0]}/"
    names = [s.strip() for s in args.only.split(",") if s.strip()]
    scenarios = [s for s in load_scenarios.SCENARIOS if s.name == "baseline" or not names or s.name in names]
    unknown = set(names) - set(load_scenarios.BY_NAME)
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    profile = {s.strip() for s in args.profile.split(",") if s.strip()}
    load_before = os.getloadavg()
    started = datetime.datetime.now()

    sweep_lines: list[str] = []
    if args.sweep:
        sweep_lines = sweep(args, plan_path, probe, log)

    config = ServerConfig(args.workers, args.worker_class, args.threads)
    empty_cache()  # the scenarios start from an empty cache, whatever the sweep left in it
    server = Server(config, WORK)
    server.wait_ready(probe)
    rss_first = server.rss()
    results: list[Result] = []
    # The baseline runs first, between every two pages (shorter) and last: this machine's speed
    # drifts (a shared host: the same run has seen the baseline fall from 890 to 390 req/s), so
    # every page is divided by the mean of the two baseline runs around it, measured at most a
    # minute away.
    closing = load_scenarios.Scenario("baseline", "Baseline again, at the end of the run", {"baseline": 1}, read=False)
    between = load_scenarios.Scenario("baseline", "Baseline between two pages", {"baseline": 1}, read=False)
    short = argparse.Namespace(**{**vars(args), "duration": args.between, "warmup": min(args.warmup, 5)})
    order: list[tuple[load_scenarios.Scenario, argparse.Namespace]] = []
    pages = [s for s in scenarios if s.name != "baseline"]
    order.append((scenarios[0], args))
    for index, page in enumerate(pages):
        order.append((page, args))
        if args.between > 0 and index < len(pages) - 1:
            order.append((between, short))
    order.append((closing, args))
    for scenario, run_args in order:
        print(f"{scenario.title}: {run_args.warmup:g} s warm-up + {run_args.duration:g} s …", file=log, flush=True)
        result = run_scenario(server, scenario, plan_path, run_args, log, profile=scenario.name in profile)
        results.append(result)
        base = results[0].rps
        print(
            f"  {result.rps:.0f} req/s ({result.rps / base:.0%} of the first baseline), p50 {result.p50:.1f} ms, "
            f"p95 {result.p95:.1f} ms, p99 {result.p99:.1f} ms, errors {result.errors}; RSS {rss_text(result)}",
            file=log,
            flush=True,
        )
        for example in result.error_examples:
            print(f"    error: {example}", file=log)
    set_neighbour_baselines(results)
    rss_last = server.rss()
    server.stop()
    stop(celery)
    load_after = os.getloadavg()

    lines = report(args, info, config, results, load_before, load_after, started, rss_first, rss_last, sweep_lines)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        notes = ""
        if args.output.exists():
            previous = args.output.read_text(encoding="utf-8")
            if NOTES_MARKER in previous:
                notes = "\n" + previous[previous.index(NOTES_MARKER) :]
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + notes, encoding="utf-8")


def empty_cache(*, everything: bool = False) -> None:
    """Empty the portal's cache in the benchmark's Redis db (db 6 belongs to this benchmark):
    cached pages, counts and sessions (these fall back to the database) alike. The db is also
    the Celery broker: once the worker runs, only the cache's keys go (a flush would drop the
    queue's bindings, and with them the emails of the sends)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    if everything:
        client.flushdb()
        return
    prefix = SERVER_ENV["CACHE_KEY_PREFIX"]
    batch = []
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            client.delete(*batch)
            batch.clear()
    if batch:
        client.delete(*batch)


def sweep(args, plan_path: Path, probe: str, log) -> list[str]:
    """Requests/s, p99 and CPU per request of the baseline and two real pages for 2-5 workers, sync and
    gthread. Every configuration is measured in each of ``--sweep-rounds`` rounds and the best round is
    kept: on a shared machine the least disturbed measurement is the closest to the truth."""
    short = argparse.Namespace(**{**vars(args), "duration": min(args.duration, 20), "warmup": min(args.warmup, 5)})
    pages = [load_scenarios.BY_NAME[n] for n in ("baseline", "search", "detail")]
    configs = [ServerConfig(w, k, args.threads) for k in ("sync", "gthread") for w in (2, 3, 4, 5)]
    best: dict[tuple[str, str], Result] = {}
    loads: dict[str, list[float]] = {c.label: [] for c in configs}
    for round_number in range(1, args.sweep_rounds + 1):
        for config in configs if round_number % 2 else list(reversed(configs)):
            empty_cache()  # every configuration starts from an empty page cache
            server = Server(config, WORK)
            server.wait_ready(probe)
            for page in pages:
                result = run_scenario(server, page, plan_path, short, log)
                key = (config.label, page.name)
                if key not in best or result.rps > best[key].rps:
                    best[key] = result
                print(
                    f"  round {round_number}, {config.label} {page.name}: {result.rps:.0f} req/s, "
                    f"p99 {result.p99:.0f} ms, CPU {cpu_text(result)} ms",
                    file=log,
                    flush=True,
                )
            server.stop()
            loads[config.label].append(os.getloadavg()[0])
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


def report(args, info, config, results, load_before, load_after, started, rss_first, rss_last, sweep_lines):
    command = "make bench"
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
    if extra:
        command = f"make bench BENCH_LOAD_ARGS='{' '.join(extra)}'"
    lines = [
        "# Load benchmark",
        "",
        f"Command: `{command}` (benchmarks/load.py), run {started:%Y-%m-%d %H:%M}.",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} memory, Linux {info['kernel']}. "
        f"Load average (1/5/15 min) before: {' / '.join(f'{v:.2f}' for v in load_before)}; after: "
        f"{' / '.join(f'{v:.2f}' for v in load_after)}. The server, PostgreSQL, Redis, the Celery worker and the "
        "load generator share these cores; anything else running at the time slows every figure (the ratios "
        "to the baseline, measured in the same run, move less).",
        "",
        f"Versions: Python {info['python']}, Django {info['django']}, gunicorn {info['gunicorn']}, PostgreSQL "
        f"{info['postgresql']}, Redis {info['redis']}, Celery {info['celery']}, {info['locust']}.",
        "",
        f"Server: gunicorn {config.label}, keep-alive 5 s, settings portal.settings.bench (production + plain HTTP, "
        "captcha test mode, per-address limits raised), PostgreSQL database "
        f"`{urlparse(DATABASE_URL).path.lstrip('/')}` with {PROCEDURES:,} procedures and {DOSSIERS:,} dossiers "
        f"({CITIZENS + ORGANISATIONS:,} accounts, history and ratings, bulk-inserted), Redis cache and broker, one "
        "Celery worker (emails of the sent dossiers).",
        "",
        f"Load: locust (FastHttpUser, one process, headless), {args.users} users without think time, each scenario "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured; response times recorded by the generator "
        "(sub-millisecond), errors are wrong statuses or contents. Generator CPU: share of one core the load "
        "generator used. Ratio: the page's requests/s over the mean of the baseline runs just before and just "
        f"after it (the baseline runs first, last and, for {args.between:g} s after a short warm-up, between "
        "every two pages, so a drift of the machine's speed moves a page and its denominator together). "
        "Targets for read pages: ≥ 50 % of the baseline's requests/s, p99 ≤ 100 ms, 0 errors. "
        "CPU ms/request: CPU time the gunicorn workers and the database's server processes used during the "
        "measured period, per request (what a page costs, whatever else the machine is doing).",
        "",
        *table(results),
        "",
        f"Worker RSS (MB) when the server was ready: {', '.join(f'{v:.0f}' for v in rss_first.values())}; "
        f"at the end of the run: {', '.join(f'{v:.0f}' for v in rss_last.values())}.",
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


if __name__ == "__main__":
    main()
