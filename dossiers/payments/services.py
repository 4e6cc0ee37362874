"""Writes for fee payments. Only ``workflow.pay`` marks a payment paid, and only these callers
reach it: a gateway notification whose signature verifies, a signed status answer, a bank
statement line with the reference and the exact amount. The return address the citizen's browser
comes back to shows the state and changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import vnpay
from core.money import vnd
from procedures.constants import ServiceLevel

from .. import deadlines
from ..constants import CODE_ALPHABET, PERM_RECEIVE
from ..models import Dossier
from ..permissions import has_agency_permission
from . import providers, workflow
from .constants import (
    REFERENCE_PREFIX,
    REFERENCE_RANDOM_LENGTH,
    REFUND_DOSSIER_STATUSES,
    EventSource,
    PaymentStatus,
    StatementMatch,
)
from .models import AgencyPaymentAccount, BankStatementLine, DuplicatePayment, Payment, RefundOrder
from .workflow import PaymentError

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 99  # the gateway order is the reference plus two digits
REFERENCE_PATTERN = re.compile(rf"{REFERENCE_PREFIX}[{CODE_ALPHABET}]{{{REFERENCE_RANDOM_LENGTH}}}")


def new_reference() -> str:
    """DVC + 10 random characters of the dossier-code alphabet: easy to type into a bank app,
    31**10 possibilities, so no one finds another's payment by guessing."""
    return REFERENCE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(REFERENCE_RANDOM_LENGTH))


def provider_code_for(dossier: Dossier) -> str:
    account = AgencyPaymentAccount.objects.filter(agency_id=dossier.agency_id).first()
    return account.provider if account else settings.PAYMENT_DEFAULT_PROVIDER


def is_pay_first(dossier: Dossier) -> bool:
    """Toàn trình procedures are settled online: their fee is paid when sending, before processing."""
    return dossier.procedure.service_level == ServiceLevel.FULL_ONLINE


def payment_request_create(*, dossier: Dossier, actor: User | None = None) -> Payment | None:
    """The dossier's fee request with the catalogue's amount, if the procedure has a fee and the
    dossier has none yet (called inside the send or receive transition's transaction)."""
    fee = dossier.procedure.fee_amount
    if not fee or Payment.objects.filter(dossier=dossier).exists():
        return None
    payment = Payment(
        dossier=dossier,
        reference=new_reference(),
        purpose=gettext("Fee for dossier %(code)s: %(procedure)s")
        % {"code": dossier.code, "procedure": dossier.procedure.name},
        amount=fee,
        procedure_amount=fee,
        due_date=deadlines.today() + datetime.timedelta(days=settings.PAYMENT_DUE_DAYS),
        pay_first=is_pay_first(dossier),
        provider=provider_code_for(dossier),
    )
    payment.purpose = payment.purpose[:255]
    payment.full_clean(exclude=["dossier"])
    payment.save()
    workflow.record(
        payment,
        source=EventSource.OFFICER if actor else EventSource.SYSTEM,
        actor=actor,
        to_status=payment.status,
        note=gettext("Payment requested: %(amount)s VND.") % {"amount": f"{payment.amount:,}".replace(",", ".")},
    )
    return payment


def _officer_check(user: User, payment: Payment) -> None:
    if not has_agency_permission(user, payment.dossier.agency_id, PERM_RECEIVE):
        raise PaymentError(_("Your role in the receiving agency does not allow this action."))


@transaction.atomic
def payment_adjust(*, payment: Payment, user: User, amount: int, reason: str) -> Payment:
    """The receiving officer changes the amount of an unpaid request, always with a reason."""
    locked = workflow.lock(payment.pk)
    _officer_check(user, locked)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the reason the amount changes."))
    if not locked.is_unpaid:
        raise PaymentError(_("The amount of a settled payment cannot change."))
    if amount is None or amount <= 0:
        raise PaymentError(_("The amount must be a positive number of đồng; to waive the fee, use “Waive”."))
    if (until := locked.open_order_until) is not None:
        # The gateway would take the old amount, which could then pay nothing: money taken for no fee.
        raise PaymentError(
            _(
                "The citizen may still complete a payment of the old amount at the gateway until %(time)s; "
                "change it after that."
            )
            % {"time": timezone.localtime(until).strftime("%H:%M")}
        )
    workflow.record(
        locked,
        source=EventSource.OFFICER,
        actor=user,
        note=reason,
        data={"from_amount": locked.amount, "to_amount": amount},
    )
    locked.amount, locked.amount_reason = amount, reason
    locked.save()
    return locked


def payment_waive(*, payment: Payment, user: User, reason: str) -> Payment:
    """The fee is waived for an exempt applicant, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(_("Give the reason the fee is waived."))

    def apply(locked: Payment) -> None:
        _officer_check(user, locked)
        locked.amount_reason = reason

    return workflow.transition(
        "waive", payment_id=payment.pk, source=EventSource.OFFICER, actor=user, note=reason, apply=apply
    )[0]


def payment_renew(*, payment: Payment, user: User) -> Payment:
    """A payment request past its date, asked again (by the applicant or the receiving officer):
    the same request with a new date to pay by, the amount unchanged.

    Renewed in place rather than replaced by a second request, on purpose: the dossier keeps one
    request, which can be paid once, so a late transfer or gateway confirmation of the old date
    still pays it (money received is never ignored) and can never pay the dossier twice. The old
    date and the renewal stay in the request's history."""

    def apply(locked: Payment) -> None:
        if locked.dossier.owner_id != user.pk:
            _officer_check(user, locked)
        if locked.dossier.status in REFUND_DOSSIER_STATUSES:
            raise PaymentError(_("This dossier is closed: its fee can no longer be paid."))
        locked.due_date = deadlines.today() + datetime.timedelta(days=settings.PAYMENT_DUE_DAYS)

    previous = Payment.objects.filter(pk=payment.pk).values_list("due_date", flat=True).first()
    return workflow.transition(
        "renew",
        payment_id=payment.pk,
        source=EventSource.CITIZEN if payment.dossier.owner_id == user.pk else EventSource.OFFICER,
        actor=user,
        note=gettext("New payment request; the previous one was due on %(date)s.")
        % {"date": previous.strftime("%d/%m/%Y") if previous else "—"},
        data={"previous_due_date": previous.isoformat() if previous else ""},
        apply=apply,
    )[0]


def _refund_check(user: User, locked: Payment) -> None:
    _officer_check(user, locked)
    if locked.dossier.status not in REFUND_DOSSIER_STATUSES:
        raise PaymentError(_("A fee is refunded only when the dossier was not accepted, rejected or withdrawn."))
    if locked.status != PaymentStatus.PAID:
        raise PaymentError(workflow.MOVES["refund"].refusal)


def _refund_provider(code: str) -> providers.Provider | None:
    try:
        return providers.get(code)
    except LookupError:
        return None


REFUND_OUTCOME_UNKNOWN = gettext_noop(
    "The refund request may have reached the payment gateway, but no signed answer came back: check this "
    "refund on the gateway's merchant portal before asking again."
)


def payment_refund(
    *, payment: Payment, user: User, note: str, amount: int | None = None, made_on_gateway: bool = False
) -> Payment:
    """The officer refunds a paid fee after the dossier was refused, rejected or withdrawn.

    Paid through a gateway: the refund is asked from the gateway by a task after this commits
    (``request_refund``), and the payment becomes "refunded" only when the gateway says it
    refunded. Paid by bank transfer (VietQR): staff transfer the money back themselves and record
    it here with the transfer's reference, which makes it "refunded" at once. ``made_on_gateway``
    records, the same way, a refund staff made on the gateway's merchant portal: the way out when
    the gateway's refund call did not answer, or answered in doubt, and the portal shows it made."""
    note = (note or "").strip()
    if not note:
        raise PaymentError(_("Say how the fee was refunded (date, transfer reference)."))
    provider = _refund_provider(payment.provider)
    online = provider is not None and provider.refunds_online
    if made_on_gateway and not online:
        raise PaymentError(_("This fee was not paid through a payment gateway: use “Refund”."))
    if online and not made_on_gateway:
        return _refund_request(payment=payment, user=user, note=note, amount=amount)

    def apply(locked: Payment) -> None:
        _refund_check(user, locked)
        if locked.refund_requested_at is not None or locked.refund_sent_at is not None:
            raise PaymentError(_("A refund request to the payment gateway is under way: wait for its answer."))
        if amount is not None and not 0 < amount <= (locked.paid_amount or 0):
            raise PaymentError(_("The refund cannot be more than the amount paid."))
        if made_on_gateway:
            # The amount asked of the gateway before (a partial refund) unless another is given.
            locked.refund_amount = amount or locked.refund_amount or locked.paid_amount
            locked.refund_note = gettext("Refunded on the gateway's merchant portal, %(amount)s: %(note)s") % {
                "amount": vnd(locked.refund_amount),
                "note": note,
            }
        else:
            locked.refund_amount = amount or locked.paid_amount
            locked.refund_note = gettext("Refunded outside the portal: %(note)s") % {"note": note}
        locked.refund_error = ""

    return workflow.transition(
        "refund", payment_id=payment.pk, source=EventSource.OFFICER, actor=user, note=note, apply=apply
    )[0]


@transaction.atomic
def _refund_request(*, payment: Payment, user: User, note: str, amount: int | None) -> Payment:
    from ..tasks import request_refund

    locked = workflow.lock(payment.pk)
    _refund_check(user, locked)
    if locked.refund_requested_at is not None:
        raise PaymentError(_("A refund of this fee has already been asked from the payment gateway."))
    amount = amount or locked.paid_amount or locked.amount
    if amount <= 0 or amount > (locked.paid_amount or 0):
        raise PaymentError(_("The refund cannot be more than the amount paid."))
    locked.refund_amount, locked.refund_note, locked.refund_error = amount, note, ""
    locked.refund_requested_at = timezone.now()
    locked.save()
    workflow.record(
        locked,
        source=EventSource.OFFICER,
        actor=user,
        note=gettext("Refund of %(amount)s VND asked from the payment gateway: %(note)s")
        % {"amount": amount, "note": note},
        data={"amount": amount},
    )
    created_by = user.email
    # robust: the request is saved; a broker away is caught up by the beat (``refunds_requeue``).
    transaction.on_commit(lambda: request_refund.delay(locked.pk, created_by), robust=True)
    return locked


def _gateway_refund(
    queryset: QuerySet,
    pk: int,
    *,
    asked: Callable[[Any], bool],
    order_of: Callable[[int], tuple[str, RefundOrder]],
    created_by: str,
    problem: Callable[..., None],
) -> providers.RefundAnswer | str:
    """Ask the gateway for the refund of row ``pk`` (a fee or a duplicate payment): its signed
    answer when it refunded, else "skipped" (nothing asked any more: ``asked(row)`` is false),
    "refused" or "unknown", once ``problem(error=…)`` has kept the reason for staff. Raises
    ``GatewayUnavailable`` when the request never reached the gateway: the task asks again.

    The request is marked sent (``refund_sent_at``), in its own committed transaction, before it
    leaves: a task delivered twice, or a worker lost after sending, finds the mark and does not
    send again. The gateway must never refund twice; a request in doubt is left for staff."""
    with transaction.atomic():
        locked = queryset.select_for_update(of=("self",)).get(pk=pk)
        if not asked(locked):
            return "skipped"
        in_doubt = locked.refund_sent_at is not None
        if not in_doubt:
            locked.refund_sent_at = timezone.now()
            locked.save()
    if in_doubt:
        problem(error=gettext(REFUND_OUTCOME_UNKNOWN))
        return "unknown"
    provider_code, order = order_of(pk)
    provider = _refund_provider(provider_code)
    if provider is None or not provider.refunds_online:
        problem(error=gettext("This payment provider is not available for refunds."))
        return "refused"
    try:
        answer = provider.refund(order, created_by=created_by)
    except providers.GatewayUnavailable:
        problem(
            error=gettext("The payment gateway did not answer the refund request; it is asked again."), keep_asking=True
        )
        raise
    except (providers.GatewayOutcomeUnknown, providers.InvalidSignature):
        problem(error=gettext(REFUND_OUTCOME_UNKNOWN))
        return "unknown"
    if not answer.refunded:
        problem(
            error=gettext("The payment gateway refused the refund (%(code)s: %(message)s).")
            % {"code": answer.code, "message": answer.message},
            data=answer.data,
        )
        return "refused"
    return answer


def _fee_refund_order(payment_id: int) -> tuple[str, RefundOrder]:
    payment = Payment.objects.select_related("dossier").get(pk=payment_id)
    return payment.provider, payment.refund_order(payment.refund_amount or payment.paid_amount)


def refund_send(*, payment_id: int, created_by: str) -> str:
    """Ask the gateway for the refund an officer requested (the task ``request_refund``).

    Returns "refunded" (the gateway refunded: the payment moves), "refused" (the gateway said no:
    the reason is kept for staff, who may ask again), "unknown" (the request may have reached the
    gateway but no signed answer came back) or "skipped" (nothing asked any more). Raises
    ``GatewayUnavailable`` when the request never reached the gateway: the task sends it again.
    The request is marked sent before it leaves (``_gateway_refund``)."""
    answer = _gateway_refund(
        Payment.objects,
        payment_id,
        asked=lambda p: p.status == PaymentStatus.PAID and p.refund_requested_at is not None,
        order_of=_fee_refund_order,
        created_by=created_by,
        problem=lambda **kwargs: refund_problem(payment_id=payment_id, **kwargs),
    )
    if isinstance(answer, str):
        return answer
    amount = Payment.objects.values_list("refund_amount", flat=True).get(pk=payment_id)

    def apply(locked: Payment) -> None:
        locked.refund_requested_at, locked.refund_sent_at, locked.refund_error = None, None, ""

    try:
        workflow.transition(
            "refund",
            payment_id=payment_id,
            source=EventSource.REFUND,
            data=answer.data,
            dedupe_key=f"refund:{answer.transaction_no}"[:100] if answer.transaction_no else "",
            note=gettext("The payment gateway refunded %(amount)s VND (transaction %(number)s).")
            % {"amount": amount, "number": answer.transaction_no},
            apply=apply,
        )
    except PaymentError:  # recorded as refunded meanwhile (made on the merchant portal)
        _refunded_again(Payment.objects.get(pk=payment_id), answer)
    return "refunded"


def _refunded_again(payment: Payment, answer: providers.RefundAnswer) -> None:
    """The gateway's success for a refund already recorded (staff recorded one made on its merchant
    portal while this request was out): said for staff, never lost, never applied twice."""
    logger.error("Gateway refund %s for payment %s already recorded as refunded", answer.transaction_no, payment.pk)
    workflow.record(
        payment,
        source=EventSource.REFUND,
        data=answer.data,
        dedupe_key=f"refund:{answer.transaction_no}"[:100] if answer.transaction_no else "",
        note=gettext(
            "The payment gateway also refunded (transaction %(number)s) what was already recorded as refunded: "
            "check for a double refund."
        )
        % {"number": answer.transaction_no},
    )


def _refund_not_made(locked: Payment | DuplicatePayment, error: str, *, keep_asking: bool) -> None:
    """Keep why the gateway did not refund (a fee or a duplicate payment, locked): the task has no
    request out any more (one in doubt is left for staff to check on the merchant portal). Unless
    the task asks again, the request is closed so an officer can ask anew or record a refund made
    on the merchant portal."""
    locked.refund_error = error
    locked.refund_sent_at = None
    if not keep_asking:
        locked.refund_requested_at = None
    locked.save()


@transaction.atomic
def refund_problem(*, payment_id: int, error: str, data: dict | None = None, keep_asking: bool = False) -> None:
    """A refund the gateway did not make: the reason for staff (admin, filter "Refund problem") and
    in the history. Unless the task asks again, the request is closed so an officer can ask anew."""
    locked = workflow.lock(payment_id)
    if locked.status != PaymentStatus.PAID:
        return
    _refund_not_made(locked, error, keep_asking=keep_asking)
    workflow.record(locked, source=EventSource.REFUND, note=error, data=data)


# --- Duplicate payments -----------------------------------------------------------------------

PORTAL_REFUND_BY = "cong-dich-vu-cong"  # vnp_CreateBy of a refund the portal asks by itself
ORDER_TIME_UNKNOWN = gettext_noop(
    "The time this gateway order was created is not known, and the gateway needs it for a refund: "
    "refund it on the gateway's merchant portal."
)


def duplicate_received(*, payment: Payment, outcome: providers.Outcome, source: str) -> DuplicatePayment | None:
    """A payment for a fee already settled: kept once per transaction (a notification and a status
    query may both report it), said in the payment's history, and refunded through the gateway
    after this commits (``request_duplicate_refund``): nobody has to decide that money taken twice
    goes back. The caller holds the payment's lock."""
    if not outcome.transaction_no:  # nothing the gateway could refund by
        workflow.record(
            payment,
            source=source,
            data=outcome.data,
            dedupe_key=f"duplicate-order:{outcome.txn_ref}"[:100],
            note=gettext("A second payment without a transaction number was reported for this settled fee: check it."),
        )
        logger.error("Duplicate payment without a transaction number for the settled payment %s", payment.pk)
        return None
    order_at = payment.order_created_at(outcome.txn_ref)
    duplicate, created = DuplicatePayment.objects.get_or_create(
        payment=payment,
        transaction_no=outcome.transaction_no,
        defaults={
            "provider": payment.provider,
            "order_ref": outcome.txn_ref[:40],
            "order_at": order_at,
            "amount": outcome.amount,
            "refund_requested_at": timezone.now() if order_at else None,
            "refund_error": "" if order_at else gettext(ORDER_TIME_UNKNOWN),
        },
    )
    if created:
        logger.error("Duplicate payment %s for the settled payment %s", outcome.transaction_no, payment.pk)
        workflow.record(
            payment,
            source=source,
            data=outcome.data,
            dedupe_key=f"duplicate:{outcome.transaction_no}"[:100],
            note=gettext(
                "A second payment (transaction %(number)s, %(amount)s) was received for this settled fee; "
                "it is refunded through the payment gateway."
            )
            % {"number": outcome.transaction_no, "amount": vnd(outcome.amount)},
        )
        if order_at:
            _enqueue_duplicate_refund(duplicate.pk, PORTAL_REFUND_BY)
    return duplicate


def _enqueue_duplicate_refund(duplicate_id: int, created_by: str) -> None:
    from ..tasks import request_duplicate_refund

    # robust: a broker away must not turn the gateway's notification into an error once the
    # duplicate is saved; the beat sends a request that was never sent (``refunds_requeue``).
    transaction.on_commit(lambda: request_duplicate_refund.delay(duplicate_id, created_by), robust=True)


def _lock_duplicate(duplicate_id: int) -> DuplicatePayment:
    return DuplicatePayment.objects.select_for_update(of=("self",)).select_related("payment").get(pk=duplicate_id)


def _duplicate_for_officer(duplicate: DuplicatePayment, user: User) -> DuplicatePayment:
    """The duplicate locked for an officer's action on its refund: an officer of its agency, not
    refunded yet, no request out at the gateway."""
    locked = _lock_duplicate(duplicate.pk)
    _officer_check(user, locked.payment)
    if locked.refunded_at is not None:
        raise PaymentError(_("This duplicate payment is already refunded."))
    if locked.refund_requested_at is not None or locked.refund_sent_at is not None:
        raise PaymentError(_("A refund request to the payment gateway is under way: wait for its answer."))
    return locked


@transaction.atomic
def duplicate_refund_again(*, duplicate: DuplicatePayment, user: User) -> DuplicatePayment:
    """An officer of the agency asks the gateway again for a duplicate payment's refund it did
    not make (refused, or unanswered after the task's last try). Not while a request is under way,
    nor once refunded."""
    locked = _duplicate_for_officer(duplicate, user)
    if locked.order_at is None:
        raise PaymentError(gettext(ORDER_TIME_UNKNOWN))
    locked.refund_requested_at, locked.refund_error = timezone.now(), ""
    locked.save()
    workflow.record(
        locked.payment,
        source=EventSource.OFFICER,
        actor=user,
        note=gettext("Refund of the duplicate payment %(number)s asked again from the payment gateway.")
        % {"number": locked.transaction_no},
    )
    _enqueue_duplicate_refund(locked.pk, user.email)
    return locked


def _duplicate_refund_order(duplicate_id: int) -> tuple[str, RefundOrder]:
    duplicate = DuplicatePayment.objects.select_related("payment__dossier").get(pk=duplicate_id)
    return duplicate.provider, duplicate.refund_order()


@transaction.atomic
def duplicate_refund_recorded(*, duplicate: DuplicatePayment, user: User, note: str) -> DuplicatePayment:
    """An officer of the agency records a duplicate payment's refund made on the gateway's
    merchant portal (the gateway's refund call did not answer, or answered in doubt), with its
    reference: the portal then shows it refunded. Not while a request is under way."""
    note = (note or "").strip()
    if not note:
        raise PaymentError(_("Give the refund's date and reference on the gateway's merchant portal."))
    locked = _duplicate_for_officer(duplicate, user)
    locked.refunded_at, locked.refund_transaction, locked.refund_error = timezone.now(), note[:64], ""
    locked.save()
    workflow.record(
        locked.payment,
        source=EventSource.OFFICER,
        actor=user,
        note=gettext("Duplicate payment %(number)s refunded on the gateway's merchant portal: %(note)s")
        % {"number": locked.transaction_no, "note": note},
    )
    return locked


def duplicate_refund_send(*, duplicate_id: int, created_by: str) -> str:
    """Ask the gateway to refund a duplicate payment in full (the task ``request_duplicate_refund``):
    the same answers and the same care as ``refund_send``; the payment itself does not move."""
    answer = _gateway_refund(
        DuplicatePayment.objects,
        duplicate_id,
        asked=lambda d: d.refunded_at is None and d.refund_requested_at is not None,
        order_of=_duplicate_refund_order,
        created_by=created_by,
        problem=lambda **kwargs: duplicate_refund_problem(duplicate_id=duplicate_id, **kwargs),
    )
    if isinstance(answer, str):
        return answer
    with transaction.atomic():
        locked = _lock_duplicate(duplicate_id)
        if locked.refunded_at is not None:  # recorded meanwhile (made on the merchant portal)
            _refunded_again(locked.payment, answer)
            return "refunded"
        locked.refunded_at, locked.refund_transaction = timezone.now(), answer.transaction_no[:64]
        locked.refund_requested_at, locked.refund_sent_at, locked.refund_error = None, None, ""
        locked.save()
        workflow.record(
            locked.payment,
            source=EventSource.REFUND,
            data=answer.data,
            dedupe_key=f"refund:{answer.transaction_no}"[:100] if answer.transaction_no else "",
            note=gettext("The payment gateway refunded the duplicate payment %(number)s: %(amount)s.")
            % {"number": locked.transaction_no, "amount": vnd(locked.amount)},
        )
    return "refunded"


@transaction.atomic
def duplicate_refund_problem(
    *, duplicate_id: int, error: str, data: dict | None = None, keep_asking: bool = False
) -> None:
    """A duplicate payment's refund the gateway did not make: the reason for staff (admin) and in
    the payment's history; unless the task asks again, an officer may ask anew."""
    locked = _lock_duplicate(duplicate_id)
    if locked.refunded_at is not None:
        return
    _refund_not_made(locked, error, keep_asking=keep_asking)
    workflow.record(locked.payment, source=EventSource.REFUND, note=error, data=data)


@transaction.atomic
def payment_begin(*, payment: Payment, user: User, return_url: str, client_ip: str) -> providers.Begin:
    """The citizen presses "Thanh toán": a new gateway order (the attempt number makes its
    reference new), or the VietQR code. A failed payment is pending again; a settled one refuses."""
    locked = workflow.lock(payment.pk)
    if locked.dossier.owner_id != user.pk:
        raise PaymentError(_("Only the applicant can pay this fee."))
    if locked.open_order_until is not None:
        raise PaymentError(
            _(
                "Your previous payment is still waiting for the gateway's confirmation: do not pay again. If you "
                "did not complete it, you can try again after %(time)s."
            )
            % {"time": timezone.localtime(locked.open_order_until).strftime("%H:%M")}
        )
    if locked.status == PaymentStatus.FAILED:
        locked, _moved = workflow.transition(
            "retry",
            payment_id=locked.pk,
            source=EventSource.CITIZEN,
            actor=user,
            note=gettext("Payment tried again."),
        )
    if locked.status != PaymentStatus.PENDING:
        raise PaymentError(
            _("This payment cannot be made now (its status is “%(status)s”).") % {"status": locked.get_status_display()}
        )
    provider = providers.get(locked.provider)
    if provider.has_gateway:
        if locked.attempt >= MAX_ATTEMPTS:
            raise PaymentError(_("Too many payment attempts for this fee. Please contact the agency."))
        locked.attempt += 1
        locked.attempted_at = timezone.now()
        locked.save(update_fields=["attempt", "attempted_at", "updated_at"])
        workflow.record(
            locked,
            source=EventSource.CITIZEN,
            actor=user,
            note=gettext("Sent to the payment gateway (order %(ref)s).") % {"ref": locked.txn_ref},
            data={"order": locked.txn_ref, "order_at": locked.attempted_at.isoformat()},
            dedupe_key=f"order:{locked.txn_ref}",
        )
    return provider.begin(locked, return_url=return_url, client_ip=client_ip)


def _payment_for_txn_ref(txn_ref: str) -> Payment | None:
    reference, attempt = txn_ref[:-2], txn_ref[-2:]
    if not attempt.isdigit():
        return None
    return Payment.objects.filter(reference=reference).first()


@dataclass
class NotificationResult:
    response: dict
    payment: Payment | None = None


def _dedupe_key(outcome: providers.Outcome) -> str:
    """The fact an outcome reports (order, gateway transaction, result, amount): the same fact from
    a second notification or from a status query is recognised and recorded once."""
    result = "paid" if outcome.paid else "failed" if outcome.failed else "open"
    return f"gw:{outcome.txn_ref}:{outcome.transaction_no}:{result}:{outcome.amount}"[:100]


def _another_payment(payment: Payment, outcome: providers.Outcome) -> bool:
    """Whether a payment confirmed for a settled fee is another one than the fee's own. VNPAY pays
    an order once: another order than the one that paid is another payment, and so is any payment
    of a waived fee. A fee paid before the paid order was kept is told by its transaction."""
    if payment.status == PaymentStatus.WAIVED:
        return True
    if payment.paid_order_ref:
        return outcome.txn_ref != payment.paid_order_ref
    return bool(payment.provider_transaction) and outcome.transaction_no != payment.provider_transaction


def _apply_outcome(payment: Payment, outcome: providers.Outcome, *, source: str, dedupe_key: str) -> dict:
    """What a verified outcome does to the payment; the VNPAY IPN answer code it deserves."""
    if outcome.paid:
        if payment.status not in workflow.MOVES["pay"].sources:
            # Settled already: the fee's own payment reported again (a notification twice, or the
            # query came first) is harmless, recorded once; any other is money taken a second time,
            # whatever its amount, and goes back.
            if _another_payment(payment, outcome):
                duplicate_received(payment=payment, outcome=outcome, source=source)
            else:
                workflow.record(
                    payment,
                    source=source,
                    dedupe_key=dedupe_key,
                    data=outcome.data,
                    note=gettext("Confirmation received again; nothing changed."),
                )
            return vnpay.RSP_ALREADY
        if outcome.amount != payment.amount:
            workflow.record(
                payment,
                source=source,
                dedupe_key=dedupe_key,
                data=outcome.data,
                note=gettext("Amount %(got)s VND differs from the %(due)s VND due: not recorded as paid.")
                % {"got": outcome.amount, "due": payment.amount},
            )
            return vnpay.RSP_BAD_AMOUNT
        workflow.pay(
            payment_id=payment.pk,
            amount=outcome.amount,
            source=source,
            transaction_no=outcome.transaction_no,
            data=outcome.data,
            dedupe_key=dedupe_key,
            note=gettext("Payment confirmed."),
            order_ref=outcome.txn_ref,
        )
        return vnpay.RSP_OK
    if outcome.failed and payment.status == PaymentStatus.PENDING and outcome.txn_ref == payment.txn_ref:
        workflow.transition(
            "fail",
            payment_id=payment.pk,
            source=source,
            data=outcome.data,
            dedupe_key=dedupe_key,
            note=gettext("The gateway reports the payment was not made."),
        )
        return vnpay.RSP_OK
    return vnpay.RSP_ALREADY if payment.status != PaymentStatus.PENDING else vnpay.RSP_OK


@transaction.atomic
def notification_handle(*, provider_code: str, params: dict) -> NotificationResult:
    """A server-to-server notification (VNPAY's IPN): the only message that can mark a payment
    paid besides a status query. Forged, unknown, replayed or wrong-amount ones change nothing but
    are recorded for staff when they name a payment."""
    params = {k: str(v) for k, v in params.items()}
    payment = _payment_for_txn_ref(params.get("vnp_TxnRef", ""))
    try:
        provider = providers.get(provider_code)
        outcome = provider.verify_notification(params)
    except (providers.InvalidSignature, LookupError):
        if payment is not None:
            workflow.record(
                payment,
                source=EventSource.NOTIFICATION,
                data=params,
                note=gettext("Notification with an invalid signature refused."),
            )
        logger.warning("Payment notification with an invalid signature (%s)", params.get("vnp_TxnRef"))
        return NotificationResult(vnpay.RSP_BAD_SIGNATURE, payment)
    if payment is None or payment.provider != provider_code:
        return NotificationResult(vnpay.RSP_NOT_FOUND)
    locked = workflow.lock(payment.pk)
    response = _apply_outcome(locked, outcome, source=EventSource.NOTIFICATION, dedupe_key=_dedupe_key(outcome))
    return NotificationResult(response, locked)


def payment_query(*, payment_id: int) -> Payment:
    """Ask the gateway about the current order (beat, or the return page after a while). A signed
    answer moves the payment like a notification; silence or a forged answer changes nothing."""
    payment = Payment.objects.select_related("dossier").get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING or not payment.attempt:
        return payment
    provider = providers.get(payment.provider)
    try:
        outcome = provider.query_status(payment)
    except providers.InvalidSignature:
        workflow.record(
            payment, source=EventSource.STATUS_QUERY, note=gettext("Status answer with an invalid signature ignored.")
        )
        return payment
    if outcome is None or outcome.txn_ref != payment.txn_ref:
        return payment
    with transaction.atomic():
        locked = workflow.lock(payment.pk)
        _apply_outcome(locked, outcome, source=EventSource.STATUS_QUERY, dedupe_key=_dedupe_key(outcome))
    return Payment.objects.get(pk=payment_id)


REFUND_REQUEUE_AFTER = datetime.timedelta(hours=1)  # past the refund task's last retry (~33 minutes)


def refunds_requeue() -> int:
    """Beat: send again the refund requests that were saved but never sent (the task was never
    enqueued: the broker was away at the commit, or the message was lost). A request under way,
    sent, or in its retries is not touched; sending twice is refused by ``_gateway_refund`` anyway."""
    from ..tasks import request_duplicate_refund, request_refund

    stale = timezone.now() - REFUND_REQUEUE_AFTER
    fees = Payment.objects.filter(
        status=PaymentStatus.PAID, refund_requested_at__lt=stale, refund_sent_at__isnull=True
    ).values_list("pk", flat=True)
    duplicates = DuplicatePayment.objects.filter(
        refunded_at__isnull=True, refund_requested_at__lt=stale, refund_sent_at__isnull=True
    ).values_list("pk", flat=True)
    count = 0
    for payment_id in fees[: settings.PAYMENT_QUERY_BATCH]:
        request_refund.delay(payment_id, PORTAL_REFUND_BY)
        count += 1
    for duplicate_id in duplicates[: settings.PAYMENT_QUERY_BATCH]:
        request_duplicate_refund.delay(duplicate_id, PORTAL_REFUND_BY)
        count += 1
    return count


def payments_reconcile(*, older_than_minutes: int | None = None) -> dict[str, int]:
    """Beat: ask the gateway about pending orders older than N minutes (a notification late or lost),
    mark overdue the pending requests past their date, and send the refund requests never sent.
    Safe to run twice: moves lock the row."""
    minutes = settings.PAYMENT_QUERY_AFTER_MINUTES if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    counts = {"queried": 0, "paid": 0, "expired": 0, "refunds requeued": refunds_requeue()}
    pending = Payment.objects.filter(status=PaymentStatus.PENDING, attempt__gt=0, attempted_at__lte=cutoff)
    for payment_id in pending.values_list("pk", flat=True)[: settings.PAYMENT_QUERY_BATCH]:
        counts["queried"] += 1
        if payment_query(payment_id=payment_id).status == PaymentStatus.PAID:
            counts["paid"] += 1
    overdue = Payment.objects.filter(
        status__in=(PaymentStatus.PENDING, PaymentStatus.FAILED), due_date__lt=deadlines.today()
    ).exclude(attempted_at__gt=cutoff)
    for payment_id in overdue.values_list("pk", flat=True):
        try:
            workflow.transition(
                "expire", payment_id=payment_id, source=EventSource.SYSTEM, note=gettext("Not paid by the due date.")
            )
            counts["expired"] += 1
        except PaymentError:
            pass  # paid meanwhile
    return counts


# --- Bank statements (VietQR transfers) ---------------------------------------------------


@dataclass
class StatementReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(StatementMatch.values, 0))
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


STATEMENT_COLUMNS = ("transaction_id", "date", "account", "amount", "description")


def _parse_amount(text: str) -> int:
    cleaned = (text or "").replace(".", "").replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if value <= 0 or value != value.to_integral_value():
        raise ValueError(text)
    return int(value)


def _parse_date(text: str) -> datetime.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@transaction.atomic
def statement_line_import(*, row: dict, source_file: str) -> str | None:
    """One credit line: recorded once (by the bank's transaction id), matched by reference and
    amount. Exact amount: paid. Less or more: listed for staff, not paid. Returns the match, or None
    when the line was imported before."""
    bank_id = (row.get("transaction_id") or "").strip()
    if not bank_id:
        raise ValueError("transaction_id")
    if BankStatementLine.objects.filter(bank_transaction=bank_id).exists():
        return None
    amount = _parse_amount(row.get("amount") or "")
    booked_on = _parse_date(row.get("date") or "")
    description = (row.get("description") or "").strip()[:255]
    found = REFERENCE_PATTERN.search(description.upper().replace(" ", ""))
    reference = found.group(0) if found else ""
    account_number = (row.get("account") or "").strip()
    account = AgencyPaymentAccount.objects.filter(account_number=account_number).first()
    payment = None
    if reference:
        payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        match = StatementMatch.UNMATCHED
    elif payment.status not in workflow.MOVES["pay"].sources:
        match = StatementMatch.ALREADY_PAID
    elif amount < payment.amount:
        match = StatementMatch.UNDERPAID
    elif amount > payment.amount:
        match = StatementMatch.OVERPAID
    else:
        match = StatementMatch.MATCHED
    line = BankStatementLine.objects.create(
        bank_transaction=bank_id[:64],
        agency=payment.dossier.agency if payment else (account.agency if account else None),
        account_number=account_number[:19],
        booked_on=booked_on,
        amount=amount,
        description=description,
        reference=reference,
        payment=payment,
        match=match,
        source_file=source_file[:255],
    )
    data = {"bank_transaction": bank_id, "amount": amount, "booked_on": booked_on.isoformat()}
    if match == StatementMatch.MATCHED:
        workflow.pay(
            payment_id=payment.pk,
            amount=amount,
            source=EventSource.BANK_STATEMENT,
            transaction_no=bank_id,
            data=data,
            dedupe_key=f"bank:{bank_id}",
            note=gettext("Transfer found in the bank statement."),
        )
    elif payment is not None:
        workflow.record(
            payment,
            source=EventSource.BANK_STATEMENT,
            data=data,
            note=gettext("Bank transfer not recorded as payment: %(why)s.") % {"why": line.get_match_display()},
        )
    return match


def bank_notification_handle(*, body: bytes, signature: str) -> str | None:
    """The bank's signed notification of one credit (JSON with the statement's columns, signed
    with HMAC-SHA256 of the raw body under ``PAYMENT_BANK_WEBHOOK_SECRET``, hex in the
    ``X-Signature`` header). Matched exactly like a statement line, and recorded once per bank
    transaction id: a replay, or the same line in a later statement, changes nothing. Raises
    ``PaymentError`` for a bad signature or body."""
    secret = settings.PAYMENT_BANK_WEBHOOK_SECRET
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(expected, (signature or "").lower()):
        raise PaymentError(_("Invalid signature."))
    try:
        row = {k: str(v) for k, v in json.loads(body).items() if k in STATEMENT_COLUMNS}
        return statement_line_import(row=row, source_file="bank-notification")
    except (ValueError, AttributeError, TypeError) as exc:
        raise PaymentError(_("Unreadable notification.")) from exc


def statement_import(file, *, source_file: str) -> StatementReport:
    """A bank statement as CSV (columns ``STATEMENT_COLUMNS``); each line in its own transaction,
    so a bad line is reported and the others still count. Importing the file again changes nothing."""
    report = StatementReport()
    reader = csv.DictReader(file)
    missing = set(STATEMENT_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        report.errors.append(gettext("Missing columns: %(columns)s") % {"columns": ", ".join(sorted(missing))})
        return report
    for number, row in enumerate(reader, start=2):
        try:
            match = statement_line_import(row=row, source_file=source_file)
        except (ValueError, KeyError) as exc:
            report.errors.append(gettext("Line %(line)s: unreadable value %(value)s") % {"line": number, "value": exc})
            continue
        if match is None:
            report.skipped += 1
        else:
            report.counts[match] += 1
    return report


# --- Receipts and emails ------------------------------------------------------------------


def receipt_number(payment: Payment) -> str:
    """BL-<year>-<payment id>: unique, in the order payments were recorded per year."""
    return f"BL-{timezone.localdate():%Y}-{payment.pk:08d}"


def notify_paid(payment: Payment) -> None:
    from ..notifications import notify

    notify(dossier=payment.dossier, event="payment_paid", extra={"payment": payment})
