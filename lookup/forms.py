import unicodedata

from django import forms
from django.core.cache import caches
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.forms import PortalCaptchaField

# Placeholder for the code typed (word characters only: it survives escaping unchanged).
CODE_HOLE = "portalholelookupcode7c1e"

MAX_CODE_LENGTH = 60


def normalise_code(value: str) -> str:
    """Codes are matched ignoring case, surrounding spaces and Unicode look-alikes (full-width
    letters from a phone keyboard become ASCII under NFKC)."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=200,
        help_text=_("The code on your receipt, e.g. SGDDT-HN-261122-AB3CDE."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the dossier code.")},
    )
    captcha = PortalCaptchaField()
    # A captcha key the view already holds for this box (lookup.views), else the box takes one.
    captcha_key: str | None = None

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
        if len(code) > MAX_CODE_LENGTH or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in code):
            raise forms.ValidationError(
                _("A dossier code has only letters, digits and hyphens. Check the code on your receipt.")
            )
        return code
