"""Reads that may go to the read replica, and the router that keeps every write on the primary.

A replica (``DATABASE_REPLICA_URL``) is a PostgreSQL hot standby a few milliseconds to seconds
behind the primary. Reading from it is safe only where a page may show slightly old data and no
one expects to see what they have just written, so nothing goes there by default: a selector opts
in with ``on_replica(queryset)`` (or ``.using(replica_alias())``). Without a replica both return the
primary and change nothing. Why each page is or is not a good candidate: docs/deployment.md.

``accounts`` is the lowest layer, so every app may import this module.
"""

import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)

REPLICA = "replica"
_down_until = 0.0  # per process: after a failed connection, reads use the primary until then


def replica_alias() -> str:
    """The alias for one read that tolerates replication lag: the replica when configured and reachable.

    The primary instead when no replica is configured, inside a transaction on the primary (the
    transaction may have written what the read is looking for), or for READ_REPLICA_RETRY_SECONDS
    after the replica refused a connection (a standby being rebuilt must not take pages down).
    """
    global _down_until
    alias = getattr(settings, "READ_REPLICA_DATABASE", DEFAULT_DB_ALIAS)
    if alias == DEFAULT_DB_ALIAS or alias not in connections:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if time.monotonic() < _down_until:
        return DEFAULT_DB_ALIAS
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()  # once per request, as a cursor would
        connection.ensure_connection()
    except DatabaseError as exc:
        _down_until = time.monotonic() + settings.READ_REPLICA_RETRY_SECONDS
        logger.warning(
            "Read replica unavailable, reading from the primary for %ss: %s", settings.READ_REPLICA_RETRY_SECONDS, exc
        )
        connection.close()
        return DEFAULT_DB_ALIAS
    return alias


def on_replica(queryset: QuerySet) -> QuerySet:
    """``queryset`` read from the replica when one is usable (see ``replica_alias``)."""
    return queryset.using(replica_alias())


class PrimaryReplicaRouter:
    """Installed only when DATABASE_REPLICA_URL is set.

    Reads: Django's default (the primary, or the database an instance came from, so related
    objects of a replica row are read from the replica too). Writes: always the primary, even for
    an instance read from the replica (Django would otherwise save it where it came from, and a
    hot standby refuses writes). Migrations: the primary only; the replica copies them.
    """

    def db_for_read(self, model: type[Model], **hints) -> str | None:
        return None

    def db_for_write(self, model: type[Model], **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool | None:
        same_data = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
