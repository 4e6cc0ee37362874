from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import ServiceLevel
from .selectors import AgencyTree

Q_MAX_LENGTH = 200


class ProcedureSearchForm(forms.Form):
    """The catalogue's GET filters. An invalid filter (an unknown code typed into the address bar, an
    over-long keyword) is reported beside its field and left out of the search, never a 500."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=Q_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": Q_MAX_LENGTH, "autocomplete": "off"}),
        help_text=_("With or without diacritics, e.g. khai sinh, ket hon, ban sao bang tot nghiep."),
        error_messages={
            "max_length": _("The keyword is too long (at most %(limit_value)d characters); it was not used.")
        },
    )
    agency = forms.ChoiceField(
        label=_("Agency"),
        required=False,
        error_messages={"invalid_choice": _("This agency is not in the catalogue; all agencies are shown.")},
    )
    field = forms.ChoiceField(
        label=_("Field"),
        required=False,
        error_messages={"invalid_choice": _("This field is not in the catalogue; all fields are shown.")},
    )
    level = forms.ChoiceField(
        label=_("Service level"),
        required=False,
        error_messages={"invalid_choice": _("Unknown service level; all levels are shown.")},
    )

    def __init__(self, *args, tree: AgencyTree, fields: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tree = tree
        self.field_names = fields
        self.set_counts(None)

    def set_counts(self, counts: dict[str, dict[str, int]] | None) -> None:
        """Label every option with how many results it would give (when known)."""

        def label(name: str, group: str, key: str) -> str:
            if counts is None:
                return name
            return f"{name} ({counts[group].get(key, 0)})"

        indent = "\u00a0\u00a0\u00a0"
        self.fields["agency"].choices = [("", _("All agencies"))] + [
            (node.code, indent * node.depth + label(node.name, "agency", node.code)) for node in self.tree.nodes
        ]
        self.fields["field"].choices = [("", _("All fields"))] + [
            (code, label(name, "field", code)) for code, name in self.field_names
        ]
        self.fields["level"].choices = [("", _("All service levels"))] + [
            (value, label(str(name), "level", value)) for value, name in ServiceLevel.choices
        ]

    def valid_values(self) -> dict[str, str]:
        """The filters that passed validation; the others are ignored (their errors are shown)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "agency", "field", "level")}
