"""The load benchmark's server: its settings and the baseline page, which the portal never routes."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.http import Http404
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from benchmarks import views
from procedures.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def test_the_portal_does_not_route_the_baseline(client):
    procedure = ProcedureFactory()
    with pytest.raises(NoReverseMatch):
        reverse("bench-baseline", args=[procedure.code])
    assert client.get(f"/bench/baseline/{procedure.code}/").status_code == 404


@pytest.fixture
def bench_site(settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "benchmarks"]  # the baseline's template
    settings.ROOT_URLCONF = "benchmarks.urls"


def test_baseline_renders_after_one_query(bench_site, django_assert_num_queries):
    procedure = ProcedureFactory(name="Cấp bản sao trích lục hộ tịch")
    request = RequestFactory().get(reverse("bench-baseline", args=[procedure.code]))
    with django_assert_num_queries(1):
        response = views.baseline(request, procedure.code)
    assert response.status_code == 200
    assert "Cấp bản sao trích lục hộ tịch" in response.content.decode()


def test_baseline_unknown_code_is_404(bench_site):
    with pytest.raises(Http404):
        views.baseline(RequestFactory().get("/"), "0.000000")


def test_bench_settings_are_production_over_http_with_the_baseline(tmp_path):
    """benchmarks.settings loads, passes the system checks, routes the baseline page beside the
    portal's, and keeps the broker's keys under the cache's prefix."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "CAPTCHA_TEST_MODE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        PORTAL_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379",
        CACHE_KEY_PREFIX="bench-load",
        PYTHONWARNINGS="ignore",
    )
    code = (
        "import django; django.setup();"
        "from django.conf import settings as s; from django.urls import reverse;"
        "from django.core.management import call_command;"
        "call_command('check');"
        "print(reverse('bench-baseline', args=['1.000001']), reverse('home'), s.DEBUG, s.SECURE_SSL_REDIRECT,"
        " s.SESSION_COOKIE_SECURE, s.CAPTCHA_TEST_MODE, s.STORAGES['staticfiles']['BACKEND'],"
        " s.CELERY_BROKER_TRANSPORT_OPTIONS['global_keyprefix'])"
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
        "/bench/baseline/1.000001/ / False False False True whitenoise.storage.CompressedManifestStaticFilesStorage "
        "bench-load-celery:" in result.stdout
    )
