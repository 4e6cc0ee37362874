"""The notification path through real parts: Redis broker, a Celery worker process, an SMTP server."""

import email.header

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail

from .processes import Worker, wait_for
from .smtp import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_off():
    """Let this test's process publish to the broker instead of running tasks inline."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test provides it)")
    from celery import current_app as app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True


def test_signup_activation_email_is_delivered_by_a_real_worker(client, captcha_ok, eager_off, tmp_path):
    with SmtpSink() as sink:
        worker = Worker(broker_url=settings.REDIS_URL, email_url=sink.url, log_path=tmp_path / "worker.log").start()
        try:
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
            assert wait_for(lambda: len(sink.messages) == 1), worker.output()
            assert wait_for(lambda: OutgoingEmail.objects.get().status == EmailStatus.SENT)
        finally:
            worker.stop()
    delivered = sink.messages[0]
    assert delivered["To"] == "thu.nghiem@example.vn"
    part = delivered.get_payload(0) if delivered.is_multipart() else delivered
    assert "/accounts/confirm-email/" in part.get_payload(decode=True).decode()
    assert "Kích hoạt" in str(email.header.make_header(email.header.decode_header(delivered["Subject"])))
    assert len(sink.messages) == 1  # delivered once
