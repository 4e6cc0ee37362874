"""Validators for Vietnamese identity data, shared by signup, profile and (later) dossier forms."""

import datetime
import re

import regex
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CITIZEN_ID_RE = re.compile(r"^\d{12}$")
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
PHONE_RE = re.compile(r"^(0|\+84)\d{9,10}$")
# A person's name: letters of any script (Vietnamese has many), spaces, apostrophes, hyphens, dots.
PERSON_NAME_RE = regex.compile(r"^[\p{L}\p{M}][\p{L}\p{M}\s'.\-]*$")
# Organisation names may carry digits and punctuation, but never markup.
FORBIDDEN_NAME_CHARS = set("<>{}[]\\`|^$")


def validate_citizen_id(value: str) -> None:
    if not CITIZEN_ID_RE.match(value):
        raise ValidationError(_("The citizen ID (CCCD) must be exactly 12 digits."), code="citizen_id")


def validate_tax_code(value: str) -> None:
    if not TAX_CODE_RE.match(value):
        raise ValidationError(
            _("The tax code must be 10 digits, or 10 digits, a hyphen and 3 digits (e.g. 0101234567-001)."),
            code="tax_code",
        )


def normalise_phone(value: str) -> str:
    """People type phones with spaces, dots and dashes; we store digits (and a leading +)."""
    return re.sub(r"[\s.\-()]", "", value or "")


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(normalise_phone(value)):
        raise ValidationError(
            _("Enter a Vietnamese phone number: 10 digits starting with 0 (e.g. 0912345678) or +84."),
            code="phone",
        )


def validate_person_name(value: str) -> None:
    if not PERSON_NAME_RE.match(value.strip()):
        raise ValidationError(
            _("A name may contain only letters, spaces, apostrophes, hyphens and dots."), code="person_name"
        )


def validate_plain_text(value: str) -> None:
    if any(ch in FORBIDDEN_NAME_CHARS for ch in value):
        raise ValidationError(_("The name may not contain the characters < > { } [ ] \\ ` | ^ $."), code="org_name")


def validate_birth_date(value: datetime.date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future_date")
    if value.year < today.year - 130:
        raise ValidationError(_("Check the year of birth: it is more than 130 years ago."), code="too_old")
