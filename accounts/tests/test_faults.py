"""Faults on the notification path, each with its own Redis / worker / SMTP processes.

What must hold: nothing saved is lost, every email arrives, and arrives once.
"""

import pytest
from django.core.mail import EmailMessage
from django.db import transaction

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail
from accounts.services import email_message_id, email_queue

from .processes import RedisServer, Worker, wait_for
from .smtp import SmtpSink

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    """A private Redis the test may stop, with this process publishing to it."""
    from celery import current_app as app

    with RedisServer() as redis:
        previous = app.conf.broker_url
        app.conf.task_always_eager = False
        app.conf.broker_url = redis.url
        _reset_broker_connections(app)
        yield redis
        app.conf.broker_url = previous
        app.conf.task_always_eager = True
        _reset_broker_connections(app)


def _reset_broker_connections(app) -> None:
    """Forget pooled connections so the next publish connects to the current broker_url."""
    app._pool = None
    app.amqp._producer_pool = None


# Look for orphaned (unacknowledged) messages every second instead of every minute.
FAST_RESTORE = {"CELERY_UNACKED_RESTORE_INTERVAL": 1, "CELERY_UNACKED_RESTORE_THROTTLE": 1}


def queue(n: int, prefix: str) -> list[int]:
    ids = []
    for i in range(n):
        with transaction.atomic():
            ids.append(
                email_queue(
                    EmailMessage(f"{prefix} {i}", "Nội dung", "no-reply@example.vn", [f"{prefix}{i}@example.vn"])
                ).pk
            )
    return ids


def subjects(sink: SmtpSink) -> list[str]:
    return sorted(m["Subject"] for m in sink.messages)


def report(name: str, **figures) -> None:
    print(f"\n[fault] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def test_smtp_refusing_for_a_while_is_retried_and_delivered_once(broker, tmp_path):
    with SmtpSink(refuse_next=4) as sink:
        worker = Worker(broker_url=broker.url, email_url=sink.url, log_path=tmp_path / "w.log").start()
        try:
            ids = queue(3, "retry")
            assert wait_for(lambda: len(sink.messages) == 3, timeout=90), worker.output()
            assert wait_for(lambda: OutgoingEmail.objects.filter(pk__in=ids, status=EmailStatus.SENT).count() == 3)
        finally:
            worker.stop()
    assert subjects(sink) == ["retry 0", "retry 1", "retry 2"]
    attempts = sum(OutgoingEmail.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    assert attempts == 3 + sink.refused
    report("smtp refusing", saved=len(ids), refused=sink.refused, delivered=len(sink.messages), attempts=attempts)


def test_worker_killed_mid_send_redelivers_and_email_arrives_once(broker, tmp_path):
    with SmtpSink(stall_next_rcpt=1, stall_seconds=60) as sink:
        log = tmp_path / "w.log"
        first = Worker(
            broker_url=broker.url, email_url=sink.url, log_path=log, CELERY_VISIBILITY_TIMEOUT=3, **FAST_RESTORE
        ).start()
        (email_id,) = queue(1, "killed")
        assert sink.stalled.wait(60), first.output()  # the worker is in the middle of the SMTP conversation
        first.kill()
        second = Worker(
            broker_url=broker.url, email_url=sink.url, log_path=log, CELERY_VISIBILITY_TIMEOUT=3, **FAST_RESTORE
        ).start()
        try:
            assert wait_for(lambda: len(sink.messages) == 1, timeout=90), second.output()
            assert wait_for(lambda: OutgoingEmail.objects.get(pk=email_id).status == EmailStatus.SENT)
            wait_for(lambda: len(sink.messages) > 1, timeout=5)  # give a duplicate the chance to show up
        finally:
            second.stop()
    assert subjects(sink) == ["killed 0"]
    report("worker SIGKILL", saved=1, delivered=len(sink.messages))


def test_worker_killed_after_the_server_kept_the_message_sends_a_copy_with_the_same_message_id(broker, tmp_path):
    """The window that remains (issue 23, item 5): the SMTP server has the message, the worker
    dies before it reads the answer and marks the row sent. The redelivered task sends it again,
    under the row's Message-ID, so a mail system downstream can drop the copy."""
    with SmtpSink(stall_next_data=1, stall_seconds=60) as sink:
        log = tmp_path / "w.log"
        first = Worker(
            broker_url=broker.url, email_url=sink.url, log_path=log, CELERY_VISIBILITY_TIMEOUT=3, **FAST_RESTORE
        ).start()
        (email_id,) = queue(1, "after-data")
        assert sink.accepted.wait(60), first.output()  # the server holds the message, the worker waits
        first.kill()
        second = Worker(
            broker_url=broker.url, email_url=sink.url, log_path=log, CELERY_VISIBILITY_TIMEOUT=3, **FAST_RESTORE
        ).start()
        try:
            assert wait_for(lambda: OutgoingEmail.objects.get(pk=email_id).status == EmailStatus.SENT, 90), (
                second.output()
            )
        finally:
            second.stop()
    assert subjects(sink) == ["after-data 0", "after-data 0"]
    first_id, second_id = (m["Message-ID"] for m in sink.messages)
    assert first_id == second_id == email_message_id(OutgoingEmail.objects.get(pk=email_id))
    report("worker SIGKILL after DATA", saved=1, delivered=len(sink.messages), distinct_message_ids=1)


def test_redis_stopped_while_sending_saves_everything_and_delivers_after_it_returns(broker, tmp_path):
    from accounts.tasks import requeue_pending_emails

    with SmtpSink() as sink:
        worker = Worker(broker_url=broker.url, email_url=sink.url, log_path=tmp_path / "w.log").start()
        try:
            before = queue(2, "before")
            assert wait_for(lambda: len(sink.messages) == 2, timeout=60), worker.output()
            broker.stop()
            during = queue(3, "during")  # the broker is gone: saved, not lost, not an error
            assert OutgoingEmail.objects.filter(pk__in=during, status=EmailStatus.PENDING).count() == 3
            broker.start()  # same port
            requeue_pending_emails.delay(0)  # what the beat schedule does every 2 minutes
            assert wait_for(lambda: len(sink.messages) == 5, timeout=90), worker.output()
            wait_for(lambda: len(sink.messages) > 5, timeout=3)
        finally:
            worker.stop()
    assert subjects(sink) == ["before 0", "before 1", "during 0", "during 1", "during 2"]
    assert OutgoingEmail.objects.filter(pk__in=before + during, status=EmailStatus.SENT).count() == 5
    report("redis stopped", saved=5, pending_during_outage=3, delivered=len(sink.messages))
