"""core.files.private_file_response in its three modes.

"django" and "nginx" run on the disk storage (MEDIA_ROOT in tmp, conftest). "s3" runs against a
real S3-compatible server: moto's server (PyPI ``moto[server]``) started as a subprocess on a free
loopback port, with the storage settings of portal/settings/base.py (private ACL, signed URLs).
The nginx side of "nginx" mode (the internal location) is proven in portal/tests/test_nginx.py.
"""

import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from core.files import private_file_response

from .smtp import free_port

PDF = b"%PDF-1.4\n" + b"private dossier attachment\n" * 200 + b"%%EOF\n"
NAME = "dossiers/HN-240101-ABC234/5b7e0c.pdf"


def fieldfile(name: str, storage=None) -> FieldFile:
    """What a model's FileField gives a view (``attachment.file``), for a name in ``storage``."""
    return FieldFile(None, FileField(storage=storage) if storage else FileField(), name)


def respond(name: str = NAME, storage=None, **kwargs):
    kwargs.setdefault("download_name", "Giấy khai sinh.pdf")
    kwargs.setdefault("content_type", "application/pdf")
    return private_file_response(fieldfile(name, storage), **kwargs)


def assert_private_headers(response) -> None:
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def on_disk():
    return default_storage.save(NAME, ContentFile(PDF))


# --- "django": the worker streams the file ---------------------------------------------------------


def test_django_mode_streams_the_file_as_an_attachment(settings, on_disk):
    settings.PRIVATE_FILE_SERVING = "django"
    response = respond(on_disk)
    assert isinstance(response, FileResponse)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(PDF))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Gi%E1%BA%A5y%20khai%20sinh.pdf"
    assert_private_headers(response)
    response.file_to_stream.close()  # not response.close(): that fires request_finished


def test_django_mode_inline_keeps_the_name(settings, on_disk):
    settings.PRIVATE_FILE_SERVING = "django"
    response = respond(on_disk, download_name="receipt.pdf", as_attachment=False)
    assert response["Content-Disposition"] == 'inline; filename="receipt.pdf"'
    response.file_to_stream.close()  # not response.close(): that fires request_finished


def test_django_mode_answers_404_for_a_file_missing_from_the_storage(settings):
    settings.PRIVATE_FILE_SERVING = "django"
    with pytest.raises(Http404):
        respond("dossiers/HN-240101-ABC234/gone.pdf")


@pytest.mark.parametrize("mode", ["django", "nginx", "s3"])
def test_an_empty_file_field_is_404_in_every_mode(settings, mode):
    settings.PRIVATE_FILE_SERVING = mode
    with pytest.raises(Http404):
        respond("")


def test_an_unknown_mode_is_a_configuration_error(settings, on_disk):
    settings.PRIVATE_FILE_SERVING = "apache"
    with pytest.raises(ImproperlyConfigured):
        respond(on_disk)


# --- "nginx": X-Accel-Redirect to the internal location ----------------------------------------------


def test_nginx_mode_hands_the_file_to_nginx_without_reading_it(settings, on_disk):
    settings.PRIVATE_FILE_SERVING = "nginx"
    response = respond(on_disk)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected_media/{NAME}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Gi%E1%BA%A5y%20khai%20sinh.pdf"
    assert_private_headers(response)


def test_nginx_mode_quotes_the_stored_name_and_follows_the_prefix_setting(settings):
    settings.PRIVATE_FILE_SERVING = "nginx"
    settings.PRIVATE_FILE_NGINX_PREFIX = "/internal-files"
    name = default_storage.save("procedure_templates/Tờ khai #2 ?.pdf", ContentFile(PDF))
    response = respond(name)
    assert response["X-Accel-Redirect"] == "/internal-files/procedure_templates/T%E1%BB%9D%20khai%20%232%20%3F.pdf"


def test_nginx_mode_refuses_a_name_outside_media_root(settings):
    settings.PRIVATE_FILE_SERVING = "nginx"
    with pytest.raises(SuspiciousFileOperation):
        respond("../../etc/passwd")


def test_nginx_mode_needs_files_on_disk(settings, s3):
    settings.PRIVATE_FILE_SERVING = "nginx"
    with pytest.raises(ImproperlyConfigured, match="PRIVATE_FILE_SERVING=s3"):
        respond(s3.name)


def test_s3_mode_needs_object_storage(settings, on_disk):
    settings.PRIVATE_FILE_SERVING = "s3"
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        respond(on_disk)


# --- "s3": a short presigned URL of a private object ---------------------------------------------------


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory):
    """moto's S3-compatible server in a subprocess on a free loopback port."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install -r requirements.txt)")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"moto did not start:\n{log.read_text()}"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class S3:
    def __init__(self, endpoint: str, bucket: str, name: str, client):
        self.endpoint, self.bucket, self.name, self.client = endpoint, bucket, name, client


@pytest.fixture
def s3(settings, moto_server):
    """Uploads switched to object storage the way AWS_STORAGE_BUCKET_NAME switches them, and one file saved."""
    import boto3

    bucket = f"portal-test-{secrets.token_hex(4)}"
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = moto_server
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_ACCESS_KEY_ID = "test-key-id"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    client = boto3.client(
        "s3",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="test-key-id",
        aws_secret_access_key="test-secret",
    )
    client.create_bucket(Bucket=bucket)
    name = default_storage.save(NAME, ContentFile(PDF))  # through django-storages, with base.py's options
    return S3(moto_server, bucket, name, client)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our loopback server
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {}, b""


def test_uploads_land_in_a_private_bucket(s3):
    assert s3.name == NAME  # no prefix, no rename
    grants = s3.client.get_object_acl(Bucket=s3.bucket, Key=NAME)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)  # the owner, nobody else
    assert _get(f"{s3.endpoint}/{s3.bucket}/{NAME}")[0] == 403  # no anonymous read
    # Control: the same server does serve an object someone made public, so the 403 above is the ACL's.
    s3.client.put_object(Bucket=s3.bucket, Key="public.txt", Body=b"x", ACL="public-read")
    assert _get(f"{s3.endpoint}/{s3.bucket}/public.txt")[0] == 200


def test_a_second_upload_with_the_same_name_never_overwrites(s3):
    again = default_storage.save(NAME, ContentFile(b"%PDF-1.4 other\n%%EOF\n"))
    assert again != NAME
    assert s3.client.get_object(Bucket=s3.bucket, Key=NAME)["Body"].read() == PDF


def test_s3_mode_redirects_to_a_short_presigned_url(settings, s3):
    settings.PRIVATE_FILE_SERVING = "s3"
    response = respond(s3.name)
    assert response.status_code == 302
    assert_private_headers(response)
    assert response["Referrer-Policy"] == "no-referrer"
    url = response["Location"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint
    assert parts.path == f"/{s3.bucket}/{NAME}"
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["60"]  # AWS_QUERYSTRING_EXPIRE
    assert "X-Amz-Signature" in query
    status, headers, body = _get(url)
    assert status == 200
    assert body == PDF
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == "attachment; filename*=utf-8''Gi%E1%BA%A5y%20khai%20sinh.pdf"
    assert headers["cache-control"] == "private, no-store"


def test_s3_mode_link_expiry_follows_the_setting(settings, s3):
    settings.PRIVATE_FILE_SERVING = "s3"
    settings.AWS_QUERYSTRING_EXPIRE = 15
    query = parse_qs(urlsplit(respond(s3.name)["Location"]).query)
    assert query["X-Amz-Expires"] == ["15"]


def test_django_mode_also_streams_from_object_storage(settings, s3):
    settings.PRIVATE_FILE_SERVING = "django"
    response = respond(s3.name)
    assert b"".join(response.streaming_content) == PDF
    response.file_to_stream.close()  # not response.close(): that fires request_finished
    with pytest.raises(Http404):
        respond("dossiers/HN-240101-ABC234/gone.pdf")
