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
