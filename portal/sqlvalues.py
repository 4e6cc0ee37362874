"""Names for hand-written SQL, from the models' metadata, and the values it reads, the same
from PostgreSQL and from SQLite (the embedded default). psycopg returns aware datetimes and
dates; SQLite returns text (datetimes in UTC, as Django stores them), which the ORM would
convert through its backend and these convert here."""

from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.asyncio import async_unsafe
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


def related_value(model, alias: str, field: str, key: str) -> str:
    """A scalar subquery: ``field`` of the ``model`` row whose key is the quoted column ``key``.
    In place of a join on hot statements: PostgreSQL plans a join anew on every execution, and
    these subqueries on a primary key cost it less (docs/benchmarks/load.md)."""
    where = f"{column(alias, model, 'pk')} = {key}"
    return f"(SELECT {column(alias, model, field)} FROM {table(model)} {alias} WHERE {where})"  # noqa: S608


# psycopg's threshold for preparing a statement on its own: never, only when asked (Django's
# cursors bind on the client and never prepare; Django sets no threshold at all, which would
# refuse even an explicit request).
ONLY_WHEN_ASKED = 2**31 - 1


@functools.cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

        def _send_query_prepared(self, name, pgq, *, binary=None):
            # psycopg keeps the query only when it is sent unprepared; Django's query log (and
            # what a test captures) reads it from there.
            self._query = pgq
            return super()._send_query_prepared(name, pgq, binary=binary)

    return PreparingCursor


@async_unsafe
def prepared_cursor():
    """A cursor of the default database whose statements PostgreSQL plans once per connection
    (server-side binding, prepared on first use and kept by psycopg), for a hand-written
    statement on a page anyone can call often: planning the lookup's statement cost PostgreSQL
    more than running it (0.5 against 0.2 ms of its CPU, docs/benchmarks/load.md). Like
    ``connection.cursor()`` otherwise: the health check, Django's error wrapping, query logging
    (``django_assert_num_queries`` counts it). Any other database, ``DATABASE_PREPARED_STATEMENTS``
    off (a pooler that cannot keep prepared statements, such as PgBouncer in transaction mode
    before 1.22: psycopg sends ``DEALLOCATE ALL`` after a rollback), or connections that are not
    kept (``CONN_MAX_AGE`` 0: each request would prepare anew, one more round trip) get the
    ordinary cursor."""
    if (
        connection.vendor != "postgresql"
        or not settings.DATABASE_PREPARED_STATEMENTS
        or not connection.settings_dict.get("CONN_MAX_AGE")
    ):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = ONLY_WHEN_ASKED
    with connection.wrap_database_errors:
        cursor = _preparing_cursor_class()(raw)
        _use_connection_time_zone(cursor)
        return connection._prepare_cursor(cursor)


def _use_connection_time_zone(cursor) -> None:
    """As Django's ``create_cursor`` does: datetimes read in the connection's time zone when it
    differs from the one the connection's loaders were made for (a test changing TIME_ZONE)."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, cursor)


class ModelReader:
    """Instances of ``model`` from the columns of a hand-written SELECT, converted as the ORM
    converts them (the backend's converters and the field's ``from_db_value``: booleans and
    datetimes from SQLite, JSON from PostgreSQL) and built through ``Model.from_db``, as the
    ORM builds them. What it saves is compiling the statement, which on the busiest pages cost
    several times running it (docs/benchmarks/load.md)."""

    def __init__(self, model, alias: str, *, exclude: tuple[str, ...] = ()) -> None:
        self.model = model
        self.alias = alias
        self.fields = [f for f in model._meta.concrete_fields if f.name not in exclude]
        self.width = len(self.fields)
        self.names = [f.attname for f in self.fields]
        self.pk_index = self.names.index(model._meta.pk.attname)
        self._converters: dict[str, list] = {}

    def columns(self) -> list[str]:
        """The quoted ``alias.column`` list to put in the SELECT, in the order ``build`` reads."""
        quote = connection.ops.quote_name
        return [f"{self.alias}.{quote(f.column)}" for f in self.fields]

    def _converters_for(self, vendor: str) -> list[tuple[int, object, list]]:
        """(position, column, converters) of the fields that need converting on this database."""
        found = self._converters.get(vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                chain = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if chain:
                    found.append((i, col, chain))
            self._converters[vendor] = found
        return found

    def build(self, row, start: int = 0):
        """The instance from ``row[start:start + width]``; None when its key is NULL (a LEFT
        JOIN that found nothing)."""
        values = list(row[start : start + self.width])
        if values[self.pk_index] is None:
            return None
        for i, col, chain in self._converters_for(connection.vendor):
            for converter in chain:
                values[i] = converter(values[i], col, connection)
        return self.model.from_db(connection.alias, self.names, values)
