import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import PortalCaptchaField

MAX_CODE_LENGTH = 60


def normalise_code(value: str) -> str:
    """Codes are matched ignoring case, surrounding spaces and Unicode look-alikes (full-width
    letters from a phone keyboard become ASCII under NFKC)."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def is_well_formed(code: str) -> bool:
    """A normalised code that could be a dossier's: letters, digits and hyphens."""
    return 0 < len(code) <= MAX_CODE_LENGTH and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code)


class LookupForm(forms.Form):
    """The dossier code and a confirmation code. The view looks the dossier up only once the
    form is valid, so a wrong captcha never tells whether a code exists."""

    code = forms.CharField(
        label=_("Dossier code"),
        max_length=200,
        help_text=_("The code on your receipt, e.g. SGDDT-HN-261122-AB3CDE."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the dossier code.")},
    )
    captcha = PortalCaptchaField()

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter the dossier code."))
        if not is_well_formed(code):
            raise forms.ValidationError(
                _("A dossier code has only letters, digits and hyphens. Check the code on your receipt.")
            )
        return code


NOT_FOUND = _("No dossier has this code. Check the code on your receipt and try again.")


def normalise_result_code(value: str) -> str:
    """A result code as typed, copied or scanned: no spaces anywhere, capitals, ASCII look-alikes
    (``sgddt-hn-261122-ab3cde - kq1`` → ``SGDDT-HN-261122-AB3CDE-KQ1``)."""
    return "".join(unicodedata.normalize("NFKC", value or "").split()).upper()


class VerifyForm(forms.Form):
    """A result code, optionally the copy someone was handed (compared by its SHA-256, never
    stored), and a confirmation code. The result is looked up only once the form is valid."""

    code = forms.CharField(
        label=_("Result code"),
        max_length=200,
        help_text=_("Printed beside the QR code on the result, e.g. SGDDT-HN-261122-AB3CDE-KQ1."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the result code.")},
    )
    file = forms.FileField(
        label=_("The copy you were given (optional)"),
        required=False,
        help_text=_("The PDF file is compared with the issued one by its fingerprint (SHA-256) and is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    captcha = PortalCaptchaField()

    def clean_code(self) -> str:
        code = normalise_result_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter the result code."))
        if not is_well_formed(code):
            raise forms.ValidationError(
                _("A result code has only letters, digits and hyphens. Check the code printed on the result.")
            )
        return code

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and getattr(upload, "oversize", False):
            raise forms.ValidationError(_("This file is larger than any result the portal issues."))
        return upload


RESULT_NOT_FOUND = _("No result has this code. Check the code printed beside the QR code and try again.")
