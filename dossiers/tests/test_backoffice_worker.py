"""The back office's notifications through real parts: a Celery worker process, Redis, an SMTP server.

* SMTP refuses the first attempts: the task retries with backoff and the citizen gets one email.
* The broker is down when the officer acts: the transition commits, the email waits in the outbox,
  and arrives once the broker is back and the beat sweeper has run.
"""

import email.header

import pytest
from django.conf import settings
from django.db import transaction

from accounts.constants import EmailStatus
from accounts.models import OutgoingEmail
from accounts.tests.processes import RedisServer, Worker, wait_for
from accounts.tests.smtp import SmtpSink
from dossiers import workflow
from dossiers.constants import DossierStatus
from dossiers.tests.factories import DossierFactory, officer, procedure_with_form

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _reset_broker_connections(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def publish_to():
    """Make this test process publish tasks to a broker (instead of running them inline)."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis (make test provides it)")
    from celery import current_app as app

    previous = app.conf.broker_url

    def switch(url: str):
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        _reset_broker_connections(app)
        return app

    yield switch
    app.conf.broker_url = previous
    app.conf.task_always_eager = True
    _reset_broker_connections(app)


def subject(message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _dossier_and_officer():
    procedure = procedure_with_form()
    dossier = DossierFactory(procedure=procedure, sent=True)
    return dossier, officer(procedure.agency, "leader")


def test_smtp_refusing_at_first_still_delivers_one_email(publish_to, tmp_path):
    publish_to(settings.REDIS_URL)
    dossier, user = _dossier_and_officer()
    with SmtpSink(refuse_next=2) as sink:
        worker = Worker(broker_url=settings.REDIS_URL, email_url=sink.url, log_path=tmp_path / "w.log").start()
        try:
            with transaction.atomic():
                workflow.dossier_receive(dossier=dossier, user=user, note="Hồ sơ hợp lệ.")
            assert wait_for(lambda: len(sink.messages) == 1, timeout=90), worker.output()
            assert wait_for(lambda: OutgoingEmail.objects.get().status == EmailStatus.SENT)
            wait_for(lambda: len(sink.messages) > 1, timeout=3)  # give a duplicate the chance to show up
        finally:
            worker.stop()
    assert len(sink.messages) == 1
    assert sink.refused == 2
    assert OutgoingEmail.objects.get().attempts == 3
    delivered = sink.messages[0]
    assert delivered["To"] == dossier.owner.email
    assert subject(delivered) == f"Hồ sơ {dossier.code} đã được tiếp nhận"


def test_broker_down_during_a_transition_the_email_arrives_after_it_returns(publish_to, tmp_path):
    from accounts.tasks import requeue_pending_emails

    dossier, user = _dossier_and_officer()
    with RedisServer() as broker, SmtpSink() as sink:
        publish_to(broker.url)
        worker = Worker(broker_url=broker.url, email_url=sink.url, log_path=tmp_path / "w.log").start()
        try:
            broker.stop()
            with transaction.atomic():  # the officer's action succeeds although Redis is gone
                workflow.dossier_receive(dossier=dossier, user=user)
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.RECEIVED
            assert OutgoingEmail.objects.get().status == EmailStatus.PENDING
            broker.start()  # same port
            requeue_pending_emails.delay(0)  # what the beat schedule does every 2 minutes
            assert wait_for(lambda: len(sink.messages) == 1, timeout=90), worker.output()
            wait_for(lambda: len(sink.messages) > 1, timeout=3)
        finally:
            worker.stop()
    assert len(sink.messages) == 1
    assert subject(sink.messages[0]) == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT
