"""Electronic results: each result PDF is signed with its agency's certificate and given a code.

``sign_results`` runs when an officer finishes a dossier (``workflow.dossier_finish``), before
the transition's transaction: signing takes a fraction of a second and, with a timestamp
authority, a network round trip, which should not hold the dossier's row lock. The code is the
dossier's code, ``-KQ`` and the result's number in the dossier; the QR code on the signed copy
opens the public verification page with that code.

Keys: ``settings.RESULT_SIGNING_KEYS`` (from the environment, per agency); without one, in
development, a demo certificate issued on demand under ``RESULT_SIGNING_DEMO_DIR``.
"""

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import signing
from procedures.models import Agency

from .constants import RESULT_CODE_MARKER
from .files import PDF, CheckedFile
from .notifications import absolute_url


class ResultNotSigned(Exception):
    """A result that cannot be signed; ``message`` tells the officer what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SignedResult:
    checked: CheckedFile
    code: str
    number: int
    data: bytes
    sha256: str
    signer: str
    timestamped: bool
    signed_at: object  # aware datetime


def key_name(agency_code: str) -> str:
    """The agency's name in the environment's variables: SGDDT-HN → SGDDT_HN."""
    return re.sub(r"[^A-Z0-9]", "_", agency_code.upper())


def agency_key(agency: Agency) -> signing.Key:
    """The agency's signing key: its own from the environment, else (development) a demo one."""
    name = key_name(agency.code)
    configured = settings.RESULT_SIGNING_KEYS.get(name)
    if configured:
        return signing.load_key(configured["p12"], configured["password"])
    if settings.RESULT_SIGNING_DEMO_DIR:
        path = signing.demo_certificate(
            settings.RESULT_SIGNING_DEMO_DIR, key_name=name, common_name=agency.name, organisation=agency.name
        )
        return signing.load_key(path, signing.DEMO_PASSWORD)
    raise ResultNotSigned(
        _(
            "No signing certificate is configured for %(agency)s, so the result cannot be signed. "
            "Ask the portal's administrator."
        )
        % {"agency": agency.name}
    )


def result_code(dossier_code: str, number: int) -> str:
    return f"{dossier_code}{RESULT_CODE_MARKER}{number}"


def normalise_result_code(value: str) -> str:
    """A code as typed or scanned: no spaces anywhere, capitals (``abc - kq1`` → ``ABC-KQ1``)."""
    return "".join((value or "").split()).upper()


def verify_url(code: str, request=None) -> str:
    """The public verification page for one result (the page itself belongs to the lookup app)."""
    return absolute_url(f"{settings.RESULT_VERIFY_PATH}?{urlencode({'code': code})}", request)


def sign_results(*, dossier, result_files: list[CheckedFile], first_number: int) -> list[SignedResult]:
    """Sign every PDF of ``result_files`` for ``dossier`` (numbered from ``first_number``).

    Images are not signed (PAdES is for PDF); they stay plain result files without a code.
    """
    pdfs = [checked for checked in result_files if checked.content_type == PDF]
    if not pdfs:
        return []
    key = agency_key(dossier.agency)
    signed = []
    with translation.override(settings.LANGUAGE_CODE):  # the stamp is part of an official document
        stamp_text = _("Signed by: %(signer)s\nTime: %(time)s\nResult code: %(code)s\nVerify at: %(url)s")
        reason = _("Electronic result of dossier %(code)s") % {"code": dossier.code}
    for offset, checked in enumerate(pdfs):
        number = first_number + offset
        code = result_code(dossier.code, number)
        checked.upload.seek(0)
        data = checked.upload.read()
        signed_at = timezone.now()
        try:
            signed_data = signing.sign_pdf(
                data,
                key=key,
                url=verify_url(code),
                stamp_text=stamp_text,
                text_params={"code": code, "time": timezone.localtime(signed_at).strftime("%d/%m/%Y %H:%M:%S %z")},
                reason=reason,
                location=dossier.agency.name,
                tsa_url=settings.RESULT_TSA_URL,
            )
        except signing.UnreadablePdf:
            raise ResultNotSigned(
                _(
                    "The result file “%(name)s” cannot be signed: it is damaged or protected by a password. "
                    "Save it again as an ordinary PDF and attach it."
                )
                % {"name": checked.name}
            ) from None
        except signing.SigningError as exc:
            raise ResultNotSigned(
                _("The result could not be signed (%(reason)s). Try again or ask the portal's administrator.")
                % {"reason": exc.message}
            ) from None
        signed.append(
            SignedResult(
                checked=checked,
                code=code,
                number=number,
                data=signed_data,
                sha256=hashlib.sha256(signed_data).hexdigest(),
                signer=key.subject[:255],
                timestamped=bool(settings.RESULT_TSA_URL),
                signed_at=signed_at,
            )
        )
    return signed
