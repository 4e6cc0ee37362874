"""Emails to the dossier's owner, rendered in the owner's language and put in the outbox.

``notify`` is called by the workflow inside the transition's transaction: the outbox row commits
(or rolls back) with the status change, and ``accounts.services.email_queue`` hands it to Celery
only after the commit. A transition replayed by a double click never reaches ``notify`` again.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.services import email_queue

from .models import Dossier, History, Payment


def absolute_url(path: str, request=None) -> str:
    """An absolute URL: from the request when there is one, else from ``SITE_URL`` (emails, tasks)."""
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}"


def lookup_url(code: str, request=None) -> str:
    """The public lookup for one code (the page itself belongs to the lookup app)."""
    return absolute_url(f"{settings.DOSSIER_LOOKUP_PATH}?{urlencode({'code': code})}", request)


def notify(*, dossier: Dossier, event: str, history: History | None = None, extra: dict | None = None) -> None:
    """Queue the email for one event (``dossiers/email/<event>_subject.txt`` and ``_message.txt``)."""
    owner = dossier.owner
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        context = {
            "dossier": dossier,
            "owner": owner,
            "history": history,
            "procedure": dossier.procedure,
            "agency": dossier.agency,
            "detail_url": absolute_url(reverse("dossiers:detail", args=[dossier.code])),
            "receipt_url": absolute_url(reverse("dossiers:receipt", args=[dossier.code])),
            "lookup_url": lookup_url(dossier.code),
            "supplement_url": absolute_url(reverse("dossiers:supplement", args=[dossier.code])),
            "payment": Payment.objects.filter(dossier=dossier).first(),
            "payment_url": absolute_url(reverse("dossiers:payment", args=[dossier.code])),
            "payment_receipt_url": absolute_url(reverse("dossiers:payment_receipt", args=[dossier.code])),
            **(extra or {}),
        }
        subject = render_to_string(f"dossiers/email/{event}_subject.txt", context)
        body = render_to_string(f"dossiers/email/{event}_message.txt", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[owner.email],
        )
    email_queue(message)
