from django import template

from core.money import vnd as format_vnd

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """150000 → "150.000 đ"."""
    return format_vnd(amount or 0)
