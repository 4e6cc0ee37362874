"""Scale-out settings switched on by environment variables (portal/settings/base.py), each read by a
fresh Python process exactly as gunicorn or Celery would read it: cache Redis apart from the broker,
object storage, the private-file mode, and the health check."""

import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError

BASE_DIR = Path(settings.BASE_DIR)
SCRUB = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "CAPTCHA_TEST_MODE",
    "CACHE_REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "PRIVATE_FILE_SERVING",
}


def run_django(code: str, *, settings_module: str = "portal.settings.production", **env) -> subprocess.CompletedProcess:
    """Run ``code`` after django.setup() in a new process with the given environment."""
    full_env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    full_env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings_module,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "dichvucong.example.vn",
            "REDIS_URL": "redis://broker.invalid:6379/0",
            **env,
        }
    )
    script = "import json, django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120
    )


def settings_json(names: list[str], **env) -> dict:
    code = f"from django.conf import settings\nvalues = {{n: getattr(settings, n, None) for n in {names!r}}}\n"
    result = run_django(code + "print(json.dumps(values, default=str))", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Redis: the cache apart from the broker ----------------------------------------------------------


def test_without_cache_redis_url_the_cache_shares_the_broker_redis():
    values = settings_json(["CACHES", "CELERY_BROKER_URL"])
    assert values["CACHES"]["default"]["LOCATION"] == "redis://broker.invalid:6379/0"
    assert values["CELERY_BROKER_URL"] == "redis://broker.invalid:6379/0"


def test_cache_redis_url_moves_the_cache_and_leaves_the_broker():
    values = settings_json(["CACHES", "CELERY_BROKER_URL"], CACHE_REDIS_URL="redis://cache.invalid:6379/0")
    assert values["CACHES"]["default"]["LOCATION"] == "redis://cache.invalid:6379/0"
    assert values["CACHES"]["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert values["CELERY_BROKER_URL"] == "redis://broker.invalid:6379/0"


# --- Files: object storage and the private-file mode --------------------------------------------------


def test_by_default_uploads_stay_on_disk_and_django_serves_them():
    values = settings_json(["STORAGES", "PRIVATE_FILE_SERVING", "SECURE_REDIRECT_EXEMPT"])
    assert values["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert values["PRIVATE_FILE_SERVING"] == "django"
    assert values["SECURE_REDIRECT_EXEMPT"] == [r"^healthz/$"]


def test_a_bucket_name_switches_uploads_to_private_object_storage():
    result = run_django(
        """
        from django.conf import settings
        from django.core.files.storage import storages
        s = storages["default"]
        print(json.dumps({
            "class": f"{type(s).__module__}.{type(s).__name__}",
            "bucket": s.bucket_name, "endpoint": s.endpoint_url, "region": s.region_name,
            "acl": s.default_acl, "signed": s.querystring_auth, "expire": s.querystring_expire,
            "overwrite": s.file_overwrite, "signature": s.signature_version, "style": s.addressing_style,
            "location": s.location, "mode": settings.PRIVATE_FILE_SERVING,
        }))
        """,
        AWS_STORAGE_BUCKET_NAME="portal-attachments",
        AWS_S3_ENDPOINT_URL="https://s3.example.vn",
        AWS_S3_REGION_NAME="hn-1",
        AWS_ACCESS_KEY_ID="id",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_LOCATION="prod",
        PRIVATE_FILE_SERVING="s3",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "class": "storages.backends.s3.S3Storage",
        "bucket": "portal-attachments",
        "endpoint": "https://s3.example.vn",
        "region": "hn-1",
        "acl": "private",
        "signed": True,
        "expire": 60,
        "overwrite": False,
        "signature": "s3v4",
        "style": "path",
        "location": "prod",
        "mode": "s3",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PRIVATE_FILE_SERVING": "s3"}, "PRIVATE_FILE_SERVING=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"PRIVATE_FILE_SERVING": "apache"}, "PRIVATE_FILE_SERVING must be django, nginx or s3"),
    ],
)
def test_an_impossible_file_mode_stops_the_start(env, message):
    result = run_django("print('started')", **env)
    assert result.returncode != 0
    assert message in result.stderr


# --- Health check ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_says_ok_while_the_database_answers(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


class _DownConnection:
    def cursor(self):
        raise OperationalError("connection refused")


def test_healthz_says_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr("portal.views.connection", _DownConnection())
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"
