"""Writes for accounts: signup profile, profile edits and the email outbox."""

import logging
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr

from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from core import admin_units

from .constants import AccountType, EmailStatus
from .models import OutgoingEmail, User

logger = logging.getLogger(__name__)

# Both kinds of account: the phone and the address (its full text and its parts).
CONTACT_FIELDS = ("phone", "address", "address_province", "address_commune", "address_street")
PERSONAL_FIELDS = ("full_name", "date_of_birth", "gender", "citizen_id", *CONTACT_FIELDS)
ORGANISATION_FIELDS = ("organisation_name", "tax_code", "legal_representative", *CONTACT_FIELDS)


def profile_fields_for(account_type: str) -> tuple[str, ...]:
    return ORGANISATION_FIELDS if account_type == AccountType.ORGANISATION else PERSONAL_FIELDS


def user_apply_profile(*, user: User, account_type: str, data: dict, language: str | None = None) -> User:
    """Copy the fields of one account kind onto the user; the other kind's fields are cleared so a
    personal account never carries a stale tax code (and vice versa)."""
    user.account_type = account_type
    wanted = profile_fields_for(account_type)
    for name in set(PERSONAL_FIELDS) | set(ORGANISATION_FIELDS):
        if name in wanted:
            setattr(user, name, data.get(name) or ("" if name != "date_of_birth" else None))
        elif name not in CONTACT_FIELDS:
            setattr(user, name, None if name == "date_of_birth" else "")
    if language:
        user.language = language
    return user


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    user_apply_profile(user=user, account_type=user.account_type, data=data, language=data.get("language"))
    user.full_clean(exclude=["password"])
    user.save()
    return user


def email_queue(message: EmailMessage) -> OutgoingEmail:
    """Store a rendered message in the outbox and deliver it after the current transaction commits.

    Why the outbox: the email must not go out if the transaction that caused it rolls back, and
    must not be lost if the broker is down at commit time (the sweeper re-enqueues it).
    """
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                html = content
    email = OutgoingEmail.objects.create(
        to=list(message.to),
        subject=str(message.subject)[:255],
        body_text=message.body,
        body_html=html,
        from_email=message.from_email,
    )
    from .tasks import send_outgoing_email

    transaction.on_commit(lambda: _enqueue(email.pk, send_outgoing_email))
    return email


def _enqueue(email_id: int, task) -> None:
    try:
        task.delay(email_id)
    except Exception:  # broker unreachable: the row stays pending and the sweeper sends it later
        logger.warning("Could not enqueue outgoing email %s; it stays pending", email_id, exc_info=True)


TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)


def email_error_is_transient(exc: Exception) -> bool:
    """Worth another try? A 4xx reply, a dropped connection or a network error is; a 5xx reply
    (a refused recipient, a rejected sender) will be refused the same way next time."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(400 <= code < 500 for code, _reply in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (smtplib.SMTPServerDisconnected, OSError))


def email_message_id(email: OutgoingEmail) -> str:
    """The Message-ID of an outbox row: derived from the row (its id and creation time, at the
    sender's domain), so every attempt to send it carries the same one."""
    domain = parseaddr(email.from_email)[1].rpartition("@")[2] or "localhost"
    return f"<outgoing-email.{email.pk}.{email.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def email_deliver(*, email_id: int) -> bool:
    """Deliver one outbox row, once as far as the portal can tell. Returns False when there was
    nothing to do.

    The row is locked while sending so two deliveries of the same task cannot both send.
    Transient errors propagate (the task retries them); a permanent one marks the row failed at
    once; the attempt is counted either way.

    At least once, not exactly once: one window remains. If the worker dies after the SMTP server
    accepted the message but before this transaction commits (a SIGKILL, a machine lost while the
    server is slow to answer DATA), the row is still pending and the redelivered task sends it
    again. Both copies carry the same Message-ID (``email_message_id``), so a mail system that
    drops duplicates by Message-ID (most mailbox stores and list managers do) keeps one.
    """
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.status != EmailStatus.PENDING:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=email.from_email,
            to=email.to,
            connection=get_connection(),
            headers={"Message-ID": email_message_id(email)},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        error: Exception | None = None
        try:
            message.send()
        except TRANSIENT_EMAIL_ERRORS as exc:
            email.last_error = repr(exc)[:2000]
            if email_error_is_transient(exc):
                error = exc
            else:
                email.status = EmailStatus.FAILED
                logger.error("Outgoing email %s refused permanently: %r", email.pk, exc)
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
        email.attempts += 1
        email.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    if error is not None:
        raise error
    return True


def email_mark_failed(*, email_id: int, error: str) -> None:
    OutgoingEmail.objects.filter(pk=email_id, status=EmailStatus.PENDING).update(
        status=EmailStatus.FAILED, last_error=error[:2000]
    )


@dataclass(frozen=True)
class StoredAddress:
    """Where one address lives on a model: its full text, its parts (``<prefix>_province``,
    ``_commune``, ``_street``) and the column that keeps a converted text."""

    text: str
    prefix: str
    legacy: str

    @property
    def columns(self) -> list[str]:
        return [self.text, f"{self.prefix}_province", f"{self.prefix}_commune", f"{self.prefix}_street", self.legacy]


PROFILE_ADDRESS = StoredAddress(text="address", prefix="address", legacy="address_legacy")


def address_convert(obj, where: StoredAddress) -> admin_units.Conversion | None:
    """Give an address stored only as text (the old three tiers, or typed before the lists) its
    province and commune codes and street line, and its text in the new form; the text as it was
    is kept in the legacy column, never lost. Returns None, changing nothing, when the package
    cannot read it. The caller saves (``convert_addresses`` in batches)."""
    text = getattr(obj, where.text)
    found = admin_units.structure(text)
    if found is None:
        return None
    setattr(obj, f"{where.prefix}_province", found.province_code)
    setattr(obj, f"{where.prefix}_commune", found.commune_code)
    setattr(obj, f"{where.prefix}_street", found.street[:255])
    if found.address != text:
        setattr(obj, where.legacy, text)
        setattr(obj, where.text, found.address[:255])
    return found
