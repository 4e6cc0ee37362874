"""Values read by hand-written SQL, the same from PostgreSQL and from SQLite (the embedded
default). psycopg returns aware datetimes and dates; SQLite returns text (datetimes in UTC, as
Django stores them), which the ORM would convert through its backend and these convert here."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def aware_datetime(value) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)


def date_value(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return parse_date(value)
