"""The load benchmark's pieces that live in the portal: bench settings, the baseline view, and the
layout's fragment cache (it must never show one visitor's or one language's header to another)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from accounts.tests.factories import UserFactory
from portal import bench
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def test_baseline_view_is_not_routed_outside_bench_settings(client):
    procedure = ProcedureFactory()
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline", args=[procedure.code])
    assert client.get(f"/bench/baseline/{procedure.code}/").status_code == 404


def test_baseline_view_renders_after_one_query(django_assert_num_queries):
    procedure = ProcedureFactory(name="Cấp bản sao trích lục hộ tịch")
    request = RequestFactory().get("/")
    with django_assert_num_queries(1):
        response = bench.baseline(request, procedure.code)
    assert response.status_code == 200
    assert "Cấp bản sao trích lục hộ tịch" in response.content.decode()


def test_baseline_view_unknown_code_is_404():
    from django.http import Http404

    with pytest.raises(Http404):
        bench.baseline(RequestFactory().get("/"), "0.000000")


def test_bench_settings_are_production_over_http_with_the_baseline(tmp_path):
    """portal.settings.bench loads, passes the system checks, and routes the baseline view."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "CAPTCHA_TEST_MODE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        PORTAL_VAR_DIR=str(tmp_path),
        PYTHONWARNINGS="ignore",
    )
    code = (
        "import django; django.setup();"
        "from django.conf import settings as s; from django.urls import reverse;"
        "from django.core.management import call_command;"
        "call_command('check');"
        "print(reverse('bench-baseline', args=['1.000001']), s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.CAPTCHA_TEST_MODE, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "/bench/baseline/1.000001/ False False False True whitenoise.storage.CompressedManifestStaticFilesStorage"
        in result.stdout
    )


def test_cached_layout_follows_the_language(client):
    client.get(reverse("home"))  # fills the fragments in Vietnamese
    vietnamese = client.get(reverse("home")).content.decode()
    assert "Đăng nhập" in vietnamese and 'lang="vi" aria-pressed="true"' in vietnamese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("home")).content.decode()
    assert 'lang="en" aria-pressed="true"' in english
    assert "Log in" in english and "Đăng nhập" not in english


def test_cached_layout_never_shows_one_visitor_the_other_s_header(client):
    client.get(reverse("home"))
    user = UserFactory(full_name="Trần Thị Hoa")
    client.force_login(user)
    logged_in = client.get(reverse("home")).content.decode()
    assert "Trần Thị Hoa" in logged_in and reverse("account_logout") in logged_in
    client.logout()
    anonymous = client.get(reverse("home")).content.decode()
    assert "Trần Thị Hoa" not in anonymous and reverse("account_login") in anonymous


def test_language_switcher_keeps_the_page_and_a_fresh_token(client):
    first = client.get(reverse("procedures:list") + "?q=khai+sinh").content.decode()
    assert 'name="next" value="/procedures/?q=khai+sinh"' in first
    assert 'name="csrfmiddlewaretoken"' in first
    second = client.get(reverse("home")).content.decode()
    assert 'name="next" value="/"' in second


def test_captcha_store_has_an_expiration_index():
    """Every captcha check deletes the expired rows first: without an index that scans the table
    that every home page view grows (lookup/migrations/0001_captcha_expiration_index.py)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "captcha_captchastore")
    assert any(c["index"] and c["columns"] == ["expiration"] for c in constraints.values())


def test_empty_lookup_box_renders_like_the_uncached_form(rf):
    """The lookup box renders its fields from cached markup: the same as every field rendered in turn,
    empty or with a code (escaped), with a fresh captcha each time."""
    import re

    from django.template.loader import render_to_string

    from lookup.forms import LookupForm

    def normalised(html: str) -> str:
        html = re.sub(r'value="[0-9a-f]{40}"', 'value="KEY"', html)  # the captcha key
        html = re.sub(r"/captcha/image/[0-9a-f]{40}/", "/captcha/image/KEY/", html)
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return re.sub(r"\s+", " ", html).strip()

    request = rf.get("/")
    for auto_id in ("lookup_%s", "id_%s"):
        for initial in ({}, {"code": "SGDDT-HN-261120-AB3CDE"}, {"code": 'A"><B&'}):
            for _ in range(2):  # the second time from the cache
                form = LookupForm(auto_id=auto_id, initial=initial)
                cached = render_to_string("lookup/_lookup_form.html", {"form": form}, request)
            form = LookupForm(auto_id=auto_id, initial=initial)
            plain = render_to_string("includes/form_fields.html", {"form": form}, request)
            assert normalised(plain) in normalised(cached)
            assert f'id="{auto_id % "code"}"' in cached
    assert 'value="A&quot;&gt;&lt;B&amp;"' in cached


@pytest.fixture
def load_benchmark(monkeypatch):
    """benchmarks/load.py as a module, without the environment it sets for its own server processes
    leaking into this test process (the suite's later subprocesses inherit os.environ)."""
    saved = dict(os.environ)
    monkeypatch.syspath_prepend(str(Path(settings.BASE_DIR) / "benchmarks"))
    try:
        import load
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return load


def test_load_benchmark_seed_fills_every_column_the_models_require(load_benchmark, monkeypatch):
    """The load benchmark bulk-loads dossiers with COPY, past the ORM's defaults: a column added to
    Dossier without a place in that COPY breaks `make bench` (apology_count and timeliness once did)."""
    import io

    from dossiers.constants import DossierStatus as Status
    from dossiers.constants import Timeliness
    from dossiers.models import Dossier

    monkeypatch.setattr(load_benchmark, "DOSSIERS", 120)
    monkeypatch.setattr(load_benchmark, "CITIZENS", 12)
    monkeypatch.setattr(load_benchmark, "ORGANISATIONS", 3)
    ProcedureFactory.create_batch(4, processing_days=5)
    log = io.StringIO()
    load_benchmark.seed_people_and_dossiers(log)

    assert "120 dossiers" in log.getvalue()
    assert Dossier.objects.count() == 120
    decided = Dossier.objects.filter(status=Status.FINISHED)
    assert decided.exists()
    assert set(decided.values_list("timeliness", flat=True)) <= set(Timeliness.values)
    assert not Dossier.objects.filter(status=Status.DRAFT).exclude(timeliness="").exists()
    for dossier in Dossier.objects.order_by("?")[:10]:
        dossier.full_clean(validate_unique=False)


def test_each_page_is_divided_by_the_baseline_runs_around_it(load_benchmark):
    """The machine's speed drifts during a run: a page's ratio uses the baseline just before and
    just after it, and the table shows the first and last baseline runs and lists every one."""
    from load_scenarios import BY_NAME

    def run(name, rps, title=None):
        scenario = (
            BY_NAME[name]
            if title is None
            else load_benchmark.load_scenarios.Scenario("baseline", title, {"baseline": 1}, read=False)
        )
        return load_benchmark.Result(
            scenario=scenario,
            requests=int(rps * 10),
            seconds=10,
            errors=0,
            p50=1,
            p95=2,
            p99=3,
            per_request={},
            rss_start={},
            rss_end={},
            generator_cpu=0.1,
            worker_cpu_seconds=1,
            database_cpu_seconds=0.1,
            error_examples=[],
        )

    results = [
        run("baseline", 900),
        run("home", 600),
        run("baseline", 500, "Baseline between two pages"),
        run("lookup", 200),
        run("baseline", 300, "Baseline again, at the end of the run"),
    ]
    load_benchmark.set_neighbour_baselines(results)
    assert results[1].neighbour_baseline == 700 and results[3].neighbour_baseline == 400
    lines = load_benchmark.table(results)
    rows = [line for line in lines if line.startswith("| ") and "scenario" not in line]
    assert len(rows) == 4  # the baseline between two pages is listed below, not in the table
    assert "| 600 | 700 | 86% |" in rows[1] and "| 200 | 400 | 50% |" in rows[2]
    assert "ok" in rows[1] and "ok" in rows[2]
    assert "Baseline runs in order (3, req/s): 900, 500, 300" in lines[-1]
