"""Dates in the lookup's answer, written as the ``date`` filter writes ``d/m/Y H:i``, ``d/m/Y`` and
``c`` but through ``strftime``/``isoformat`` (C): Django's formatter reads its format one
character at a time in Python, and the answer shows up to a dozen dates, on the page any visitor
can call (docs/benchmarks/load.md). The values reach the filters in the portal's time zone, as
they reach ``date``; ``test_answer_dates_are_written_as_the_date_filter_writes_them``."""

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def day_minute(value) -> str:
    """``d/m/Y H:i``; "" for no value."""
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


@register.filter(expects_localtime=True)
def day(value) -> str:
    """``d/m/Y`` of a date or a datetime; "" for no value."""
    return value.strftime("%d/%m/%Y") if value else ""


@register.filter(expects_localtime=True)
def iso_time(value) -> str:
    """``c`` (ISO 8601 with the offset), for ``<time datetime>``; "" for no value."""
    return value.isoformat() if value else ""
