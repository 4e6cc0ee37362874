from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    """The lifecycle of a payment request; the moves between them live in ``payments.workflow``."""

    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Payment overdue")
    REFUNDED = "refunded", _("Refunded")
    WAIVED = "waived", _("Fee waived")


# Statuses in which the citizen still owes the fee (the "Thanh toán" button shows).
UNPAID_STATUSES = (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.EXPIRED)
# Statuses that let a pay-first dossier be processed.
SETTLED_STATUSES = (PaymentStatus.PAID, PaymentStatus.WAIVED)
# Dossier outcomes after which a fee that was paid is owed back to the citizen (DossierStatus values).
REFUND_DOSSIER_STATUSES = ("refused", "rejected", "withdrawn")


class ProviderCode(models.TextChoices):
    VNPAY = "vnpay", _("VNPAY payment gateway")
    SIMULATOR = "simulator", _("Gateway simulator (development and tests only)")
    VIETQR = "vietqr", _("Bank transfer by VietQR")


class EventSource(models.TextChoices):
    SYSTEM = "system", _("Portal")
    CITIZEN = "citizen", _("Citizen")
    OFFICER = "officer", _("Officer")
    NOTIFICATION = "notification", _("Gateway notification")
    STATUS_QUERY = "status_query", _("Status query")
    BANK_STATEMENT = "bank_statement", _("Bank statement")
    REFUND = "refund", _("Gateway refund")


class StatementMatch(models.TextChoices):
    """What an imported bank statement line turned out to be."""

    MATCHED = "matched", _("Matched, payment recorded")
    UNDERPAID = "underpaid", _("Less than the amount due")
    OVERPAID = "overpaid", _("More than the amount due")
    UNMATCHED = "unmatched", _("Reference matches no payment")
    ALREADY_PAID = "already_paid", _("Payment already settled")


REFERENCE_PREFIX = "DVC"
REFERENCE_RANDOM_LENGTH = 10
