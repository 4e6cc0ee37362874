"""Reads for the public lookup. Only what the public may see leaves this module."""

import datetime
import functools
from collections import namedtuple
from dataclasses import dataclass

from captcha.models import CaptchaStore
from django.db import connection

from accounts import captchas
from accounts.constants import AccountType
from dossiers import deadlines
from dossiers.constants import DossierStatus, Timeliness
from dossiers.models import Dossier, History, history_title
from portal.sqlvalues import aware_datetime, column, date_value, prepared_cursor, related_value, table

from .masking import mask_person_name

PUBLIC_STATUSES = [s for s in DossierStatus.values if s != DossierStatus.DRAFT]


@dataclass(frozen=True)
class PublicHistoryEntry:
    time: datetime.datetime
    title: str
    note: str


@dataclass(frozen=True)
class PublicDossier:
    """A dossier as anyone holding its code may see it: no personal data but a masked name."""

    code: str
    procedure: str
    agency: str
    status: str
    status_label: str
    applicant: str
    sent_at: datetime.datetime | None
    received_at: datetime.datetime | None
    due_date: datetime.date | None
    finished_at: datetime.datetime | None
    overdue: bool
    timeliness: str  # "" while undecided, else early / on_time / late
    timeliness_label: str
    apologies: int
    history: list[PublicHistoryEntry] | None  # None: not read
    # Not shown: what the answer depends on (the dossier and its procedure as last saved, and the
    # day, for "overdue"), to cache its rendering; and the id, to read the history later.
    version: str = ""
    pk: int = 0


# The dossier's own columns the answer shows, then its procedure's name and version and its agency's name.
OWN_COLUMNS = (
    "id",
    "code",
    "status",
    "applicant_type",
    "applicant_name",
    "sent_at",
    "received_at",
    "due_date",
    "finished_at",
    "timeliness",
    "apology_count",
    "updated_at",
)
PublicRow = namedtuple("PublicRow", [*OWN_COLUMNS, "procedure_name", "procedure_updated_at", "agency_name"])


@functools.cache
def _public_dossier_sql(vendor: str) -> str:
    """The lookup's one statement, built once per process and database vendor (its quoting);
    identifiers only, the code and the draft status parameters.

    The procedure's and the agency's columns come from scalar subqueries on their primary keys,
    not joins: PostgreSQL planned the three-table join on every lookup, which cost three times
    the database CPU of reading the dossier alone (0.24 against 0.07 ms a statement here; the
    subqueries, 0.14)."""
    procedure = Dossier._meta.get_field("procedure").related_model
    agency = Dossier._meta.get_field("agency").related_model

    columns = [column("d", Dossier, name) for name in OWN_COLUMNS] + [
        related_value(procedure, "p", "name", column("d", Dossier, "procedure")),
        related_value(procedure, "p", "updated_at", column("d", Dossier, "procedure")),
        related_value(agency, "a", "name", column("d", Dossier, "agency")),
    ]
    where = f"{column('d', Dossier, 'code')} = %s AND {column('d', Dossier, 'status')} <> %s"
    return f"SELECT {', '.join(columns)} FROM {table(Dossier)} d WHERE {where}"  # noqa: S608


@functools.cache
def _spend_and_find_sql(vendor: str, with_history: bool) -> str:
    """The captcha spent and the dossier read in one PostgreSQL statement: the DELETE of
    ``captchas.spend_sql`` as a data-modifying CTE (run once, whatever the query reads of it),
    its expiry and answer beside the dossier's columns, on the one row the query always returns.
    The dossier is joined only when the captcha is live and answered (or the answer is accepted
    whatever the row: the test mode), so a refused captcha reads nothing of it and takes the
    same time for any code; NULLs for a captcha or a dossier that is not there.
    ``with_history``: and the public steps of ``_public_history_sql`` as one JSON array, oldest
    first."""
    spent = [column("spent", CaptchaStore, name) for name in ("expiration", "response")]
    history = ""
    if with_history:
        steps, order = _history_columns_and_order()
        dossier_id = f"found.{connection.ops.quote_name(Dossier._meta.pk.column)}"
        history = (
            f", (SELECT json_agg(json_build_array({steps}) ORDER BY {order}) FROM {table(History)} h"  # noqa: S608
            f" WHERE {column('h', History, 'dossier')} = {dossier_id})"
        )
    accepted = f"%s OR ({spent[0]} > now() AND {spent[1]} = %s)"
    return (
        f"WITH spent AS ({captchas.spend_sql()}) SELECT {', '.join(spent)}, found.*{history}"  # noqa: S608
        f" FROM (SELECT 1) AS one LEFT JOIN spent ON TRUE"
        f" LEFT JOIN ({_public_dossier_sql(vendor)}) AS found ON {accepted}"
    )


def spend_captcha_and_find(
    key: str, code: str, *, response: str, accept_any: bool = False, with_history: bool = False
) -> tuple[tuple | None, PublicDossier | None]:
    """Spend the captcha ``key`` (what ``captchas.spend_sql`` returns, for
    ``PortalCaptchaField.judge``) and, only if it was live and answered ``response`` (or
    ``accept_any``: the test mode's answer), read the dossier ``code`` as ``public_dossier``
    does, its history only when asked (an answer not rendered before). On PostgreSQL in one
    statement, one or two round trips fewer on the page any visitor can call as often as the
    rate limit allows (docs/benchmarks/load.md), and prepared (``prepared_cursor``): PostgreSQL
    plans it once per connection. SQLite has no data-modifying CTE: there, the statements in
    turn."""
    if connection.vendor != "postgresql":
        spent = captchas.spent_row(key)
        if not (accept_any or captchas.accepts(spent, response)):
            return spent, None
        return spent, public_dossier(code, with_history=with_history)
    with prepared_cursor() as cursor:
        cursor.execute(
            _spend_and_find_sql(connection.vendor, with_history),
            [key, code, DossierStatus.DRAFT.value, accept_any, response],
        )
        expiration, stored, *found = cursor.fetchone()
    spent = None if expiration is None else (expiration, stored)
    if found[0] is None:
        return spent, None
    if not with_history:
        return spent, _public_from_row(PublicRow(*found), history=None)
    *found, steps = found
    return spent, _public_from_row(PublicRow(*found), history=_history_entries(steps or ()))


def public_dossier(code: str, *, with_history: bool = True) -> PublicDossier | None:
    """Drafts are unknown to the public, exactly like codes that do not exist (2 queries; one
    without the history). The lookup's own read on SQLite (``spend_captcha_and_find``), and
    what its PostgreSQL statement is held to in the tests.

    One hand-written statement (built from the models' metadata): compiling the same query
    through the ORM, with its two joins, cost five times the Python of running it, on the page
    any anonymous visitor can call as often as the rate limit allows (docs/benchmarks/load.md).
    ``test_public_dossier_reads_what_the_orm_reads`` holds it to the ORM's answer."""
    with connection.cursor() as cursor:
        cursor.execute(_public_dossier_sql(connection.vendor), [code, DossierStatus.DRAFT.value])
        found = cursor.fetchone()
    if found is None:
        return None
    row = PublicRow(*found)
    return _public_from_row(row, history=public_history(row.id) if with_history else None)


def _public_from_row(row: PublicRow, *, history: list[PublicHistoryEntry] | None) -> PublicDossier:
    today = deadlines.today()
    due_date = date_value(row.due_date)
    organisation = row.applicant_type == AccountType.ORGANISATION
    return PublicDossier(
        code=row.code,
        procedure=row.procedure_name,
        agency=row.agency_name,
        status=row.status,
        status_label=DossierStatus(row.status).label,
        applicant=row.applicant_name if organisation else mask_person_name(row.applicant_name),
        sent_at=aware_datetime(row.sent_at),
        received_at=aware_datetime(row.received_at),
        due_date=due_date,
        finished_at=aware_datetime(row.finished_at),
        overdue=deadlines.is_overdue(row._replace(due_date=due_date), on=today),
        timeliness=row.timeliness,
        timeliness_label=Timeliness(row.timeliness).label if row.timeliness else "",
        apologies=row.apology_count,
        history=history,
        version=f"{row.id}:{aware_datetime(row.updated_at).timestamp()}:"
        f"{aware_datetime(row.procedure_updated_at).timestamp()}:{today}",
        pk=row.id,
    )


PUBLIC_HISTORY_COLUMNS = ("created_at", "action", "to_status", "note")


@functools.cache
def _public_history_sql(vendor: str) -> str:
    """The public steps of one dossier, oldest first, built once per process and database vendor;
    only the columns the public may see (never the internal note or the officer)."""
    columns, order = _history_columns_and_order()
    return (
        f"SELECT {columns} FROM {table(History)} h"  # noqa: S608 - identifiers from metadata
        f" WHERE {column('h', History, 'dossier')} = %s ORDER BY {order}"
    )


def public_history(dossier_id: int) -> list[PublicHistoryEntry]:
    """What the public may see of each step: status, time and the note meant for the citizen.

    Hand-written like ``public_dossier`` (read only when the answer is not cached: the ORM's
    compile and model instances were most of an uncached answer's cost);
    ``test_public_history_reads_what_the_orm_reads`` holds it to the ORM's answer."""
    with connection.cursor() as cursor:
        cursor.execute(_public_history_sql(connection.vendor), [dossier_id])
        rows = cursor.fetchall()
    return _history_entries(rows)


def _history_columns_and_order() -> tuple[str, str]:
    """The public columns of a history row (``h``) and the order of the steps: time, then id."""
    columns = ", ".join(column("h", History, name) for name in PUBLIC_HISTORY_COLUMNS)
    return columns, f"{column('h', History, 'created_at')}, {column('h', History, 'pk')}"


def _history_entries(rows) -> list[PublicHistoryEntry]:
    """Steps from rows of ``PUBLIC_HISTORY_COLUMNS`` (datetimes, or ISO text from JSON)."""
    return [
        PublicHistoryEntry(aware_datetime(created_at), history_title(action, to_status), note)
        for created_at, action, to_status, note in rows
    ]
