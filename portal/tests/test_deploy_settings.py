"""Scale-out settings switched on by environment variables (portal/settings/base.py), each read by a
fresh Python process exactly as gunicorn or Celery would read it: cache Redis apart from the broker,
object storage, the private-file mode, the read replica and its router, and the health check."""

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

from accounts.tests import processes

BASE_DIR = Path(settings.BASE_DIR)
SCRUB = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "CAPTCHA_TEST_MODE",
    "CACHE_REDIS_URL",
    "DATABASE_REPLICA_URL",
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
            "REDIS_URL": "redis://127.0.0.1:6379/9",
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
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/9"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/9"


def test_cache_redis_url_moves_the_cache_and_leaves_the_broker():
    values = settings_json(["CACHES", "CELERY_BROKER_URL"], CACHE_REDIS_URL="redis://127.0.0.1:6380/0")
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6380/0"
    assert values["CACHES"]["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/9"


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


# --- Read replica: explicit opt-in, writes on the primary ---------------------------------------------

REPLICA_SCRIPT = """
from accounts.models import OutgoingEmail as Row
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from accounts.db import on_replica, replica_alias

out = {"alias": replica_alias(), "routers": [type(r).__name__ for r in router.routers]}
created = Row.objects.create(to=["replica@test.invalid"], subject="before", body_text="-", from_email="-")
try:
    replica_capture = CaptureQueriesContext(connections["replica"])
    primary_capture = CaptureQueriesContext(connections["default"])
    with replica_capture as on_rep, primary_capture as on_pri:
        row = on_replica(Row.objects.filter(pk=created.pk)).get()
        plain = Row.objects.get(pk=created.pk)
    out.update(read_on=row._state.db, plain_on=plain._state.db)
    out.update(replica_queries=len(on_rep), primary_queries=len(on_pri))
    row.subject = "after"
    row.save()  # read from the replica, written to the primary (the replica refuses writes)
    out["saved"] = Row.objects.get(pk=created.pk).subject
    with transaction.atomic():
        out["alias_in_transaction"] = replica_alias()
    try:
        Row.objects.using("replica").filter(pk=created.pk).update(subject="direct")
        out["direct_replica_write"] = "accepted"
    except Exception as exc:
        out["direct_replica_write"] = type(exc).__name__
    out["migrate_replica"] = router.allow_migrate("replica", "accounts")
    out["migrate_default"] = router.allow_migrate("default", "accounts")
    out["relation"] = router.allow_relation(row, plain)
finally:
    Row.objects.filter(pk=created.pk).delete()
print(json.dumps(out))
"""


@pytest.mark.django_db
def test_reads_opt_in_to_the_replica_and_every_write_goes_to_the_primary():
    primary = processes.test_database_url()
    # The replica: the same database through a session that refuses writes, as a hot standby does.
    replica = primary + "?options=-c%20default_transaction_read_only%3Don"
    result = run_django(
        REPLICA_SCRIPT, settings_module="portal.settings.test", DATABASE_URL=primary, DATABASE_REPLICA_URL=replica
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["alias"] == "replica"
    assert out["routers"] == ["PrimaryReplicaRouter"]
    assert (out["read_on"], out["plain_on"]) == ("replica", "default")  # opt-in only
    assert (out["replica_queries"], out["primary_queries"]) == (1, 1)
    assert out["saved"] == "after"
    assert out["alias_in_transaction"] == "default"  # read-after-write inside a transaction
    assert out["direct_replica_write"] in {"InternalError", "ProgrammingError", "OperationalError"}
    assert (out["migrate_replica"], out["migrate_default"]) == (False, True)
    assert out["relation"] is True


@pytest.mark.django_db
def test_an_unreachable_replica_sends_reads_to_the_primary_for_a_while():
    result = run_django(
        """
        import time
        from accounts.db import replica_alias
        started = time.monotonic()
        first = replica_alias()
        first_s = time.monotonic() - started
        started = time.monotonic()
        second = replica_alias()
        second_s = time.monotonic() - started
        print(json.dumps({"first": first, "second": second, "second_s": second_s}))
        """,
        settings_module="portal.settings.test",
        DATABASE_URL=processes.test_database_url(),
        DATABASE_REPLICA_URL=f"postgres://postgres@127.0.0.1:{processes.free_port()}/nowhere?connect_timeout=2",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert (out["first"], out["second"]) == ("default", "default")
    assert out["second_s"] < 0.05  # not tried again within READ_REPLICA_RETRY_SECONDS
    assert "Read replica unavailable" in result.stderr


def test_without_a_replica_nothing_changes():
    result = run_django(
        """
        from django.conf import settings
        from django.db import router
        from accounts.db import replica_alias
        aliases = sorted(settings.DATABASES)
        print(json.dumps({"aliases": aliases, "routers": len(router.routers), "alias": replica_alias()}))
        """,
        settings_module="portal.settings.test",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "aliases": ["default"],
        "routers": 0,
        "alias": "default",
    }


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
