"""The payment state machine: one table of moves, one function that makes every move.

``transition`` locks the payment row, drops a message already recorded (its ``dedupe_key``: a
notification delivered twice, a statement line imported twice), refuses a move the table does
not allow, and writes the status and the history row in one transaction. ``pay`` is the only way
to "paid", and its callers hold proof: a verified gateway notification, a signed status answer
or a bank statement line. A payment already paid cannot be paid again (paid is no source of pay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .constants import UNPAID_STATUSES, EventSource, PaymentStatus
from .models import Payment, PaymentEvent


class PaymentError(Exception):
    """A move the payment state machine refuses, with a message for people."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str
    refusal: Promise


MOVES: dict[str, Move] = {
    "pay": Move(frozenset(UNPAID_STATUSES), PaymentStatus.PAID, _("This payment is already settled.")),
    "fail": Move(frozenset({PaymentStatus.PENDING}), PaymentStatus.FAILED, _("This payment is not pending.")),
    "retry": Move(frozenset({PaymentStatus.FAILED}), PaymentStatus.PENDING, _("This payment cannot be tried again.")),
    "expire": Move(
        frozenset({PaymentStatus.PENDING, PaymentStatus.FAILED}), PaymentStatus.EXPIRED, _("This payment is not due.")
    ),
    "refund": Move(frozenset({PaymentStatus.PAID}), PaymentStatus.REFUNDED, _("Only a paid fee can be refunded.")),
    "waive": Move(frozenset(UNPAID_STATUSES), PaymentStatus.WAIVED, _("Only an unpaid fee can be waived.")),
    "renew": Move(
        frozenset({PaymentStatus.EXPIRED}),
        PaymentStatus.PENDING,
        _("Only a payment request past its date can be renewed."),
    ),
}


def lock(payment_id: int) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("dossier__owner", "dossier__agency", "dossier__procedure")
        .get(pk=payment_id)
    )


def record(
    payment: Payment,
    *,
    source: str,
    note: str = "",
    data: dict | None = None,
    actor: User | None = None,
    dedupe_key: str = "",
    from_status: str = "",
    to_status: str = "",
) -> PaymentEvent:
    """A history row that changes no status (a refused notification, an amount changed…).
    A message already recorded under ``dedupe_key`` is not recorded again (the caller holds the lock)."""
    if dedupe_key:
        existing = payment.events.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    return PaymentEvent.objects.create(
        payment=payment,
        source=source,
        actor=actor,
        note=str(note),
        data=data or {},
        dedupe_key=dedupe_key,
        from_status=from_status,
        to_status=to_status,
    )


@transaction.atomic
def transition(
    name: str,
    *,
    payment_id: int,
    source: str,
    actor: User | None = None,
    note: str = "",
    data: dict | None = None,
    dedupe_key: str = "",
    apply: Callable[[Payment], None] | None = None,
) -> tuple[Payment, bool]:
    """Make one move; returns the payment and whether it moved (False: the same message again)."""
    move = MOVES[name]
    locked = lock(payment_id)
    if dedupe_key and locked.events.filter(dedupe_key=dedupe_key).exists():
        return locked, False
    if locked.status not in move.sources:
        raise PaymentError(move.refusal)
    from_status = locked.status
    if apply is not None:
        apply(locked)
    locked.status = move.target
    locked.save()
    record(
        locked,
        source=source,
        actor=actor,
        note=note,
        data=data,
        dedupe_key=dedupe_key,
        from_status=from_status,
        to_status=move.target,
    )
    return locked, True


def pay(
    *,
    payment_id: int,
    amount: int,
    source: str,
    transaction_no: str = "",
    data: dict | None = None,
    dedupe_key: str = "",
    note: str = "",
    order_ref: str = "",
) -> tuple[Payment, bool]:
    """Unpaid → paid, on proof only: the caller has verified the signature or the bank line and
    that ``amount`` is the amount due. Gives the receipt its number and queues the email.
    ``order_ref``: the gateway order paid, kept for a refund."""
    from . import services  # the receipt number and the email live with the other writes

    def apply(locked: Payment) -> None:
        locked.paid_amount = amount
        locked.paid_at = timezone.now()
        locked.provider_transaction = transaction_no[:64]
        if order_ref:
            locked.paid_order_ref, locked.paid_order_at = order_ref[:40], locked.order_created_at(order_ref)
        locked.receipt_number = services.receipt_number(locked)

    payment, moved = transition(
        "pay", payment_id=payment_id, source=source, data=data, dedupe_key=dedupe_key, note=note, apply=apply
    )
    if moved:
        services.notify_paid(payment)
    return payment, moved


__all__ = ["MOVES", "EventSource", "PaymentError", "pay", "record", "transition"]
