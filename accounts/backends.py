"""Authentication backends: Django's and allauth's, reading the logged-in user of every request
through one hand-written statement.

Every page a citizen or an officer opens reads their row again (a deactivated account must stop
at its next request, so it is not cached); through the ORM, compiling that ``get(pk=...)`` cost
more Python than the rest of a cached page (docs/benchmarks/load.md). The statement is built
from the model's metadata and read into a ``User`` as the ORM reads it
(``portal.sqlvalues.ModelReader``); ``test_user_read_matches_the_orm`` holds it to the ORM.
"""

from __future__ import annotations

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
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


def user_by_pk(user_id):
    """The user with this primary key (already converted by ``django.contrib.auth.get_user``
    from the session's value), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(connection.vendor), [user_id])
        row = cursor.fetchone()
    return None if row is None else _reader().build(row)


class FastUserReadMixin:
    def get_user(self, user_id):
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(FastUserReadMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(FastUserReadMixin, AllauthBackend):
    pass
