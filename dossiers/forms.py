"""Forms of the dossier pages. They validate and normalise; services and the workflow write."""

import uuid
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import validators
from accounts.constants import AccountType
from accounts.forms import (
    DATE_INPUT_FORMATS,
    DateInput,
    PortalCaptchaField,
    address_fields,
    address_initial,
    clean_address,
    identity_fields,
    name_fields_in_errors,
    setup_address,
    squeeze_spaces,
)
from accounts.models import User
from procedures.constants import ServiceLevel
from procedures.models import Agency, Procedure, RequiredDocument

from . import deadlines
from .constants import ReasonKind, ResultDelivery, StaffRole
from .eform import EForm
from .files import ACCEPT_ATTRIBUTE, CheckedFile, FileRejected, check_upload
from .models import AgencyMembership, AgencyReason, Attachment, Dossier

OTHER_SLOT = "other"
# The account's profile fields as the dossier's applicant snapshot names them.
APPLICANT_FIELD_NAMES = {
    "full_name": "applicant_name",
    "organisation_name": "applicant_name",
    "citizen_id": "applicant_id_number",
    "tax_code": "applicant_id_number",
    "date_of_birth": "applicant_date_of_birth",
    "gender": "applicant_gender",
    "legal_representative": "applicant_representative",
    "phone": "applicant_phone",
    "address_province": "applicant_province",
    "address_commune": "applicant_commune",
    "address_street": "applicant_street",
}


def delivery_choices(procedure: Procedure) -> list[tuple[str, str]]:
    """Counter and post for every procedure; online delivery only for fully online ones (Decree 42)."""
    choices = [
        (ResultDelivery.COUNTER.value, ResultDelivery.COUNTER.label),
        (ResultDelivery.POST, ResultDelivery.POST.label),
    ]
    if procedure.service_level == ServiceLevel.FULL_ONLINE:
        choices.append((ResultDelivery.ONLINE.value, ResultDelivery.ONLINE.label))
    return choices


def applicant_initial(user: User) -> dict:
    """Step 1 prefilled from the profile of the account, personal or organisation."""
    organisation = user.is_organisation
    initial = {
        "applicant_name": user.organisation_name if organisation else user.full_name,
        "applicant_id_number": user.identity_number,
        "applicant_date_of_birth": None if organisation else user.date_of_birth,
        "applicant_gender": "" if organisation else user.gender,
        "applicant_representative": user.legal_representative if organisation else "",
        "applicant_phone": user.phone,
        "applicant_email": user.email,
        "result_delivery": ResultDelivery.COUNTER.value,
    }
    profile_address = {
        "text": user.address,
        "province": user.address_province,
        "commune": user.address_commune,
        "street": user.address_street,
    }
    return {
        **initial,
        **address_initial("applicant", **profile_address),
        **address_initial("result", **profile_address),
    }


def dossier_applicant_initial(dossier: Dossier) -> dict:
    names = (
        "applicant_name",
        "applicant_id_number",
        "applicant_date_of_birth",
        "applicant_gender",
        "applicant_representative",
        "applicant_phone",
        "applicant_email",
        "result_delivery",
    )
    initial = {name: getattr(dossier, name) for name in names}
    for prefix in ("applicant", "result"):
        initial.update(
            address_initial(
                prefix,
                text=getattr(dossier, f"{prefix}_address"),
                province=getattr(dossier, f"{prefix}_province"),
                commune=getattr(dossier, f"{prefix}_commune"),
                street=getattr(dossier, f"{prefix}_street"),
            )
        )
    return initial


class ApplicantForm(forms.Form):
    """Step 1: who applies (personal or organisation, as the account is) and how the result comes back."""

    def __init__(self, *args, account_type: str, procedure: Procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_type = account_type
        f = self.fields
        profile = identity_fields(account_type)
        for profile_name, name in APPLICANT_FIELD_NAMES.items():
            if profile_name in profile:
                f[name] = profile[profile_name]
        f["applicant_email"] = forms.EmailField(
            label=_("Email"),
            max_length=254,
            help_text=_("The agency writes to this address about the dossier."),
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )
        for name in ("applicant_province", "applicant_commune", "applicant_street"):
            f[name] = f.pop(name)  # after the email, as on the profile
        f["result_delivery"] = forms.ChoiceField(
            label=_("How do you want to receive the result?"),
            choices=delivery_choices(procedure),
            widget=forms.RadioSelect,
        )
        f.update(address_fields("result", label=_("Postal address for the result"), required=False))
        f["result_province"].help_text = _("Only when the result is sent by post.")
        setup_address(self, "applicant")
        setup_address(self, "result")
        name_fields_in_errors(self)

    def clean_applicant_phone(self) -> str:
        return validators.normalise_phone(self.cleaned_data["applicant_phone"])

    def clean_applicant_name(self) -> str:
        return squeeze_spaces(self.cleaned_data["applicant_name"])

    def clean_applicant_email(self) -> str:
        return self.cleaned_data["applicant_email"].strip().lower()

    def clean(self):
        data = super().clean()
        clean_address(self, "applicant", text_name="applicant_address")
        if data.get("result_delivery") == ResultDelivery.POST:
            for part, message in (
                ("province", _("Choose the province or city where the result should be posted.")),
                ("commune", _("Choose the commune, ward or special zone where the result should be posted.")),
                ("street", _("Give the house number and street (or village) where the result should be posted.")),
            ):
                if not data.get(f"result_{part}") and f"result_{part}" not in self.errors:
                    self.add_error(f"result_{part}", message)
            clean_address(self, "result", text_name="result_address")
        else:
            data.update(result_province="", result_commune="", result_street="", result_address="")
        return data

    def applicant_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["applicant_type"] = self.account_type
        if self.account_type == AccountType.ORGANISATION:
            data.update(applicant_date_of_birth=None, applicant_gender="")
        else:
            data["applicant_representative"] = ""
        return data


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """Several files in one input; each is checked by ``check_upload`` in the form, not here."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "data-upload-check": ""}))
        super().__init__(**kwargs)

    def clean(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        return [v for v in value if hasattr(v, "chunks")]

    def bound_data(self, data, initial):
        return initial


@dataclass
class Slot:
    """One upload slot: a required document of the procedure, or "other documents" (None)."""

    document: RequiredDocument | None
    field_name: str
    label: str
    files: list[Attachment] = field(default_factory=list)
    # On the supplement page: what the citizen sent for this document before.
    earlier: list[Attachment] = field(default_factory=list)
    # On the detail page: what supplements added for this document.
    supplements: list[Attachment] = field(default_factory=list)
    # On the supplement page: what the agency says is missing in this document.
    asked: str = ""

    @property
    def required(self) -> bool:
        return bool(self.document and self.document.is_required)


def build_slots(documents, attachments, *, kind: str, other: bool = False) -> list[Slot]:
    slots = [Slot(document=d, field_name=f"slot-{d.pk}", label=d.name) for d in documents]
    if other:
        slots.append(Slot(document=None, field_name=f"slot-{OTHER_SLOT}", label=str(_("Other documents"))))
    by_document = {s.document.pk if s.document else None: s for s in slots}
    for attachment in attachments:
        if attachment.kind != kind:
            continue
        slot = by_document.get(attachment.document_id) or by_document.get(None)
        if slot is not None:
            slot.files.append(attachment)
    return slots


class AttachmentsForm(forms.Form):
    """One multiple-file input per slot. Each file is checked on its own: accepted files are kept
    in ``accepted`` while a rejected one gets its message at its slot."""

    def __init__(self, *args, slots: list[Slot], **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = slots
        for slot in slots:
            self.fields[slot.field_name] = MultipleFileField(label=slot.label)
        self.accepted: list[tuple[Slot, CheckedFile]] = []

    def clean(self):
        data = super().clean()
        self.accepted = []
        for slot in self.slots:
            for upload in data.get(slot.field_name) or []:
                try:
                    self.accepted.append((slot, check_upload(upload)))
                except FileRejected as exc:
                    self.add_error(slot.field_name, exc.message)
        return data


class SendForm(forms.Form):
    """The review page: the declaration ("lời cam đoan"), the confirmation code, and the token that
    makes a replayed send harmless."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    declaration = forms.BooleanField(
        label=_("I declare that the information given above is true and I take responsibility before the law for it."),
        error_messages={"required": _("Tick the declaration to confirm that the information is true.")},
    )
    captcha = PortalCaptchaField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("token", uuid.uuid4())


class WithdrawForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("token", uuid.uuid4())


class SupplementForm(EForm):
    """Corrected answers and a note to the agency, sent with the supplement files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"] = forms.CharField(
            label=_("Message to the agency"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_("Say what you added or corrected."),
        )
        self.fields["token"] = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how your dossier was handled?"),
        choices=[(5, _("5 — Very satisfied")), (4, _("4")), (3, _("3")), (2, _("2")), (1, _("1 — Not satisfied"))],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a score from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DossierSearchForm(forms.Form):
    q = forms.CharField(label=_("Dossier code"), required=False, max_length=60)


# --- Back office (issue 5): one form per agency transition ---------------------------------
# Each validates the inputs of one button on the dossier's admin page; ``transition_kwargs()``
# gives the keyword arguments of the matching ``dossiers.workflow`` function, which does the write.


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=DATE_INPUT_FORMATS,
        error_messages={"invalid": _("Enter a valid date, e.g. 25/12/2026.")},
        **kwargs,
    )


def _text(label, *, required: bool, help_text="", rows: int = 3, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class TransitionForm(forms.Form):
    """Base: the replay token and the internal note every agency action may carry."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    field_order = [
        "assignee",
        "to_agency",
        "ready_reason",
        "note",
        "reason",
        "request",
        "reply_by",
        "result_files",
        "pickup_date",
        "new_due_date",
    ]
    # Issue 20: the ready-made reasons of the dossier's agency offered by this form, and the text
    # field a chosen one fills when the officer leaves it empty.
    reason_kind: str | None = None
    reason_field: str = "reason"

    def __init__(self, *args, dossier: Dossier, reasons: list | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("token", uuid.uuid4())
        self.dossier = dossier
        super().__init__(*args, **kwargs)
        self.fields["internal_note"] = _text(
            _("Internal note"), required=False, help_text=_("Seen by agency staff only.")
        )
        if self.reason_kind:
            self.fields["ready_reason"] = forms.ModelChoiceField(
                label=_("Ready-made reason"),
                queryset=AgencyReason.objects.filter(agency_id=dossier.agency_id, kind=self.reason_kind),
                required=False,
                empty_label=_("— write your own below —"),
                help_text=_("Used when the text below is left empty; added before it otherwise."),
            )
            if reasons is not None:  # the page loaded the agency's reasons once for all its forms
                self.fields["ready_reason"].choices = [
                    ("", self.fields["ready_reason"].empty_label),
                    *((r.pk, r.text) for r in reasons if r.kind == self.reason_kind),
                ]
            self.fields[self.reason_field].required = False
            self.order_fields(self.field_order)

    def clean(self):
        data = super().clean()
        if self.reason_kind:
            chosen = data.pop("ready_reason", None)
            own = (data.get(self.reason_field) or "").strip()
            text = "\n".join(filter(None, [chosen.text if chosen else "", own]))
            if not text and self.reason_field not in self.errors:
                self.add_error(self.reason_field, _("Choose a ready-made reason or write one."))
            data[self.reason_field] = text
        return data

    def transition_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class ReceiveForm(TransitionForm):
    note = _text(_("Note for the citizen"), required=False, help_text=_("Sent to the citizen with the due date."))
    # The page's second button, "Receive and start processing", posts this name.
    START_BUTTON = "and_start"

    def transition_kwargs(self) -> dict:
        return {**self.cleaned_data, "start": self.START_BUTTON in self.data}


class RefuseForm(TransitionForm):
    reason_kind = ReasonKind.REFUSAL
    reason = _text(_("Reason for not accepting"), required=True, help_text=_("Sent to the citizen."))


class StartForm(TransitionForm):
    pass


DOCUMENT_PREFIX = "document_"


class RequestSupplementForm(TransitionForm):
    """The request, then what is missing per document and which answers the citizen may correct:
    the citizen's supplement page shows only those documents and answers."""

    reason_kind = ReasonKind.SUPPLEMENT
    reason_field = "request"
    request = _text(_("What the citizen must supplement"), required=True, rows=5, help_text=_("Sent to the citizen."))
    reply_by = _date_field(_("Reply by"), help_text=_("A working day (dd/mm/yyyy)."))

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, dossier=dossier, **kwargs)
        self.calendar = deadlines.WorkingCalendar.from_database()
        self.fields["reply_by"].initial = deadlines.supplement_reply_default(calendar=self.calendar)
        names = []
        for document in dossier.procedure.documents.all():
            name = f"{DOCUMENT_PREFIX}{document.pk}"
            self.fields[name] = _text(
                format_lazy(_("What is missing in “{document}”"), document=document.name),
                required=False,
                rows=2,
                help_text=_("Leave empty if this document is fine."),
            )
            names.append(name)
        questions = [(f.key, f.label) for f in dossier.procedure.form_fields.all()]
        if questions:
            self.fields["reopen"] = forms.MultipleChoiceField(
                label=_("Answers of the declaration form the citizen may correct"),
                choices=questions,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.order_fields(["ready_reason", "request", "reply_by", *names, "reopen", "internal_note"])

    def transition_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        asked = {
            name.removeprefix(DOCUMENT_PREFIX): data.pop(name)
            for name in list(data)
            if name.startswith(DOCUMENT_PREFIX)
        }
        data["documents"] = {pk: text.strip() for pk, text in asked.items() if text.strip()}
        data["fields"] = data.pop("reopen", [])
        return data

    def clean_reply_by(self):
        value = self.cleaned_data["reply_by"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("The reply-by date must be after today."))
        if not self.calendar.is_working_day(value):
            raise forms.ValidationError(
                _("%(date)s is not a working day: choose a weekday that is not a public holiday.")
                % {"date": value.strftime("%d/%m/%Y")}
            )
        return value


class FinishForm(TransitionForm):
    result_files = MultipleFileField(
        label=_("Result files"),
        help_text=_("PDF, JPEG or PNG. Required when the citizen chose to receive the result online."),
    )
    pickup_date = _date_field(
        _("Result can be collected from"),
        required=False,
        help_text=_("For a result collected at the counter or sent by post."),
    )
    tracking_number = forms.CharField(
        label=_("Postal tracking number"),
        required=False,
        max_length=40,
        help_text=_("For a result sent by post: the number the post office gave (the citizen sees it)."),
    )
    note = _text(_("Note for the citizen"), required=False)

    def clean(self):
        data = super().clean()
        data["tracking_number"] = (data.get("tracking_number") or "").strip()
        checked = []
        for upload in data.get("result_files") or []:
            try:
                checked.append(check_upload(upload))
            except FileRejected as exc:
                self.add_error("result_files", exc.message)
        data["result_files"] = checked
        pickup = data.get("pickup_date")
        if pickup and pickup < timezone.localdate():
            self.add_error("pickup_date", _("The pickup date cannot be in the past."))
        if not self.errors:
            if self.dossier.result_delivery == ResultDelivery.ONLINE and not checked:
                self.add_error(
                    "result_files", _("The citizen chose to receive the result online: attach the result files.")
                )
            elif self.dossier.result_delivery == ResultDelivery.POST and not data["tracking_number"]:
                self.add_error(
                    "tracking_number", _("The citizen chose delivery by post: give the postal tracking number.")
                )
            elif not checked and not pickup and not data["tracking_number"]:
                self.add_error(None, _("Attach the result files or give the date the result can be collected."))
        return data


class RejectForm(TransitionForm):
    reason_kind = ReasonKind.REJECTION
    reason = _text(_("Reason for rejecting"), required=True, help_text=_("Sent to the citizen."))


class ApologyForm(TransitionForm):
    new_due_date = _date_field(_("New appointment date"))
    reason = _text(_("Reason for the delay"), required=True, help_text=_("Sent to the citizen with the apology."))

    def clean_new_due_date(self):
        value = self.cleaned_data["new_due_date"]
        if value <= timezone.localdate():
            raise forms.ValidationError(_("The new appointment date must be after today."))
        if self.dossier.due_date and value <= self.dossier.due_date:
            raise forms.ValidationError(
                _("The new appointment date must be after the current one (%(date)s).")
                % {"date": self.dossier.due_date.strftime("%d/%m/%Y")}
            )
        return value


class AssignForm(TransitionForm):
    """Give the dossier to a processing officer (or leader) of its agency."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = forms.ModelChoiceField(
            label=_("Officer"),
            queryset=User.objects.filter(
                memberships__agency_id=self.dossier.agency_id,
                memberships__role__in=(StaffRole.PROCESSOR, StaffRole.LEADER),
                is_active=True,
            ).order_by("full_name", "email"),
            empty_label=None,
        )
        self.fields["assignee"].label_from_instance = lambda user: user.full_name or user.email
        self.order_fields(self.field_order)


class BulkAssignForm(forms.Form):
    """The officer the selected dossiers go to: processors and leaders of the agencies where the
    requesting officer may assign (all agencies for a superuser)."""

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        user = request.user
        may_process = {"memberships__role__in": (StaffRole.PROCESSOR, StaffRole.LEADER), "is_active": True}
        if not user.is_superuser:
            may_process["memberships__agency__in"] = AgencyMembership.objects.filter(
                user=user, role__in=(StaffRole.RECEIVER, StaffRole.LEADER)
            ).values("agency_id")
        officers = User.objects.filter(**may_process)
        self.fields["assignee"] = forms.ModelChoiceField(
            label=_("Officer"), queryset=officers.distinct().order_by("full_name", "email")
        )
        self.fields["assignee"].label_from_instance = lambda officer: officer.full_name or officer.email


class TakeForm(TransitionForm):
    pass


class TransferForm(TransitionForm):
    reason_kind = ReasonKind.TRANSFER
    to_agency = forms.ModelChoiceField(label=_("Transfer to"), queryset=Agency.objects.none())
    reason = _text(_("Reason for the transfer"), required=True, help_text=_("Sent to the citizen."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = (
            Agency.objects.filter(is_active=True).exclude(pk=self.dossier.agency_id).order_by("name")
        )


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "receive": ReceiveForm,
    "refuse": RefuseForm,
    "start": StartForm,
    "request_supplement": RequestSupplementForm,
    "finish": FinishForm,
    "reject": RejectForm,
    "apologise": ApologyForm,
    "assign": AssignForm,
    "reassign": AssignForm,
    "take": TakeForm,
    "transfer": TransferForm,
}


class RevokeResultForm(forms.Form):
    """An officer revokes an electronic result: the reason stays with the agency (never public)."""

    reason = _text(_("Reason for revoking"), required=True, help_text=_("Kept by the agency; not shown to the public."))
