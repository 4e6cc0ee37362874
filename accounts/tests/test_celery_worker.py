"""The notification path through real parts: Redis broker, a Celery worker process, an SMTP server."""

import email.header
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail

from .smtp import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def real_worker(tmp_path):
    if not settings.IS_POSTGRES or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (make test provides both)")
    from portal.celery import app

    with SmtpSink() as sink:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": database_url(),  # the test database this test writes to
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_URL": sink.url,
        }
        log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                "test@%h",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        app.conf.task_always_eager = False
        try:
            yield sink
        finally:
            app.conf.task_always_eager = True
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
            print((tmp_path / "worker.log").read_text()[-3000:])


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_signup_activation_email_is_delivered_by_a_real_worker(client, captcha_ok, real_worker):
    sink = real_worker
    response = client.post(
        reverse("account_signup") + "?type=organisation",
        {
            "account_type": "organisation",
            "organisation_name": "Công ty TNHH Thử Nghiệm",
            "tax_code": "0109999999",
            "legal_representative": "Đỗ Văn Hùng",
            "phone": "0241234567",
            "address": "1 Phố Huế, Hà Nội",
            "email": "thu.nghiem@example.vn",
            "password1": "Mot-mat-khau-rat-manh-91",
            "password2": "Mot-mat-khau-rat-manh-91",
            **captcha_ok,
        },
    )
    assert response.status_code == 302
    assert wait_for(lambda: len(sink.messages) == 1), "the worker did not deliver the activation email"
    delivered = sink.messages[0]
    assert delivered["To"] == "thu.nghiem@example.vn"
    part = delivered.get_payload(0) if delivered.is_multipart() else delivered
    body = part.get_payload(decode=True).decode()
    assert "/accounts/confirm-email/" in body
    assert "Kích hoạt" in str(email.header.make_header(email.header.decode_header(delivered["Subject"])))
    assert wait_for(lambda: OutgoingEmail.objects.get().status == EmailStatus.SENT)
    time.sleep(1)
    assert len(sink.messages) == 1  # delivered once
