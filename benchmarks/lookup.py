"""Lookup and statistics benchmark: `make bench-lookup` (writes docs/benchmarks/lookup.md).

Fills a dedicated PostgreSQL database (portal_bench_lookup by default, from DATABASE_URL) with
1,000,000 dossiers by COPY (psycopg), not through views: the demo catalogue's agencies and
procedures, a realistic status mix, received / due / finished dates over the last two years,
apologies for some late dossiers, ratings for some finished ones and the processing history of
one dossier in ten. Then VACUUM ANALYZE (what autovacuum does after a bulk load) and it measures
through the real views with django.test.Client:

* the dossier lookup by code (POST with a passed captcha in CAPTCHA_TEST_MODE, the rate limit
  counted but never reached): p50 / p95 / p99 over random codes;
* the public statistics page, whole country and one agency, cold (cache emptied before each
  request, so every aggregate runs) and warm (figures from the cache, Redis).

The data is kept between runs (it is rebuilt only when the dossier count is not the target or
with --rebuild). A cold request follows the deletion of the benchmark's own cache keys
(CACHE_KEY_PREFIX, default bench-lookup): the Redis database (REDIS_URL) may be shared.

    make bench-lookup           # or: python -m benchmarks.lookup [--lookups 1000] [--repeat 20] [--output FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import empty_cache, ensure_database, write_report

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1_000_000
USERS = 5_000
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_SPACE = len(CODE_ALPHABET) ** 6
CODE_STEP = 387_420_489  # 3**18: coprime with 31**6, so n -> n * step mod 31**6 is a permutation
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quang", "Thu", "Hồng"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phương", "Tú", "Yến"]


def code_suffix(n: int) -> str:
    value = (n * CODE_STEP) % CODE_SPACE
    chars = []
    for _ in range(6):
        value, digit = divmod(value, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "".join(chars)


def add_weekdays(day: dt.date, days: int) -> dt.date:
    """Approximate working days (weekends only): good enough for generated due dates."""
    current = day
    while days > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    if days == 0 and current.weekday() >= 5:
        current += dt.timedelta(days=7 - current.weekday())
    return current


def at(day: dt.date, rng: random.Random, tz) -> dt.datetime:
    """A moment during office hours (Vietnam time) on ``day``."""
    return dt.datetime.combine(day, dt.time(7 + rng.randrange(10), rng.randrange(60), rng.randrange(60)), tzinfo=tz)


def populate(seed: int = 7) -> None:
    """1,000,000 dossiers with apologies, ratings and history for a sample, by COPY (a few minutes)."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from dossiers.models import Apology, Dossier, History, Rating
    from procedures.importing import Importer, read_file
    from procedures.models import Procedure

    call_command("migrate", verbosity=0)
    if Dossier.objects.count() == TARGET:
        return
    started = time.perf_counter()
    if not Procedure.objects.exists():
        demo = ROOT / "procedures" / "demo" / "catalogue.json"
        Importer(base_dir=demo.parent, templates=False).import_source(read_file(demo))
    with connection.cursor() as cursor:
        cursor.execute(
            # CASCADE: every table that refers to a dossier (results, payments, …) is emptied with it
            "TRUNCATE dossiers_history, dossiers_apology, dossiers_rating, dossiers_attachment, dossiers_dossier"
            " CASCADE"
        )
    User.objects.filter(email__endswith="@bench.invalid").delete()
    unusable = "!"  # an unusable password hash: nobody logs in as these citizens
    citizens = [
        User(email=f"citizen{i}@bench.invalid", full_name=f"Công dân {i}", password=unusable) for i in range(USERS)
    ]
    User.objects.bulk_create(citizens, batch_size=1000)
    owners = list(User.objects.filter(email__endswith="@bench.invalid").values_list("pk", flat=True))
    procedures = list(Procedure.objects.select_related("agency").order_by("pk"))
    # Some procedures are used far more than others (birth registration vs. a rare licence).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(procedures))]
    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    now = timezone.now()
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=730)

    dossier_columns = [
        *("id", "code", "owner_id", "procedure_id", "agency_id", "status", "applicant_type", "applicant_name"),
        *("applicant_id_number", "applicant_gender", "applicant_representative", "applicant_phone"),
        *("applicant_email", "applicant_address", "form_data", "result_delivery", "result_address"),
        *("current_step", "steps_done", "supplement_request", "supplement_requested_at", "supplement_due"),
        *("processing_days", "created_at", "updated_at", "sent_at", "received_at", "due_date", "finished_at"),
        *("timeliness", "paused_remaining_days", "apology_count", "result_pickup_date"),
    ]
    # Every other column (added by later features) gets its model default, so a new field does not
    # break the COPY.
    later_fields = [field for field in Dossier._meta.concrete_fields if field.column not in dossier_columns]
    dossier_columns += [field.column for field in later_fields]
    later_values = tuple(field.get_db_prep_save(field.get_default(), connection) for field in later_fields)
    apologies: list[tuple] = []
    ratings: list[tuple] = []
    history: list[tuple] = []
    counts: dict[str, int] = {}

    def rows():
        for n in range(1, TARGET + 1):
            procedure = rng.choices(procedures, weights)[0]
            created_day = first_day + dt.timedelta(days=rng.randrange(731))
            created = at(created_day, rng, tz)
            roll = rng.random()
            status, sent, received, due, finished, timeliness, apology_count = "draft", None, None, None, None, "", 0
            supplement_at = supplement_due = None
            days = procedure.processing_days
            if roll >= 0.03:  # 3 % drafts never sent
                sent = created + dt.timedelta(minutes=rng.randrange(5, 600))
                status = "sent"
                if roll < 0.04:
                    status = "withdrawn"
                elif roll < 0.05:
                    status = "refused"
                    finished = None
                elif timezone.localtime(sent).date() < today - dt.timedelta(days=2) or rng.random() < 0.5:
                    received_day = add_weekdays(timezone.localtime(sent).date(), rng.choice([0, 0, 1, 1, 2]))
                    received = at(received_day, rng, tz) if received_day <= today else None
            if received is not None:
                received_day = timezone.localtime(received).date()
                due = add_weekdays(received_day, days)
                kind = rng.random()
                if kind < 0.60:
                    decided = received_day + dt.timedelta(days=rng.randrange(max((due - received_day).days, 1)))
                    timeliness = "early" if decided < due else "on_time"
                elif kind < 0.85:
                    decided, timeliness = due, "on_time"
                else:
                    decided, timeliness = due + dt.timedelta(days=rng.randrange(1, 25)), "late"
                if decided <= today and not (decided == today and rng.random() < 0.5):
                    status = "rejected" if rng.random() < 0.04 else "finished"
                    finished = max(at(decided, rng, tz), received + dt.timedelta(minutes=30))
                    if timeliness == "late" and rng.random() < 0.3:
                        apology_count = 1
                else:
                    timeliness = ""
                    status = rng.choices(["received", "in_progress", "supplement_requested"], [1, 6, 1])[0]
                    if status == "supplement_requested":
                        supplement_at = received + dt.timedelta(days=1)
                        supplement_due = received_day + dt.timedelta(days=15)
                    if due < today and rng.random() < 0.3:
                        apology_count = 1
            counts[status] = counts.get(status, 0) + 1
            agency = procedure.agency
            code = f"{agency.code}-{created_day:%y%m%d}-{code_suffix(n)}"
            updated = finished or supplement_at or received or sent or created
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            if apology_count:
                apology_at = at(due - dt.timedelta(days=1), rng, tz) if due > received_day else received
                apologies.append((n, due, due + dt.timedelta(days=10), "Hồ sơ cần xác minh thêm.", apology_at))
            if status == "finished" and rng.random() < 0.1:
                ratings.append((n, rng.choices([1, 2, 3, 4, 5], [2, 3, 10, 35, 50])[0], "", finished))
            if n % 10 == 0 and sent is not None:
                path = [("send", "draft", "sent", sent)]
                if status in ("withdrawn", "refused"):
                    path.append((status, "sent", status, sent + dt.timedelta(days=1)))
                if received is not None:
                    path.append(("receive", "sent", "received", received))
                    if status != "received":
                        path.append(("start", "received", "in_progress", received + dt.timedelta(minutes=20)))
                    if status == "supplement_requested":
                        path.append(("request_supplement", "in_progress", status, supplement_at))
                    if status in ("finished", "rejected"):
                        path.append((status, "in_progress", status, finished))
                for action, before, after, moment in path:
                    note = "Đề nghị bổ sung bản sao giấy tờ." if after == "supplement_requested" else ""
                    history.append((n, action, before, after, moment, note, ""))
            yield (
                n,
                code,
                rng.choice(owners),
                procedure.pk,
                agency.pk,
                status,
                "personal",
                name,
                f"0010{rng.randrange(10**8):08d}",
                "",
                "",
                f"09{rng.randrange(10**8):08d}",
                f"citizen{n % USERS}@bench.invalid",
                "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
                "{}",
                "counter",
                "",
                "review",
                '["applicant", "form", "attachments"]',
                "Đề nghị bổ sung bản sao giấy tờ." if supplement_at else "",
                supplement_at,
                supplement_due,
                days if sent else None,
                created,
                updated if updated <= now else now,
                sent,
                received,
                due,
                finished,
                timeliness,
                None,
                apology_count,
                None,
                *later_values,
            )

    def copy(table: str, columns: list[str], data) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.connection.cursor() as cursor, cursor.copy(sql) as copier:
            for row in data:
                copier.write_row(row)

    with transaction.atomic():
        copy("dossiers_dossier", dossier_columns, rows())
        copy(
            "dossiers_apology",
            ["dossier_id", "previous_due_date", "new_due_date", "reason", "created_at"],
            apologies,
        )
        copy("dossiers_rating", ["dossier_id", "score", "comment", "created_at"], ratings)
        copy(
            "dossiers_history",
            ["dossier_id", "action", "from_status", "to_status", "created_at", "note", "internal_note"],
            history,
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Dossier, Apology, Rating, History]):
                cursor.execute(statement)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: statistics, visibility map
    mix = ", ".join(f"{status} {count / TARGET:.1%}" for status, count in sorted(counts.items()))
    print(
        f"Generated {TARGET} dossiers ({mix}), {len(apologies)} apologies, {len(ratings)} ratings, "
        f"{len(history)} history rows in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Meter:
    """Wall time per request, and the CPU it cost: this process's (Django) and the PostgreSQL
    backend's (read from /proc, parallel workers not included). CPU time is what a request
    costs on an idle machine; wall time is what it took on this one, load included."""

    def __init__(self, connection):
        connection.ensure_connection()
        self.connection = connection
        self.pid = connection.connection.info.backend_pid
        self.tick = os.sysconf("SC_CLK_TCK")
        self.walls: list[float] = []
        self.cpus: list[float] = []
        self.backend = 0.0

    def _backend_cpu(self) -> float:
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # PostgreSQL on another machine: Django's CPU only
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick * 1000

    def __call__(self, call):
        backend = self._backend_cpu()
        cpu = time.process_time()
        started = time.perf_counter()
        result = call()
        self.walls.append((time.perf_counter() - started) * 1000)
        self.cpus.append((time.process_time() - cpu) * 1000)
        self.backend += self._backend_cpu() - backend
        return result

    @property
    def cpu_per_request(self) -> str:
        """Mean CPU per request: Django + PostgreSQL backend."""
        django_cpu = statistics.mean(self.cpus)
        return (
            f"{django_cpu + self.backend / len(self.cpus):.1f} ({django_cpu:.1f} + {self.backend / len(self.cpus):.1f})"
        )

    def summary(self) -> str:
        walls = self.walls
        return (
            f"{len(walls)} | {statistics.median(walls):.1f} | {percentile(walls, 0.95):.1f} | "
            f"{percentile(walls, 0.99):.1f} | {max(walls):.1f} | {self.cpu_per_request}"
        )


def bench_lookup(client, lookups: int) -> list[str]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dossiers.models import Dossier

    # Random sent dossiers, the same ones every run: their ids are 1 to TARGET (populate).
    ids = random.Random(3).sample(range(1, TARGET + 1), min(TARGET, lookups * 2))
    codes = list(Dossier.objects.filter(pk__in=ids).exclude(status="draft").values_list("code", flat=True)[:lookups])
    url = reverse("lookup:lookup")
    captcha = {"captcha_0": "bench", "captcha_1": "PASSED"}
    for code in codes[:30]:  # warm the connection, templates and code paths
        client.post(url, {"code": code, **captcha})
    found = Meter(connection)
    for index, code in enumerate(codes):
        typed = f"  {code.lower()}  " if index % 2 else code  # as citizens type it, half of the time
        response = found(lambda typed=typed: client.post(url, {"code": typed, **captcha}))
        assert response.status_code == 200 and code in response.content.decode(), code
    missing = Meter(connection)
    for i in range(100):
        response = missing(lambda i=i: client.post(url, {"code": f"HN-260101-ZZZZ{i:02d}", **captcha}))
        assert response.status_code == 200
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        client.post(url, {"code": codes[0], **captcha})
    history = Dossier.objects.filter(code__in=codes, history__isnull=False).distinct().count()
    return [
        "## Lookup by code",
        "",
        f"{len(codes)} random sent dossiers ({history} of them with history rows), typed half of the time in lower "
        f"case with spaces around; queries per lookup of a known code, the captcha's included: "
        f"{len(ctx.captured_queries)}.",
        "",
        "| request | n | p50 ms | p95 ms | p99 ms | max ms | CPU ms per request (Django + PostgreSQL) |",
        "|---|---|---|---|---|---|---|",
        f"| POST /lookup/ (found) | {found.summary()} |",
        f"| POST /lookup/ (unknown code) | {missing.summary()} |",
        "",
    ]


def bench_statistics(client, repeat: int) -> list[str]:
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dossiers.models import Dossier

    base = reverse("lookup:statistics")
    csv_url = reverse("lookup:statistics_csv")
    top = Dossier.objects.values("agency__code").order_by().annotate(n=Count("pk"))
    busiest = max(top, key=lambda row: row["n"])["agency__code"]
    this_month = dt.date.today().replace(day=1)
    first = (this_month - dt.timedelta(days=23 * 31)).replace(day=1)
    requests = [
        ("whole country, last 12 months", base),
        ("one agency with its sub-agencies", f"{base}?agency=HN"),
        ("one agency, the busiest", f"{base}?agency={busiest}"),
        ("one field", f"{base}?field=ho-tich"),
        ("whole country, 24 months", f"{base}?from={first:%Y-%m}&to={this_month:%Y-%m}"),
        ("CSV per month, whole country", f"{csv_url}?view=month"),
    ]
    lines = [
        "## Public statistics",
        "",
        f"Each request {repeat} times cold and {repeat * 2} times warm.",
        "",
        "| request | queries (cold) | cold p50 ms | cold p95 ms | cold max ms | cold CPU ms (Django + PostgreSQL) "
        "| warm p50 ms | warm p95 ms | warm CPU ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, url in requests:
        client.get(url)
        cold, warm = Meter(connection), Meter(connection)
        for _ in range(repeat):
            empty_cache()
            response = cold(lambda url=url: client.get(url))
            assert response.status_code == 200, url
        for _ in range(repeat * 2):
            warm(lambda url=url: client.get(url))
        empty_cache()
        reset_queries()  # each request resets the log; start from an empty one
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        lines.append(
            f"| {label}: `{url}` | {len(ctx.captured_queries)} | {statistics.median(cold.walls):.1f} | "
            f"{percentile(cold.walls, 0.95):.1f} | {max(cold.walls):.1f} | {cold.cpu_per_request} | "
            f"{statistics.median(warm.walls):.1f} | {percentile(warm.walls, 0.95):.1f} | {warm.cpu_per_request} |"
        )
    return [*lines, "", *explain_whole_country(client, base)]


def explain_whole_country(client, url: str) -> list[str]:
    """EXPLAIN ANALYZE of each query of one cold whole-country page: where the time goes."""
    import json

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    empty_cache()
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    lines = [
        f"### Where a cold `{url}` spends its time",
        "",
        "EXPLAIN ANALYZE of each query of the page, run once more right after it (same load).",
        "",
        "| # | tables read | indexes used | rows read | ms |",
        "|---|---|---|---|---|",
    ]

    def walk(node):
        yield node
        for child in node.get("Plans", []):
            yield from walk(child)

    for number, query in enumerate(ctx.captured_queries, 1):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        nodes = list(walk(plan["Plan"]))
        tables = sorted({n["Relation Name"] for n in nodes if "Relation Name" in n})
        indexes = sorted({n["Index Name"] for n in nodes if "Index Name" in n})
        scans = [n for n in nodes if "Scan" in n["Node Type"]]
        read = sum(n["Actual Rows"] * n.get("Actual Loops", 1) for n in scans)
        lines.append(
            f"| {number} | {', '.join(tables) or '—'} | {', '.join(indexes) or '—'} | {read:,} | "
            f"{plan['Execution Time']:.1f} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=1000, help="measured lookups")
    parser.add_argument("--repeat", type=int, default=20, help="measured cold requests per statistics page")
    parser.add_argument("--rebuild", action="store_true", help="drop the database and generate the data again")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    parser.add_argument("--populate-only", action="store_true", help="generate the data and stop")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_lookup")
    os.environ.setdefault("CACHE_KEY_PREFIX", "bench-lookup")
    os.environ.setdefault("CAPTCHA_TEST_MODE", "1")  # it posts "PASSED"; the test settings leave the mode off
    os.environ["CONN_MAX_AGE"] = "600"
    ensure_database(os.environ["DATABASE_URL"], recreate=args.rebuild)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    if not settings.CAPTCHA_TEST_MODE:
        sys.exit("The benchmark needs the test settings (CAPTCHA_TEST_MODE).")
    populate()
    if args.populate_only:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('dossiers_dossier')) FROM dossiers_dossier"
        )
        count, size = cursor.fetchone()
    client = Client()
    load_before = os.getloadavg()
    with override_settings(RATE_LIMITS={**settings.RATE_LIMITS, "lookup": "1000000000/m"}):  # counted, never hit
        lines = bench_lookup(client, args.lookups)
    lines += bench_statistics(client, args.repeat)
    empty_cache()  # leaves nothing behind in a Redis database it may share
    load_after = os.getloadavg()
    header = [
        "# Lookup and statistics benchmark",
        "",
        f"Command: `make bench-lookup` (python -m benchmarks.lookup --lookups {args.lookups} --repeat {args.repeat}). "
        f"{count:,} dossiers ({size} with indexes) on PostgreSQL, {os.cpu_count()} cores; every request goes "
        "through the view with django.test.Client (middleware, form, queries, template). Cold: the benchmark's "
        "cache keys deleted before each request; warm: figures from the cache (Redis). CPU: the mean CPU time one "
        "request used, in Django and in its PostgreSQL backend (parallel workers not counted), what it would take "
        "on an idle machine. Targets: lookup p95 ≤ 15 ms; statistics ≤ 250 ms cold, ≤ 20 ms warm.",
        "",
        f"Load average (1, 5, 15 min) before: {' / '.join(f'{v:.1f}' for v in load_before)}; after: "
        f"{' / '.join(f'{v:.1f}' for v in load_after)} (anything else running on the machine slows every figure).",
        "",
    ]
    report = "\n".join(header + lines)
    print(report)
    if args.output:
        write_report(args.output, report)


if __name__ == "__main__":
    main()
