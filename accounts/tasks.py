import logging

from celery import shared_task
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=10, acks_late=True)
def send_outgoing_email(self, email_id: int) -> bool:
    """Deliver one outbox email (enqueued after commit by ``services.email_queue``).

    Running it twice is harmless: the row is locked and skipped once sent. SMTP and network
    errors are retried with exponential backoff (30 s, 60 s, 120 s … capped at 30 min); after the
    last retry the row is marked failed for an operator to see in admin.
    """
    try:
        return services.email_deliver(email_id=email_id)
    except services.TRANSIENT_EMAIL_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.email_mark_failed(email_id=email_id, error=repr(exc))
            logger.error("Giving up on outgoing email %s: %r", email_id, exc)
            return False
        countdown = min(settings.EMAIL_RETRY_BASE_SECONDS * 2**self.request.retries, 1800)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def requeue_pending_emails(older_than_seconds: int = 300) -> int:
    """Re-enqueue outbox rows that stayed pending (the broker was down when they were queued).

    Triggered by ``manage.py requeue_emails`` (cron or beat). Harmless twice: delivery skips
    rows already sent.
    """
    from datetime import timedelta

    from django.utils import timezone

    from .constants import EmailStatus
    from .models import OutgoingEmail

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutgoingEmail.objects.filter(status=EmailStatus.PENDING, created_at__lte=cutoff).values_list("pk", flat=True)
    )
    for pk in ids:
        send_outgoing_email.delay(pk)
    return len(ids)
