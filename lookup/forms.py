import unicodedata

from django import forms
from django.core.cache import caches
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import captchas
from accounts.forms import PortalCaptchaField

from . import selectors

# Placeholder for the code typed (word characters only: it survives escaping unchanged).
CODE_HOLE = "portalholelookupcode7c1e"

MAX_CODE_LENGTH = 60


def normalise_code(value: str) -> str:
    """Codes are matched ignoring case, surrounding spaces and Unicode look-alikes (full-width
    letters from a phone keyboard become ASCII under NFKC)."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def is_well_formed(code: str) -> bool:
    """A normalised code that could be a dossier's: letters, digits and hyphens (also what makes
    it safe in a cache key)."""
    return 0 < len(code) <= MAX_CODE_LENGTH and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code)


class LookupCaptchaField(PortalCaptchaField):
    """Checked by ``LookupForm.clean``, which spends it in the dossier's own statement."""

    def clean(self, value):
        return self.key_and_answer(value)


NOT_FOUND = _("No dossier has this code. Check the code on your receipt and try again.")


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=200,
        help_text=_("The code on your receipt, e.g. SGDDT-HN-261122-AB3CDE."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the dossier code.")},
    )
    captcha = LookupCaptchaField()
    # A captcha key the view already holds for this box (lookup.views), else the box takes one.
    captcha_key: str | None = None
    # What a valid form found (lookup.selectors.PublicDossier), with its history if asked for.
    dossier = None
    with_history = False

    def box_fields(self) -> SafeString:
        """The code and captcha fields of an unbound box (the home page, /lookup/, the box above
        a lookup's answer), as ``as_field_group`` renders them, but from markup rendered once per
        process and language with placeholders for the code and the captcha key. Django's form
        rendering was half of a lookup's cost (docs/benchmarks/load.md); a bound form, with its
        errors, is rendered field by field as usual (``includes/form_fields.html``).
        """
        from portal.pagecache import CAPTCHA_HOLE, fill_captcha

        key = f"lookup-box:{get_language()}:{self.auto_id}"
        templates = caches["templates"]
        html = templates.get(key)
        if html is None:
            probe = type(self)(auto_id=self.auto_id, initial={"code": CODE_HOLE})
            probe.fields["captcha"].widget.deferred_key = CAPTCHA_HOLE
            html = str(probe["code"].as_field_group()) + str(probe["captcha"].as_field_group())
            templates.set(key, html, 86400)
        code = str(self.initial.get("code") or "")
        html = html.replace(f' value="{CODE_HOLE}"', f' value="{escape(code)}"' if code else "")
        if self.fields["captcha"].widget.deferred_key is None:  # else the page itself is being cached
            html = fill_captcha(html, key=self.captcha_key)
        return mark_safe(html)  # noqa: S308 - Django's own rendering, the code escaped above

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError(_("Enter the dossier code."))
        if not is_well_formed(code):
            raise forms.ValidationError(
                _("A dossier code has only letters, digits and hyphens. Check the code on your receipt.")
            )
        return code

    def clean(self):
        """The captcha spent and the dossier read in one statement
        (``selectors.spend_captcha_and_find``); the dossier is known only once the captcha is
        accepted, so a wrong captcha never tells whether a code exists. A code refused by its
        own checks still spends the picture, as every attempt does."""
        cleaned = super().clean()
        if "captcha" not in cleaned:  # not typed: its field says so
            return cleaned
        key, response = cleaned["captcha"]
        field = self.fields["captcha"]
        code = cleaned.get("code")
        if code is None:
            spent, found = captchas.spent_row(key), None
        else:
            spent, found = selectors.spend_captcha_and_find(
                key, code, response=response, accept_any=field.accepts_any(response), with_history=self.with_history
            )
        try:
            field.judge(spent, response)
        except forms.ValidationError as error:
            self.add_error("captcha", error)
            return cleaned
        if code is not None and found is None:
            self.add_error("code", NOT_FOUND)
        self.dossier = found
        return cleaned
