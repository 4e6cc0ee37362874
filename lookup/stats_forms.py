"""The public statistics page's GET filters: agency (tree), field, period in months."""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procedures.selectors import AgencyNode, AgencyTree

FIRST_MONTH = datetime.date(2000, 1, 1)  # nothing was filed online before; earlier months are typos
DEFAULT_MONTHS = 12
MAX_MONTHS = 120  # ten years: enough for any report, small enough for one page
_MONTH_RE = re.compile(r"^(?:(?P<y1>\d{4})-(?P<m1>\d{1,2})|(?P<m2>\d{1,2})[/.-](?P<y2>\d{4}))$", re.ASCII)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> int:
    """How many months the period first..last holds, both included."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, this one included."""
    this_month = today.replace(day=1)
    return add_months(this_month, 1 - DEFAULT_MONTHS), this_month


class MonthField(forms.CharField):
    """A month typed as 2026-03 (what <input type="month"> sends) or 03/2026; the first day of it."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-03", "inputmode": "numeric"})
    default_error_messages = {"invalid": _("Enter a month like 2026-03 (or 03/2026).")}

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=None, strip=True, **kwargs)

    def to_python(self, value) -> datetime.date | None:
        # Full-width digits from a phone keyboard become ASCII under NFKC.
        value = unicodedata.normalize("NFKC", super().to_python(value))
        if not value:
            return None
        found = _MONTH_RE.match(value) if len(value) <= 10 else None
        if not found:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        year = int(found["y1"] or found["y2"])
        month = int(found["m1"] or found["m2"])
        if not 1 <= month <= 12:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return datetime.date(year, month, 1)

    def prepare_value(self, value):
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value


@dataclass(frozen=True)
class StatisticsQuery:
    """What the page shows: validated filters, defaults where a filter was missing or wrong."""

    agency: AgencyNode | None
    field: tuple[int, str, str] | None  # (pk, code, name)
    first: datetime.date  # first day of the first month
    last: datetime.date  # first day of the last month

    @property
    def months(self) -> list[datetime.date]:
        return [add_months(self.first, i) for i in range(months_between(self.first, self.last))]

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        return add_months(self.last, 1) - datetime.timedelta(days=1)

    def as_params(self) -> dict[str, str]:
        """The query string of this very selection (for the CSV link)."""
        params = {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}"}
        if self.agency:
            params["agency"] = self.agency.code
        if self.field:
            params["field"] = self.field[1]
        return params


class StatisticsFilterForm(forms.Form):
    """A wrong filter (unknown code, impossible month, inverted or too long period) is reported
    beside its field and replaced by its default; the page still shows figures, never a 500."""

    agency = forms.CharField(label=_("Agency"), required=False, max_length=None, widget=forms.Select)
    field = forms.CharField(label=_("Field"), required=False, max_length=None, widget=forms.Select)

    def __init__(self, *args, tree: AgencyTree, fields: list[tuple[int, str, str]], today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.today = today
        self.field_by_code = {code: (pk, code, name) for pk, code, name in fields}
        # "from" is a Python keyword, so the two month fields are added here rather than declared.
        self.fields["from"] = MonthField(label=_("From month"))
        self.fields["to"] = MonthField(label=_("To month"), help_text=_("The last twelve months when left empty."))
        indent = "\u00a0\u00a0\u00a0"
        self.fields["agency"].widget.choices = [("", _("Whole country (all agencies)"))] + [
            (node.code, indent * node.depth + node.name) for node in tree.nodes
        ]
        self.fields["field"].widget.choices = [("", _("All fields"))] + [(code, name) for _pk, code, name in fields]
        first, last = default_period(today)
        self.initial.setdefault("from", first)
        self.initial.setdefault("to", last)

    def clean_agency(self) -> AgencyNode | None:
        code = (self.cleaned_data["agency"] or "").strip().upper()
        if not code:
            return None
        if code not in self.tree.by_code:
            raise ValidationError(_("This agency is not in the catalogue; the whole country is shown."), code="unknown")
        return self.tree.by_code[code]

    def clean_field(self) -> tuple[int, str, str] | None:
        code = (self.cleaned_data["field"] or "").strip()
        if not code:
            return None
        if code not in self.field_by_code:
            raise ValidationError(_("This field is not in the catalogue; all fields are shown."), code="unknown")
        return self.field_by_code[code]

    def clean(self):
        cleaned = super().clean()
        this_month = self.today.replace(day=1)
        for name in ("from", "to"):
            month = cleaned.get(name)
            if month and not FIRST_MONTH <= month <= this_month:
                self.add_error(
                    name,
                    ValidationError(
                        _("Choose a month from 01/%(first)s to this month; the last twelve months are shown."),
                        code="out_of_range",
                        params={"first": FIRST_MONTH.year},
                    ),
                )
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and not last:  # from a month up to now
            last = this_month
        elif last and not first:  # the twelve months up to the chosen one
            first = max(add_months(last, 1 - DEFAULT_MONTHS), FIRST_MONTH)
        elif not first and not last:
            first, last = default_period(self.today)
        if first > last:
            self.add_error(
                "to",
                ValidationError(
                    _("The last month comes before the first one; the last twelve months are shown."),
                    code="inverted",
                ),
            )
        elif months_between(first, last) > MAX_MONTHS:
            self.add_error(
                "from",
                ValidationError(
                    _("The period is too long (at most %(months)s months); the last twelve months are shown."),
                    code="too_long",
                    params={"months": MAX_MONTHS},
                ),
            )
        else:
            cleaned["period"] = (first, last)
        return cleaned

    def query(self) -> StatisticsQuery:
        """The selection to show: each valid filter, the default for the others."""
        cleaned = {}
        if self.is_bound:
            self.is_valid()  # validation leaves the wrong filters out of cleaned_data
            cleaned = self.cleaned_data
        first, last = cleaned.get("period") or default_period(self.today)
        if self.is_bound and "from" not in self.errors and "to" not in self.errors:
            # Month boxes left empty show the months used, as an unfilled form does.
            self.data = self.data.copy()
            for name, month in (("from", first), ("to", last)):
                if not (self.data.get(name) or "").strip():
                    self.data[name] = f"{month:%Y-%m}"
        return StatisticsQuery(agency=cleaned.get("agency"), field=cleaned.get("field"), first=first, last=last)
