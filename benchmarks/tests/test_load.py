"""The load benchmark's seeding, its run order, its report and its Redis hygiene."""

import io
import os
import uuid
from pathlib import Path

import pytest

from benchmarks.common import delete_keys
from benchmarks.count_lines import counted
from benchmarks.load import report, seed
from benchmarks.load.__main__ import order, parse_args
from benchmarks.load.scenarios import BY_NAME, Scenario
from benchmarks.load.serve import Result
from procedures.tests.factories import ProcedureFactory


@pytest.mark.django_db
def test_seed_fills_every_column_the_models_require():
    """The load benchmark bulk-loads dossiers with COPY, past the ORM's defaults: a column added to
    Dossier without a place in that COPY breaks `make bench` (apology_count and timeliness once did)."""
    from dossiers.constants import DossierStatus as Status
    from dossiers.constants import Timeliness
    from dossiers.models import Dossier
    from dossiers.tests.factories import DossierFactory

    ProcedureFactory.create_batch(4, processing_days=5)
    log = io.StringIO()
    seed.seed_people_and_dossiers(log, dossiers=120, citizens=12, organisations=3)

    assert "120 dossiers" in log.getvalue()
    assert Dossier.objects.count() == 120
    decided = Dossier.objects.filter(status=Status.FINISHED)
    assert decided.exists()
    assert set(decided.values_list("timeliness", flat=True)) <= set(Timeliness.values)
    assert not Dossier.objects.filter(status=Status.DRAFT).exclude(timeliness="").exists()
    for dossier in Dossier.objects.order_by("?")[:10]:
        dossier.full_clean(validate_unique=False)
    # The ids COPY gave are behind the sequence: the next dossier saved gets a free one.
    copied = max(Dossier.objects.values_list("pk", flat=True))
    assert DossierFactory().pk > copied


def result(scenario: Scenario, rps: float, *, p99: float = 3, errors: int = 0) -> Result:
    return Result(
        scenario=scenario,
        requests=int(rps * 10),
        seconds=10,
        errors=errors,
        p50=1,
        p95=2,
        p99=p99,
        per_request={},
        rss_start={},
        rss_end={},
        generator_cpu=0.1,
        worker_cpu_seconds=1,
        database_cpu_seconds=0.1,
        error_examples=[],
    )


def baseline(title: str) -> Scenario:
    return Scenario("baseline", title, {"baseline": 1}, read=False)


def test_each_page_is_divided_by_the_baseline_runs_around_it():
    """The machine's speed drifts during a run: a page's ratio uses the baseline just before and
    just after it, and the table shows the first and last baseline runs and lists every one."""
    results = [
        result(BY_NAME["baseline"], 900),
        result(BY_NAME["home"], 800),
        result(baseline("Baseline between two pages"), 500),
        result(BY_NAME["lookup"], 200),
        result(baseline("Baseline again, at the end of the run"), 300),
    ]
    report.set_neighbour_baselines(results)
    assert results[1].neighbour_baseline == 700 and results[3].neighbour_baseline == 400
    lines = report.table(results)
    rows = [line for line in lines if line.startswith("| ") and "scenario" not in line]
    assert len(rows) == 4  # the baseline between two pages is listed below, not in the table
    assert "| 800 | 700 | 114% |" in rows[1] and "| 200 | 400 | 50% |" in rows[2]
    assert rows[1].endswith("| ok |") and rows[2].endswith("| ok |")
    assert "Baseline runs in order (3, req/s): 900, 500, 300" in lines[-1]


def test_each_scenario_is_held_to_its_own_target():
    assert report.verdict(result(BY_NAME["home"], 99), 100) == "**missed: ratio**"
    assert report.verdict(result(BY_NAME["home"], 100), 100) == "ok"
    assert report.verdict(result(BY_NAME["lookup"], 40), 100) == "ok"
    assert report.verdict(result(BY_NAME["my_dossiers"], 44), 100) == "**missed: ratio**"
    assert report.verdict(result(BY_NAME["lookup"], 50, p99=101, errors=1), 100) == "**missed: p99, errors**"
    # The mixed profile has a ratio to reach but no p99 (5 % of it uploads 2 MB).
    assert report.verdict(result(BY_NAME["mixed"], 25, p99=300), 100) == "ok"
    assert report.verdict(result(BY_NAME["baseline"], 1, errors=2), 100) == "**errors**"
    assert report.targets_text().startswith(
        "Targets: requests/s as a share of the baseline's, home, search, detail, agencies ≥ 100%; "
        "my dossiers ≥ 45%; lookup ≥ 40%; mixed ≥ 25%; p99 ≤ 100 ms"
    )


def test_the_baseline_runs_first_between_pages_and_last():
    runs = order(parse_args(["--only", "home,lookup", "--warmup", "8", "--between", "15"]))
    assert [(s.name, a.warmup, a.duration) for s, a in runs] == [
        ("baseline", 8, 40),
        ("home", 8, 40),
        ("baseline", 5, 15),
        ("lookup", 8, 40),
        ("baseline", 8, 40),
    ]
    assert report.command_line(runs[0][1]) == (
        "make bench BENCH_LOAD_ARGS='--duration 40 --warmup 8 --between 15 --only home,lookup'"
    )
    with pytest.raises(SystemExit):
        order(parse_args(["--only", "nowhere"]))


def test_every_scenario_task_exists_in_the_locustfile():
    source = (Path(seed.__file__).parent / "locustfile.py").read_text()
    for scenario in BY_NAME.values():
        for task in scenario.tasks:
            assert task.startswith("/") or f"def task_{task}(self)" in source


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis")
def test_only_the_benchmark_s_own_keys_are_deleted():
    import redis

    url = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(url)
    mine, other = f"bench-test-{uuid.uuid4().hex}", f"other-{uuid.uuid4().hex}"
    client.set(f"{mine}:1:page", "x")
    client.set(f"{mine}-celery:_kombu.binding.celery", "x")
    client.set(f"{other}:1:page", "x")
    try:
        assert delete_keys(url, f"{mine}:*") == 1
        assert client.exists(f"{mine}-celery:_kombu.binding.celery", f"{other}:1:page") == 2
        assert delete_keys(url, f"{mine}:*", f"{mine}-celery:*") == 1
    finally:
        client.delete(f"{mine}:1:page", f"{mine}-celery:_kombu.binding.celery", f"{other}:1:page")


def test_lines_are_counted_outside_tests_migrations_and_benchmarks():
    assert counted("dossiers/services.py") and counted("conftest.py") and counted("core/cache.py")
    assert not counted("dossiers/tests/test_send.py")
    assert not counted("dossiers/migrations/0001_initial.py")
    assert not counted("benchmarks/load/seed.py")
    assert not counted("README.md")


def test_a_report_keeps_the_notes_written_under_it(tmp_path):
    from benchmarks.common import write_report

    path = tmp_path / "load.md"
    path.write_text("# old figures\n\n## Reading the figures (hand-written notes)\n\nKept.\n")
    write_report(path, "# new figures\n")
    assert path.read_text() == "# new figures\n\n## Reading the figures (hand-written notes)\n\nKept.\n"
