"""The user of every logged-in request, read in one hand-written statement.

Every page a citizen or an officer opens reads their row again (a deactivated account must stop
at its next request, so it is not cached), through ``User.objects.get(pk=...)`` in Django's
authentication backend; compiling that query through the ORM cost more Python than the rest of
a cached page (docs/benchmarks/load.md). ``UserManager.get`` sends exactly that call here. The
statement is built from the model's metadata and read into a ``User`` as the ORM reads it
(``portal.sqlvalues.ModelReader``); ``test_user_read_matches_the_orm`` holds it to the ORM.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.db import connection

from portal.sqlvalues import ModelReader, column, table


@functools.cache
def _reader() -> ModelReader:
    return ModelReader(get_user_model(), "u")


@functools.cache
def _user_sql(vendor: str) -> str:
    model = get_user_model()
    columns = ", ".join(_reader().columns())
    return f"SELECT {columns} FROM {table(model)} u WHERE {column('u', model, 'pk')} = %s"  # noqa: S608


def user_by_pk(pk):
    """The user with this primary key (a value the key field has prepared), or None; from the
    default database."""
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(connection.vendor), [pk])
        row = cursor.fetchone()
    return None if row is None else _reader().build(row)
