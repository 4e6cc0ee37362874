import pytest
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail
from accounts.services import email_deliver, email_queue

from .smtp import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_settings(settings):
    """Send through a real SMTP server; eager retries run inline as they do in `make run`."""
    from celery import current_app as app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False

    def use(sink: SmtpSink):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False

    yield use
    app.conf.task_eager_propagates = previous


def message(to="dan@example.vn"):
    msg = EmailMultiAlternatives("Thông báo", "Nội dung", "no-reply@dichvucong.local", [to])
    msg.attach_alternative("<p>Nội dung</p>", "text/html")
    return msg


def test_email_is_not_sent_when_the_transaction_rolls_back(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                email_queue(message())
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()


def test_email_is_sent_after_commit_once(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(message())
        assert mailoutbox == []  # nothing before commit
    assert len(mailoutbox) == 1
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1
    # A redelivered task finds the row sent and does nothing.
    assert email_deliver(email_id=email.pk) is False
    assert len(mailoutbox) == 1


def test_smtp_refusals_are_retried_until_delivered_once(smtp_settings, django_capture_on_commit_callbacks):
    with SmtpSink(refuse_next=2) as sink:
        smtp_settings(sink)
        with django_capture_on_commit_callbacks(execute=True):
            email = email_queue(message())
    email.refresh_from_db()
    assert sink.refused == 2
    assert len(sink.messages) == 1
    assert email.status == EmailStatus.SENT
    assert email.attempts == 3


def test_email_marked_failed_after_last_retry(smtp_settings, django_capture_on_commit_callbacks, settings):
    from accounts.tasks import send_outgoing_email

    with SmtpSink(refuse_next=100) as sink:
        smtp_settings(sink)
        send_outgoing_email.max_retries = 2
        try:
            with django_capture_on_commit_callbacks(execute=True):
                email = email_queue(message())
        finally:
            send_outgoing_email.max_retries = 10
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert email.attempts == 3
    assert "451" in email.last_error
    assert sink.messages == []


def test_requeue_command_sends_pending_rows(mailoutbox):
    from django.core.management import call_command

    email = OutgoingEmail.objects.create(to=["a@example.vn"], subject="S", body_text="B", from_email="x@example.vn")
    call_command("requeue_emails", "--stuck-minutes", "0")
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert len(mailoutbox) == 1


def test_connection_is_real_smtp(smtp_settings):
    with SmtpSink() as sink:
        smtp_settings(sink)
        assert get_connection().__class__.__name__ == "EmailBackend"


def test_refused_recipient_is_not_retried(settings, django_capture_on_commit_callbacks):
    """A 550 for the recipient will be a 550 next time too: failed at once, one attempt."""
    from .smtp import SmtpSink

    with SmtpSink() as sink:
        sink.refuse_recipient = "khong-ton-tai@example.vn"
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", sink.port, False
        with django_capture_on_commit_callbacks(execute=True):
            email = email_queue(message(to="khong-ton-tai@example.vn"))
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert email.attempts == 1
    assert "550" in email.last_error
    assert sink.messages == []


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (__import__("smtplib").SMTPRecipientsRefused({"a@x.vn": (550, b"no such user")}), False),
        (__import__("smtplib").SMTPRecipientsRefused({"a@x.vn": (452, b"mailbox full")}), True),
        (__import__("smtplib").SMTPDataError(451, b"try later"), True),
        (__import__("smtplib").SMTPSenderRefused(553, b"bad sender", "x@y"), False),
        (__import__("smtplib").SMTPServerDisconnected("gone"), True),
        (ConnectionRefusedError(), True),
    ],
)
def test_which_smtp_errors_are_transient(exc, transient):
    from accounts.services import email_error_is_transient

    assert email_error_is_transient(exc) is transient


def test_every_attempt_for_a_row_carries_the_same_message_id(smtp_settings):
    """Issue 23, item 5: a worker killed after the SMTP server accepted a message, before the row
    was marked sent, sent it again with a new Message-ID, so nothing downstream could drop the copy.
    The crash is played here by putting the row back to pending, as the lost commit leaves it."""
    with transaction.atomic():
        first = email_queue(message("an@example.vn"))
        other = email_queue(message("binh@example.vn"))
    with SmtpSink() as sink:
        smtp_settings(sink)
        assert email_deliver(email_id=first.pk)
        OutgoingEmail.objects.filter(pk=first.pk).update(status=EmailStatus.PENDING)  # the lost commit
        assert email_deliver(email_id=first.pk)
        assert email_deliver(email_id=other.pk)
    ids = [m["Message-ID"] for m in sink.messages]
    assert ids[0] == ids[1] == f"<outgoing-email.{first.pk}.{first.created_at:%Y%m%d%H%M%S%f}@dichvucong.local>"
    assert ids[2] != ids[0]
