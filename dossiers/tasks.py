"""Periodic work of the back office (Celery beat, schedule in settings)."""

import logging

from celery import shared_task

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
    came), and mark overdue the requests past their date. Running it twice is harmless: each move
    locks the payment row and a payment already moved is left as it is.
    """
    from .payments.services import payments_reconcile

    counts = payments_reconcile()
    logger.info("Payments reconciled: %s", counts)
    return counts
