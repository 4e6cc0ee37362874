"""The procedure's electronic declaration form (tờ khai điện tử), built from its ``FormField`` rows.

Answers are stored in ``Dossier.form_data`` as JSON: text, email, phone and choice as strings,
numbers as decimal strings ("2.5", exact), dates as ISO strings, yes/no as booleans. The same
form class validates a submission and, at send time, the stored answers again (the procedure's
questions may have changed since the draft was saved).
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import validators
from accounts.forms import DATE_HELP, date_field, name_fields_in_errors
from procedures.constants import FormFieldType

FIELD_PREFIX = "q_"
YES, NO = "yes", "no"
YES_NO_CHOICES = [(YES, _("Yes")), (NO, _("No"))]


def normalise_choices(raw: Any) -> list[tuple[str, str]]:
    """Accept ["A", "B"], [["a", "A"]] or [{"value": "a", "label": "A"}] as FormField.choices."""
    result = []
    for item in raw or []:
        if isinstance(item, dict):
            value = str(item.get("value", item.get("label", "")))
            result.append((value, str(item.get("label", value))))
        elif isinstance(item, list | tuple) and item:
            result.append((str(item[0]), str(item[-1])))
        else:
            result.append((str(item), str(item)))
    return [(v, label) for v, label in result if v]


def build_field(definition) -> forms.Field:
    common = {"label": definition.label, "required": definition.is_required, "help_text": definition.help_text}
    kind = definition.field_type
    if kind == FormFieldType.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 5}), **common)
    if kind == FormFieldType.NUMBER:
        return forms.DecimalField(
            max_digits=18,
            decimal_places=4,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            error_messages={
                "invalid": format_lazy(_("Write “{label}” as a number, for example 3 or 2,5."), label=definition.label)
            },
            **common,
        )
    if kind == FormFieldType.YEAR:
        label = definition.label
        this_year = datetime.date.today().year
        return forms.IntegerField(
            min_value=1900,
            max_value=this_year + 50,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "4", "autocomplete": "off"}),
            error_messages={
                "invalid": format_lazy(_("Write “{label}” as a year of four digits, e.g. 2008."), label=label),
                "min_value": format_lazy(_("“{label}” must be a year from 1900 on."), label=label),
                "max_value": format_lazy(_("“{label}” must be a year of four digits, e.g. 2008."), label=label),
            },
            **common,
        )
    if kind == FormFieldType.DATE:
        common["help_text"] = common["help_text"] or DATE_HELP
        return date_field(**common)
    if kind == FormFieldType.CHOICE:
        choices = normalise_choices(definition.choices)
        widget = forms.RadioSelect if len(choices) <= 5 else forms.Select
        if widget is forms.Select:
            choices = [("", _("— Choose —")), *choices]
        return forms.ChoiceField(
            choices=choices,
            widget=widget,
            error_messages={"invalid_choice": _("Choose one of the options listed.")},
            **common,
        )
    if kind == FormFieldType.YES_NO:
        return forms.ChoiceField(
            choices=YES_NO_CHOICES,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": _("Choose “Yes” or “No”.")},
            **common,
        )
    if kind == FormFieldType.EMAIL:
        return forms.EmailField(
            max_length=254, error_messages={"invalid": _("Enter a valid email address, e.g. ten@example.vn.")}, **common
        )
    if kind == FormFieldType.PHONE:
        return forms.CharField(
            max_length=20,
            validators=[validators.validate_phone],
            widget=forms.TextInput(attrs={"inputmode": "tel"}),
            **common,
        )
    return forms.CharField(max_length=500, **common)


def to_json(definition, value: Any) -> Any:
    """The JSON value stored for one cleaned answer (None: no answer)."""
    if value in (None, ""):
        return None
    kind = definition.field_type
    if kind == FormFieldType.NUMBER:
        text = format(Decimal(value).normalize(), "f")
        return text
    if kind == FormFieldType.YEAR:
        return str(value)
    if kind == FormFieldType.DATE:
        return value.isoformat()
    if kind == FormFieldType.YES_NO:
        return value == YES
    if kind == FormFieldType.PHONE:
        return validators.normalise_phone(value)
    if isinstance(value, str):
        return value.strip()
    return value


def to_form_value(definition, stored: Any) -> Any:
    """The form's initial/bound value for one stored JSON answer."""
    if stored is None:
        return None
    if definition.field_type == FormFieldType.YES_NO:
        if isinstance(stored, bool):
            return YES if stored else NO
        return str(stored)
    if definition.field_type == FormFieldType.DATE and isinstance(stored, str):
        try:  # a date object, which the text box shows day/month/year
            return datetime.date.fromisoformat(stored)
        except ValueError:
            return stored
    if isinstance(stored, bool | int | float):
        return str(stored)
    return stored


class EForm(forms.Form):
    """The declaration form of one procedure; ``answers()`` gives the JSON to store."""

    def __init__(self, *args, definitions, **kwargs):
        self.definitions = list(definitions)
        super().__init__(*args, **kwargs)
        for definition in self.definitions:
            self.fields[FIELD_PREFIX + definition.key] = build_field(definition)
        name_fields_in_errors(self)

    @classmethod
    def for_stored(cls, *, definitions, answers: dict) -> "EForm":
        """A bound form over stored answers: ``is_valid()`` says whether they still pass."""
        definitions = list(definitions)
        data = {}
        for definition in definitions:
            value = to_form_value(definition, (answers or {}).get(definition.key))
            if value is not None:
                data[FIELD_PREFIX + definition.key] = value
        return cls(data=data, definitions=definitions)

    @classmethod
    def initial_from(cls, definitions, answers: dict) -> dict:
        return {
            FIELD_PREFIX + d.key: to_form_value(d, (answers or {}).get(d.key))
            for d in definitions
            if (answers or {}).get(d.key) is not None
        }

    def answers(self) -> dict:
        result = {}
        for definition in self.definitions:
            value = to_json(definition, self.cleaned_data.get(FIELD_PREFIX + definition.key))
            if value is not None:
                result[definition.key] = value
        return result


def display_answers(definitions, answers: dict) -> list[tuple[str, str]]:
    """(label, text) pairs to show an answer sheet to people: review page, detail, receipt."""
    rows = []
    answers = answers or {}
    for definition in definitions:
        stored = answers.get(definition.key)
        if stored is None or stored == "":
            text = "—"
        elif definition.field_type == FormFieldType.YES_NO:
            text = str(_("Yes") if stored is True else _("No"))
        elif definition.field_type == FormFieldType.CHOICE:
            text = dict(normalise_choices(definition.choices)).get(str(stored), str(stored))
        elif definition.field_type == FormFieldType.DATE:
            try:
                text = date_format(datetime.date.fromisoformat(str(stored)), "SHORT_DATE_FORMAT")
            except ValueError:
                text = str(stored)
        else:
            text = str(stored)
        rows.append((definition.label, text))
    return rows
