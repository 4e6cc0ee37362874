from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .constants import ServiceLevel
from .selectors import AgencyTree

Q_MAX_LENGTH = 200


class OptionsSelect(forms.Select):
    """A ``<select>`` whose options are written here rather than by a template each: the agency
    filter has ~220 options (every agency of the tree, with its count), and Django renders each
    option through two templates (``select_option.html`` and its ``attrs.html``), which was half of
    a cold catalogue page's time (docs/benchmarks/catalogue.md). Same markup; flat choices only,
    one value. The options are ``labelled_options`` (value, label), set by the form once their
    counts are known: ``choices`` would normalise the ~250 pairs again on every page."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.labelled_options: list[tuple[str, str]] = []

    def render(self, name, value, attrs=None, renderer=None):
        final = {**self.build_attrs(self.attrs, attrs), "name": name}
        attributes = "".join(
            f' {key}="{escape(str(val))}"' if val is not True else f" {key}"
            for key, val in final.items()
            if val is not None and val is not False
        )
        chosen = "" if value is None else str(value)
        # html.escape: django.utils.html.escape calls it too, behind a lazy-string check that cost
        # more than the escaping on ~250 options.
        options = "\n".join(
            f'<option value="{escape(str(option))}"{" selected" if str(option) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for option, label in self.labelled_options
        )
        return mark_safe(f"<select{attributes}>\n{options}\n</select>")  # noqa: S308 - every value escaped above


class ProcedureSearchForm(forms.Form):
    """The catalogue's GET filters. An invalid filter (an unknown code typed into the address bar, an
    over-long keyword) is reported beside its field and left out of the search, never a 500."""

    Q_MAX_LENGTH = Q_MAX_LENGTH

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=Q_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": Q_MAX_LENGTH,
                "autocomplete": "off",
                "data-suggest-url": reverse_lazy("procedures:suggest"),
                "data-suggest-label": _("Suggested procedures"),
            }
        ),
        help_text=_("With or without diacritics, e.g. khai sinh, ket hon, ban sao bang tot nghiep."),
        error_messages={
            "max_length": _("The keyword is too long (at most %(limit_value)d characters); it was not used.")
        },
    )
    # Validated against the cached tree and field list (clean_*), their options labelled with counts
    # once those are known (set_counts): building hundreds of choices twice per request is slow.
    agency = forms.CharField(label=_("Agency"), required=False, widget=OptionsSelect)
    field = forms.CharField(label=_("Field"), required=False, widget=OptionsSelect)
    level = forms.ChoiceField(
        label=_("Service level"),
        required=False,
        widget=OptionsSelect,
        error_messages={"invalid_choice": _("Unknown service level; all levels are shown.")},
    )

    def __init__(self, *args, tree: AgencyTree, fields: list[tuple[int, str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.field_names = fields
        self.field_codes = {code for _pk, code, _name in fields}
        self.fields["level"].choices = [("", _("All service levels")), *ServiceLevel.choices]

    def clean_agency(self) -> str:
        code = self.cleaned_data["agency"]
        if code and code not in self.tree.by_code:
            raise ValidationError(_("This agency is not in the catalogue; all agencies are shown."), code="invalid")
        return code

    def clean_field(self) -> str:
        code = self.cleaned_data["field"]
        if code and code not in self.field_codes:
            raise ValidationError(_("This field is not in the catalogue; all fields are shown."), code="invalid")
        return code

    def set_counts(self, counts: dict[str, dict[str, int]] | None) -> None:
        """Label every option with how many results it would give (when known)."""

        def label(name: str, group: str, key: str) -> str:
            if counts is None:
                return name
            return f"{name} ({counts[group].get(key, 0)})"

        indent = "\u00a0\u00a0\u00a0"
        self.fields["agency"].widget.labelled_options = [("", _("All agencies"))] + [
            (node.code, indent * node.depth + label(node.name, "agency", node.code)) for node in self.tree.nodes
        ]
        self.fields["field"].widget.labelled_options = [("", _("All fields"))] + [
            (code, label(name, "field", code)) for _pk, code, name in self.field_names
        ]
        self.fields["level"].widget.labelled_options = [("", _("All service levels"))] + [
            (value, label(str(name), "level", value)) for value, name in ServiceLevel.choices
        ]

    def valid_values(self) -> dict[str, str]:
        """The filters that passed validation; the others are ignored (their errors are shown)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "agency", "field", "level")}
