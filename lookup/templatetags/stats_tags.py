"""Figures as the reader's language writes them: 12.345 and 83,3 in Vietnamese, 12,345 and 83.3 in English."""

from django import template
from django.utils.formats import get_format

register = template.Library()


@register.filter
def figure(value) -> str:
    """A whole number with the language's thousands separator; an em dash when there is none."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}".replace(",", get_format("THOUSAND_SEPARATOR"))


@register.filter
def decimal1(value) -> str:
    """One decimal with the language's decimal separator (rates, average ratings); — when undefined."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}".replace(".", get_format("DECIMAL_SEPARATOR"))


@register.filter
def attr(obj, name: str):
    """``row.figures|attr:"received"``: the column loops of the statistics tables."""
    return getattr(obj, name, None)
