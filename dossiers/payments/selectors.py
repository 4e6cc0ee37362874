"""Reads for payments, always from the dossier scopes of ``dossiers.selectors``."""

from django.db.models import Prefetch, QuerySet

from accounts.models import User

from .. import selectors as dossier_selectors
from ..models import Dossier
from .constants import PaymentStatus
from .models import DuplicatePayment, Payment, PaymentEvent


def dossiers_with_payment(user: User, *, own_only: bool = True) -> QuerySet[Dossier]:
    """The user's dossiers that have a payment request, with the payment, its history, its
    duplicate payments and the agency's account (the payment page reads nothing else)."""
    scope = dossier_selectors.dossiers_owned_by(user) if own_only else dossier_selectors.dossier_visible_to(user)
    return (
        scope.filter(payment__isnull=False)
        .select_related("payment", "agency__payment_account", "procedure")
        .prefetch_related(
            Prefetch("payment__events", queryset=PaymentEvent.objects.order_by("created_at", "pk")),
            Prefetch("payment__duplicates", queryset=DuplicatePayment.objects.order_by("received_at", "pk")),
        )
    )


def receipts_public() -> QuerySet[Payment]:
    """Payments with a receipt, for the public check (by the unguessable reference)."""
    return Payment.objects.filter(status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED)).select_related(
        "dossier__agency"
    )
