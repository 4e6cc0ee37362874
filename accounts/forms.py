"""Signup, login and profile forms. Forms validate and normalise; services write."""

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_ratelimit.exceptions import Ratelimited

from core import admin_units
from core.ratelimit import login_failed, login_refused, over_limit

from . import validators
from .constants import AccountType, Gender
from .models import User
from .services import ORGANISATION_FIELDS, PERSONAL_FIELDS

CAPTCHA_ERRORS = {
    "invalid": _("The confirmation code is not correct. Type the characters shown in the new picture."),
    "required": _("Type the confirmation code shown in the picture."),
}


class PortalCaptchaInput(CaptchaTextInput):
    """One text box beside a picture, so it gets a <label for>: django renders multi-widgets as a
    fieldset whose legend does not name the box (axe "label": an unlabelled field)."""

    use_fieldset = False


class PortalCaptchaField(CaptchaField):
    """The confirmation code ("mã xác nhận") with Vietnamese messages and an accessible input.

    Checked as django-simple-captcha ships it: each form shown stores one captcha, and a check
    deletes it, right or wrong, so a picture is never accepted twice.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Confirmation code"))
        kwargs.setdefault("error_messages", CAPTCHA_ERRORS)
        kwargs.setdefault(
            "help_text", _("Type the characters in the picture. Cannot read them? Use “Another picture”.")
        )
        kwargs.setdefault(
            "widget",
            PortalCaptchaInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)


# Dates are typed as text, day/month/year, the way Vietnamese write them: 17/5/1990, 17/05/1990,
# 17-05-1990 and 17.05.1990 are all the 17th of May (ISO 1990-05-17 too, as a browser may fill it).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
DATE_HELP = _("Day/month/year, e.g. 25/12/1990.")


class DateInput(forms.DateInput):
    """A date as text shown dd/mm/yyyy, never the browser's date picker, whose order follows the
    browser's language (an English browser shows mm/dd/yyyy)."""

    input_type = "text"

    def __init__(self, attrs=None):
        attrs = {"inputmode": "numeric", "maxlength": "10", "spellcheck": "false", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y")


def date_field(*, label, **kwargs) -> forms.DateField:
    """A date typed day/month/year, with a message that says how to write it."""
    kwargs.setdefault("help_text", DATE_HELP)
    return forms.DateField(
        label=label,
        widget=kwargs.pop("widget", DateInput()),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": format_lazy(_("Write “{label}” as day/month/year, e.g. 25/12/1990."), label=label)},
        **kwargs,
    )


def name_fields_in_errors(form: forms.Form) -> None:
    """Django's "This field is required." does not say which field: in the error summary and beside
    the field, each required message names its field and says what to do."""
    generic = forms.Field.default_error_messages["required"]
    for field in form.fields.values():
        if field.error_messages.get("required") is not generic or not field.label:
            continue
        if isinstance(field.widget, forms.CheckboxInput):
            template = _("Tick “{label}” to continue.")
        elif isinstance(field, forms.ChoiceField):
            template = _("Choose an answer for “{label}”.")
        else:
            template = _("Fill in “{label}”.")
        field.error_messages["required"] = format_lazy(template, label=field.label)


def identity_fields(account_type: str, *, with_address: bool = True) -> dict[str, forms.Field]:
    """The identity fields of one kind of account, keyed by the profile's names.

    Signup, the profile page and the dossier's applicant step all ask for the same facts with the
    same rules; this is the one definition (the dossier form renames the keys to its own).
    """
    fields: dict[str, forms.Field] = {}
    if account_type == AccountType.ORGANISATION:
        fields["organisation_name"] = forms.CharField(
            label=_("Organisation name"),
            max_length=255,
            validators=[validators.validate_plain_text],
            widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        )
        fields["tax_code"] = forms.CharField(
            label=_("Tax code"),
            max_length=14,
            validators=[validators.validate_tax_code],
            help_text=_("10 digits, or 10 digits-3 digits for a branch."),
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        )
        fields["legal_representative"] = forms.CharField(
            label=_("Legal representative"),
            max_length=100,
            validators=[validators.validate_person_name],
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )
    else:
        fields["full_name"] = forms.CharField(
            label=_("Full name"),
            max_length=100,
            validators=[validators.validate_person_name],
            widget=forms.TextInput(attrs={"autocomplete": "name"}),
        )
        fields["date_of_birth"] = date_field(
            label=_("Date of birth"),
            validators=[validators.validate_birth_date],
            widget=DateInput(attrs={"autocomplete": "bday"}),
        )
        fields["gender"] = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
        fields["citizen_id"] = forms.CharField(
            label=_("Citizen ID (CCCD)"),
            max_length=12,
            validators=[validators.validate_citizen_id],
            help_text=_("The 12 digits on your citizen identity card."),
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        )
    fields["phone"] = forms.CharField(
        label=_("Phone"),
        max_length=20,
        validators=[validators.validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    if with_address:
        fields.update(address_fields("address", label=_("Address")))
    return fields


CHOOSE_COMMUNE = _("— Choose a commune, ward or special zone —")


class CommuneField(forms.ChoiceField):
    """A commune, ward or special zone: its list on the page is the chosen province's (set by
    ``setup_address``), but any official code is a valid choice here; whether it lies in the
    chosen province is ``clean_address``'s question, with its own message."""

    def valid_value(self, value) -> bool:
        return admin_units.commune(value) is not None


def address_fields(prefix: str, *, label, required: bool = True) -> dict[str, forms.Field]:
    """An address in the two tiers in force since 1 July 2025: the province or city (a list), the
    commune, ward or special zone (a list, the chosen province's), and the street line (text).

    Without JavaScript the commune list is the one of the province the page was opened or last
    saved with: a citizen who changes the province and saves is told the commune is not in it,
    with the new province's communes now listed (two round trips, nothing typed lost). With
    JavaScript (static/js/portal.js) the list follows the province at once.
    """
    provinces = [("", _("— Choose a province or city —"))] + [(p.code, p.name) for p in admin_units.provinces()]
    return {
        f"{prefix}_province": forms.ChoiceField(
            label=format_lazy(_("{label}: province or city"), label=label),
            choices=provinces,
            required=required,
            error_messages={"invalid_choice": _("Choose a province or city from the list.")},
            widget=forms.Select(attrs={"autocomplete": "address-level1"}),
        ),
        f"{prefix}_commune": CommuneField(
            label=format_lazy(_("{label}: commune, ward or special zone"), label=label),
            choices=[],
            required=required,
            help_text=_("The list shows the communes and wards of the province or city chosen above."),
            error_messages={"invalid_choice": _("Choose a commune, ward or special zone from the list.")},
            widget=forms.Select(
                attrs={
                    "data-communes-url": reverse_lazy("accounts:communes"),
                    "data-placeholder": CHOOSE_COMMUNE,
                    "autocomplete": "address-level2",
                }
            ),
        ),
        f"{prefix}_street": forms.CharField(
            label=format_lazy(_("{label}: house number, street or village"), label=label),
            max_length=200,
            required=required,
            validators=[validators.validate_plain_text],
            help_text=_(
                "E.g. “Số 12, ngõ 5, phố Hàng Bạc” or “Thôn 3, tổ 2”. No district: there are none since 1 July 2025."
            ),
            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        ),
    }


def address_initial(prefix: str, *, text: str, province: str, commune: str, street: str) -> dict:
    """The address fields' initial values from what is stored. An address stored only as text
    (written before the lists existed, or in the old three tiers) is read by the package and
    converted; what cannot be read goes into the street line, so nothing written is lost and the
    citizen only picks the province and commune."""
    if not province and text:
        found = admin_units.structure(text)
        if found is not None:
            province, commune, street = found.province_code, found.commune_code, found.street
        else:
            # Whole, even past the field's 200 characters: saving then asks the citizen to shorten
            # it, next to the field, instead of dropping the end unseen.
            street = text
    return {f"{prefix}_province": province, f"{prefix}_commune": commune, f"{prefix}_street": street}


def setup_address(form: forms.Form, prefix: str) -> None:
    """List the communes of the province the form holds (as sent, or as stored)."""
    name = f"{prefix}_province"
    if name not in form.fields:
        return
    # For the script: which list follows this province (the dossier renames the profile's fields).
    form.fields[name].widget.attrs["data-province"] = form.add_prefix(f"{prefix}_commune")
    province = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    communes = admin_units.communes_of(province or "")
    if communes:
        choices = [("", CHOOSE_COMMUNE)] + [(c.code, c.name) for c in communes]
    else:
        choices = [("", _("— Choose the province or city first —"))]
    form.fields[f"{prefix}_commune"].choices = choices


def clean_address(form: forms.Form, prefix: str, *, text_name: str) -> None:
    """Check that the commune lies in the province, and compose the full address (``text_name``)
    that every page, email and PDF shows, e.g. "Số 12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"."""
    data = form.cleaned_data
    province = data.get(f"{prefix}_province")
    commune = data.get(f"{prefix}_commune")
    found = admin_units.commune(commune)
    if province and found and found.province_code != province:
        form.add_error(
            f"{prefix}_commune",
            _("“%(commune)s” is not in %(province)s. Choose one of the communes and wards of %(province)s, listed now.")
            % {"commune": found.name, "province": admin_units.province(province).name},
        )
        return
    if f"{prefix}_street" in data:
        data[f"{prefix}_street"] = squeeze_spaces(data[f"{prefix}_street"] or "")
        data[text_name] = admin_units.format_address(
            street=data[f"{prefix}_street"], commune_code=commune or "", province_code=province or ""
        )


def squeeze_spaces(value: str) -> str:
    return " ".join(value.split())


class ProfileFieldsMixin:
    """Identity fields and their normalisation, shared by signup and the profile page."""

    def _add_profile_fields(self, account_type: str, *, with_address: bool = True) -> None:
        self.fields.update(identity_fields(account_type, with_address=with_address))
        setup_address(self, "address")

    def clean(self):
        data = super().clean()
        if "address_province" in self.fields:
            clean_address(self, "address", text_name="address")
        return data

    def clean_phone(self) -> str:
        return validators.normalise_phone(self.cleaned_data["phone"])

    def clean_full_name(self) -> str:
        return squeeze_spaces(self.cleaned_data["full_name"])

    def clean_organisation_name(self) -> str:
        return squeeze_spaces(self.cleaned_data["organisation_name"])

    def clean_legal_representative(self) -> str:
        return squeeze_spaces(self.cleaned_data["legal_representative"])


class SignupForm(ProfileFieldsMixin, allauth_forms.SignupForm):
    """Signup for a personal or an organisation account.

    The kind comes from a hidden field (chosen with two links above the form), so each kind shows
    only its own fields and everything works without JavaScript.
    """

    account_type = forms.ChoiceField(choices=AccountType.choices, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        account_type = kwargs.pop("account_type", None)
        super().__init__(*args, **kwargs)
        if self.is_bound:
            account_type = self.data.get("account_type")
        if account_type not in AccountType.values:
            account_type = AccountType.PERSONAL
        self.account_type = account_type
        self.initial["account_type"] = account_type
        self.fields["email"].label = _("Email")
        self.fields["email"].help_text = _("The activation link will be sent to this address.")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].label = _("Password")
        self.fields["password1"].help_text = _(
            "At least 8 characters, not only digits, not a common password, not like your email."
        )
        self.fields["password2"].label = _("Password (again)")
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)
        # The address is asked on the profile and the first dossier, not here: fewer boxes before
        # the account exists, and no commune list to refresh on a page whose passwords are not kept.
        self._add_profile_fields(account_type, with_address=False)
        self.fields["captcha"] = PortalCaptchaField()
        names = ORGANISATION_FIELDS if account_type == AccountType.ORGANISATION else PERSONAL_FIELDS
        order = ["account_type", *names, "email", "password1", "password2", "captcha"]
        self.order_fields(order)
        name_fields_in_errors(self)

    @property
    def is_organisation(self) -> bool:
        return self.account_type == AccountType.ORGANISATION

    def clean_email(self):
        return super().clean_email().lower()

    def try_save(self, request):
        """Save a new account, or (the address is registered) only email its owner: the same
        answer either way (``ACCOUNT_PREVENT_ENUMERATION``). The same time too: hashing the new
        password is most of a signup's work (PBKDF2, hundreds of milliseconds), so it is done, and
        thrown away, for a registered address as well; otherwise the answer's speed would tell
        whether an address has an account."""
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)


class ProfileForm(ProfileFieldsMixin, forms.Form):
    """The profile page: the fields of the account's own kind, plus the email language."""

    def __init__(self, *args, user: User, **kwargs):
        initial = {name: getattr(user, name) for name in (*PERSONAL_FIELDS, *ORGANISATION_FIELDS, "language")}
        initial.update(
            address_initial(
                "address",
                text=user.address,
                province=user.address_province,
                commune=user.address_commune,
                street=user.address_street,
            )
        )
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self._add_profile_fields(user.account_type)
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of emails"), choices=User._meta.get_field("language").choices
        )
        name_fields_in_errors(self)


class LoginForm(allauth_forms.LoginForm):
    """allauth's login with our labels (placeholders are no substitute for labels)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email")
        self.fields["password"].label = _("Password")
        if "remember" in self.fields:
            self.fields["remember"].label = _("Remember me on this device")
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        name_fields_in_errors(self)


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login (``admin.site.login_form``), throttled like the citizens' login.

    Officers' and superusers' passwords are worth more than citizens', so this door must not be
    the one without a lock: its attempts count against the same client limit ("login", a 429 page
    like the citizens' login), its failures against the same counters per client address and per
    account (``core.ratelimit.login_failed``), and once over them even the right password waits,
    with the citizens' message.
    """

    def clean(self):
        if over_limit(self.request, group="login"):
            raise Ratelimited()  # RatelimitMiddleware answers with the 429 page
        email = self.cleaned_data.get("username") or ""
        if login_refused(self.request, email=email):
            raise ValidationError(
                get_adapter().error_messages["too_many_login_attempts"], code="too_many_login_attempts"
            )
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                login_failed(self.request, email=email)
            raise


class ChangeEmailForm(allauth_forms.AddEmailForm):
    """Change the account's one email address (``ACCOUNT_CHANGE_EMAIL``; extra addresses serve
    nothing in the portal). The new address gets a confirmation link and replaces the old one only
    once the link is opened from it. The password is asked, so a session left open on a shared
    computer cannot move the account (and its password resets) to another address, and typing
    someone else's address costs knowing the password; the page's POSTs are rate limited per user
    ("manage_email") and the links per address ("confirm_email")."""

    password = allauth_forms.PasswordField(label=_("Password"), autocomplete="current-password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("New email address")
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = _("Your current password, to confirm that it is you.")

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise get_adapter().validation_error("incorrect_password")
        return password
