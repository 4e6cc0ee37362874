"""Periodic work of the back office (Celery beat, schedule in settings)."""

import logging

from celery import shared_task
from django.utils.translation import gettext

from . import digests

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_officer_digests() -> int:
    """Every morning: each officer's due-soon and overdue dossiers, one email per officer and day.

    Triggered by beat (``dossier-officer-digest``). Running it twice the same day is harmless:
    an ``OfficerDigest`` row per officer and day is written with the email in one transaction and
    checked first; the email itself goes through the outbox (delivered once, retried).
    """
    count = digests.send_officer_digests()
    logger.info("Officer digests queued: %s", count)
    return count


@shared_task(acks_late=True)
def reconcile_payments() -> dict:
    """Every 5 minutes (beat ``payments-reconcile``): ask the gateway about payments still pending
    N minutes after they began (the notification is late, lost, or the worker was down when it
    came), mark overdue the requests past their date, and send the refund requests that were saved
    but never sent (the broker was away). Running it twice is harmless: each move locks the
    payment row and a payment already moved is left as it is.
    """
    from .payments.services import payments_reconcile

    counts = payments_reconcile()
    logger.info("Payments reconciled: %s", counts)
    return counts


REFUND_RETRIES = 6  # over about half an hour: 1, 2, 4, 8, 9, 9 minutes


def _refund_with_retries(task, send, problem, what: str) -> str:
    """``send()`` the refund request; a silent gateway is asked again with a growing delay, and
    after the last try ``problem(error=…)`` closes the request with the reason, visible to staff."""
    from .payments import providers

    try:
        return send()
    except providers.GatewayUnavailable as exc:
        if task.request.retries >= task.max_retries:
            problem(
                error=gettext("The payment gateway did not answer the refund request after %(tries)s tries; ask again.")
                % {"tries": task.request.retries + 1}
            )
            logger.error("Giving up on the refund of %s", what)
            return "unanswered"
        # Under the broker's visibility timeout (600 s), so a waiting retry is never handed to a
        # second worker as well.
        raise task.retry(exc=exc, countdown=min(60 * 2**task.request.retries, 540)) from exc


@shared_task(bind=True, max_retries=REFUND_RETRIES, acks_late=True)
def request_refund(self, payment_id: int, created_by: str) -> str:
    """Ask the payment gateway for a refund an officer recorded (enqueued after that commit).

    Running it twice is harmless: a payment already refunded, or whose request was closed, is
    skipped, and the gateway refuses a second refund above the amount paid. A silent gateway is
    asked again with a growing delay; after the last try the request is closed with the reason,
    visible to staff, who may ask again.
    """
    from .payments import services

    return _refund_with_retries(
        self,
        lambda: services.refund_send(payment_id=payment_id, created_by=created_by),
        lambda **kwargs: services.refund_problem(payment_id=payment_id, **kwargs),
        f"payment {payment_id}",
    )


@shared_task(bind=True, max_retries=REFUND_RETRIES, acks_late=True)
def request_duplicate_refund(self, duplicate_id: int, created_by: str) -> str:
    """Ask the payment gateway to refund a duplicate payment (enqueued after the commit that
    recorded it, or after an officer asked again). Retried like ``request_refund``; running it
    twice is harmless (``services.duplicate_refund_send``)."""
    from .payments import services

    return _refund_with_retries(
        self,
        lambda: services.duplicate_refund_send(duplicate_id=duplicate_id, created_by=created_by),
        lambda **kwargs: services.duplicate_refund_problem(duplicate_id=duplicate_id, **kwargs),
        f"duplicate payment {duplicate_id}",
    )
