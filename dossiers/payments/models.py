"""Payment models; imported by ``dossiers.models`` so Django finds them in the dossiers app."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency

from .constants import (
    REFUND_DOSSIER_STATUSES,
    UNPAID_STATUSES,
    EventSource,
    PaymentStatus,
    ProviderCode,
    StatementMatch,
)


class AgencyPaymentAccount(models.Model):
    """How one agency takes fees: its provider (chosen in admin) and the bank account a VietQR
    transfer goes to. The gateway's merchant code and secret come from the environment."""

    agency = models.OneToOneField(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="payment_account"
    )
    provider = models.CharField(_("payment provider"), max_length=20, choices=ProviderCode.choices)
    bank_bin = models.CharField(
        _("bank BIN"), max_length=6, blank=True, help_text=_("The 6-digit code NAPAS gives the bank (VietQR).")
    )
    account_number = models.CharField(_("account number"), max_length=19, blank=True)
    account_name = models.CharField(_("account holder"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("agency payment account")
        verbose_name_plural = _("agency payment accounts")

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_provider_display()}"


@dataclass(frozen=True)
class RefundOrder:
    """A gateway refund: the paid order it names (its reference, creation time and transaction),
    what that order took, and how much goes back."""

    order_ref: str
    order_at: datetime.datetime
    transaction_no: str
    paid: int
    amount: int
    info: str  # what the gateway's records say the refund is for (ASCII, as VNPAY asks)


class Payment(models.Model):
    """The fee request of one dossier (at most one: a request is paid once).

    ``reference`` is the transfer content and the gateway order reference: random, unique, short
    enough for a bank app. ``attempt`` numbers the gateway orders of this request (a citizen may
    try again after a failure): the gateway's ``TxnRef`` is the reference plus the attempt.
    ``status`` is changed only by ``payments.workflow``. A refund through the gateway is asked by a
    task (``refund_requested_at`` while it waits for the answer); the payment is "refunded" only
    when the gateway says so, and its refusal or silence is kept in ``refund_error`` for staff.
    """

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="payment"
    )
    reference = models.CharField(_("payment reference"), max_length=20, unique=True, editable=False)
    purpose = models.CharField(_("paid for"), max_length=255)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    procedure_amount = models.PositiveBigIntegerField(_("fee in the catalogue (VND)"))
    amount_reason = models.TextField(_("reason the amount differs"), blank=True)
    due_date = models.DateField(_("pay by"))
    pay_first = models.BooleanField(
        _("paid before processing"), default=False, help_text=_("Processing starts only when paid or waived.")
    )
    status = models.CharField(
        _("payment status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, editable=False
    )
    provider = models.CharField(_("payment provider"), max_length=20, choices=ProviderCode.choices)
    attempt = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    attempted_at = models.DateTimeField(_("last attempt at"), null=True, blank=True, editable=False)
    provider_transaction = models.CharField(_("provider's transaction number"), max_length=64, blank=True)
    # The gateway order that was paid, and when it was created: a late confirmation may pay an
    # earlier attempt than the current one, and a refund must name the order that was paid.
    paid_order_ref = models.CharField(_("paid gateway order"), max_length=40, blank=True, editable=False)
    paid_order_at = models.DateTimeField(_("paid gateway order created at"), null=True, blank=True, editable=False)
    paid_amount = models.PositiveBigIntegerField(_("amount paid (VND)"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True, editable=False)
    refund_note = models.TextField(_("refund note"), blank=True)
    refund_amount = models.PositiveBigIntegerField(_("amount refunded (VND)"), null=True, blank=True)
    refund_requested_at = models.DateTimeField(
        _("refund requested from the gateway at"),
        null=True,
        blank=True,
        help_text=_("Set while the gateway has not answered the refund request."),
    )
    refund_sent_at = models.DateTimeField(
        _("refund request sent at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set, before it is sent, while a refund request may be at the gateway without an answer."),
    )
    refund_error = models.TextField(_("refund problem"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "attempted_at"], name="payment_status_attempt_idx"),
            models.Index(fields=["paid_at"], name="payment_paid_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=PaymentStatus.PAID) | models.Q(paid_at__isnull=False),
                name="payment_paid_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_unpaid(self) -> bool:
        return self.status in UNPAID_STATUSES

    @property
    def needs_refund(self) -> bool:
        """Paid, and the dossier was not accepted, rejected or withdrawn: the fee is owed back."""
        return self.status == PaymentStatus.PAID and self.dossier.status in REFUND_DOSSIER_STATUSES

    @property
    def open_order_until(self) -> datetime.datetime | None:
        """Until when the gateway may still take the current order (its ``vnp_ExpireDate``), if it
        is not settled. No second order is started before then: the citizen who paid but whose
        confirmation is late would otherwise pay twice."""
        if self.status != PaymentStatus.PENDING or not self.attempt or self.attempted_at is None:
            return None
        until = self.attempted_at + datetime.timedelta(minutes=settings.PAYMENT_GATEWAY_TIMEOUT_MINUTES)
        return until if until > timezone.now() else None

    @property
    def txn_ref(self) -> str:
        """The gateway's order reference for the current attempt."""
        return f"{self.reference}{self.attempt:02d}"

    def order_created_at(self, txn_ref: str) -> datetime.datetime | None:
        """When the gateway order ``txn_ref`` was created (its ``vnp_CreateDate``): the current
        attempt's time, or an earlier attempt's from the history row written when it began."""
        if txn_ref == self.txn_ref:
            return self.attempted_at
        began = self.events.filter(dedupe_key=f"order:{txn_ref}").first()
        if began is None or "order_at" not in began.data:
            return None
        return datetime.datetime.fromisoformat(began.data["order_at"])

    def refund_order(self, amount: int) -> RefundOrder:
        """What a refund of ``amount`` names at the gateway: the order paid, else the current
        attempt's."""
        if self.paid_order_ref:
            order_ref, order_at = self.paid_order_ref, self.paid_order_at or self.attempted_at or self.created_at
        else:
            order_ref, order_at = self.txn_ref, self.attempted_at or self.created_at
        return RefundOrder(
            order_ref=order_ref,
            order_at=order_at,
            transaction_no=self.provider_transaction,
            paid=self.paid_amount or 0,
            amount=amount,
            info=f"Hoan phi ho so {self.dossier.code}",
        )


class DuplicatePayment(models.Model):
    """A gateway payment taken for a fee already settled (the citizen paid a second order, or an
    earlier order's payment was confirmed late): money taken twice. It is refunded through the
    gateway without waiting for an officer (``services.duplicate_received``); staff see the ones
    the gateway did not refund and ask again.

    ``refund_sent_at`` is committed before the request leaves, as for a fee's refund: a request
    that may have reached the gateway is never sent again by itself."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="duplicates")
    provider = models.CharField(_("payment provider"), max_length=20, choices=ProviderCode.choices)
    order_ref = models.CharField(_("gateway order"), max_length=40)
    order_at = models.DateTimeField(_("gateway order created at"), null=True, blank=True)
    transaction_no = models.CharField(_("provider's transaction number"), max_length=64)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    received_at = models.DateTimeField(_("money received at"), auto_now_add=True)
    refund_requested_at = models.DateTimeField(_("refund asked at"), null=True, blank=True, editable=False)
    refund_sent_at = models.DateTimeField(_("refund request sent at"), null=True, blank=True, editable=False)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True, editable=False)
    refund_transaction = models.CharField(_("refund transaction"), max_length=64, blank=True, editable=False)
    refund_error = models.TextField(_("refund problem"), blank=True, editable=False)

    class Meta:
        verbose_name = _("duplicate payment")
        verbose_name_plural = _("duplicate payments")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "transaction_no"], name="duplicate_payment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} ({self.transaction_no})"

    @property
    def refund_status(self) -> str:
        if self.refunded_at:
            return _("Refunded")
        if self.refund_requested_at:
            return _("Refund asked from the payment gateway")
        return _("Refund problem") if self.refund_error else _("To refund")

    def refund_order(self) -> RefundOrder:
        """The whole of this order back (never asked without ``order_at``: the gateway needs it)."""
        return RefundOrder(
            order_ref=self.order_ref,
            order_at=self.order_at,
            transaction_no=self.transaction_no,
            paid=self.amount,
            amount=self.amount,
            info=f"Hoan tien thanh toan trung ho so {self.payment.dossier.code}",
        )


class PaymentEvent(models.Model):
    """One line of a payment's history: every status change, and every notification or query
    received even when it changed nothing (forged, duplicate, wrong amount), for staff to read.

    ``dedupe_key`` (unique per payment when set) makes a notification delivered twice one row.
    """

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="events")
    source = models.CharField(_("source"), max_length=20, choices=EventSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=PaymentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=PaymentStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data received"), default=dict, blank=True)
    dedupe_key = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment history")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="payment_event_dedupe"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_status} → {self.to_status}"


class BankStatementLine(models.Model):
    """One credit line of an imported bank statement and what it matched (``import_bank_statement``)."""

    bank_transaction = models.CharField(_("bank transaction id"), max_length=64, unique=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account_number = models.CharField(_("account number"), max_length=19)
    booked_on = models.DateField(_("booked on"))
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    description = models.CharField(_("transfer content"), max_length=255)
    reference = models.CharField(_("reference found"), max_length=20, blank=True)
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    match = models.CharField(_("result"), max_length=20, choices=StatementMatch.choices)
    source_file = models.CharField(_("file"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return self.bank_transaction
