"""Names for hand-written SQL, from the models' metadata, and the values it reads, the same
from PostgreSQL and from SQLite (the embedded default). psycopg returns aware datetimes and
dates; SQLite returns text (datetimes in UTC, as Django stores them), which the ORM would
convert through its backend and these convert here."""

from __future__ import annotations

import datetime

from django.db import connection
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


def table(model) -> str:
    """The model's table, quoted for the default database."""
    return connection.ops.quote_name(model._meta.db_table)


def column(alias: str, model, field: str) -> str:
    """``alias.column`` of a model field (its pk with ``"pk"``), quoted for the default database;
    the bare column without an alias (SQLite takes no alias in a DELETE)."""
    meta = model._meta
    name = connection.ops.quote_name(meta.pk.column if field == "pk" else meta.get_field(field).column)
    return f"{alias}.{name}" if alias else name
