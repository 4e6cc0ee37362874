"""Reads for the public lookup. Only what the public may see leaves this module."""

import datetime
from dataclasses import dataclass

from accounts.constants import AccountType
from dossiers import deadlines
from dossiers.constants import DossierStatus, Timeliness
from dossiers.models import Dossier, History

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
    history: list[PublicHistoryEntry]
    # Not shown: what the answer depends on (the dossier and its procedure as last saved, and the
    # day, for "overdue"), to cache its rendering; and the id, to read the history later.
    version: str = ""
    pk: int = 0


PUBLIC_COLUMNS = (
    "pk",
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
    "procedure__name",
    "procedure__updated_at",
    "agency__name",
)


def public_dossier(code: str, *, with_history: bool = True) -> PublicDossier | None:
    """Drafts are unknown to the public, exactly like codes that do not exist (2 queries; one
    without the history, which ``public_history`` reads when the answer is not cached).

    Plain values and no ordering (the code is unique): building model instances through
    ``select_related`` and ``first()``'s ``ORDER BY`` cost twice the Python of the query itself,
    on the page every anonymous visitor can call (docs/benchmarks/load.md)."""
    rows = list(
        Dossier.objects.filter(code=code, status__in=PUBLIC_STATUSES).values_list(*PUBLIC_COLUMNS, named=True)[:1]
    )
    if not rows:
        return None
    row = rows[0]
    today = deadlines.today()
    organisation = row.applicant_type == AccountType.ORGANISATION
    return PublicDossier(
        code=row.code,
        procedure=row.procedure__name,
        agency=row.agency__name,
        status=row.status,
        status_label=DossierStatus(row.status).label,
        applicant=row.applicant_name if organisation else mask_person_name(row.applicant_name),
        sent_at=row.sent_at,
        received_at=row.received_at,
        due_date=row.due_date,
        finished_at=row.finished_at,
        overdue=deadlines.is_overdue(row, on=today),
        timeliness=row.timeliness,
        timeliness_label=Timeliness(row.timeliness).label if row.timeliness else "",
        apologies=row.apology_count,
        history=public_history(row.pk) if with_history else [],
        version=f"{row.pk}:{row.updated_at.timestamp()}:{row.procedure__updated_at.timestamp()}:{today}",
        pk=row.pk,
    )


def public_history(dossier_id: int) -> list[PublicHistoryEntry]:
    """The steps the public may see: status, time and the note meant for the citizen."""
    entries = (
        History.objects.filter(dossier_id=dossier_id)
        .only("created_at", "action", "to_status", "note")
        .order_by("created_at", "pk")
    )
    return [PublicHistoryEntry(e.created_at, e.title, e.note) for e in entries]
