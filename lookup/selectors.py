"""Reads for the public lookup. Only what the public may see leaves this module."""

import datetime
from dataclasses import dataclass

from dossiers import deadlines
from dossiers.constants import DossierStatus
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


def public_dossier(code: str, *, with_history: bool = True) -> PublicDossier | None:
    """Drafts are unknown to the public, exactly like codes that do not exist (2 queries; one
    without the history, which ``public_history`` reads when the answer is not cached)."""
    dossier = (
        Dossier.objects.select_related("procedure", "agency")
        .only(
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
        .filter(code=code, status__in=PUBLIC_STATUSES)
        .first()
    )
    if dossier is None:
        return None
    today = deadlines.today()
    return PublicDossier(
        code=dossier.code,
        procedure=dossier.procedure.name,
        agency=dossier.agency.name,
        status=dossier.status,
        status_label=dossier.get_status_display(),
        applicant=dossier.applicant_name if dossier.is_organisation else mask_person_name(dossier.applicant_name),
        sent_at=dossier.sent_at,
        received_at=dossier.received_at,
        due_date=dossier.due_date,
        finished_at=dossier.finished_at,
        overdue=deadlines.is_overdue(dossier, on=today),
        timeliness=dossier.timeliness,
        timeliness_label=dossier.get_timeliness_display() if dossier.timeliness else "",
        apologies=dossier.apology_count,
        history=public_history(dossier.pk) if with_history else [],
        version=f"{dossier.pk}:{dossier.updated_at.timestamp()}:{dossier.procedure.updated_at.timestamp()}:{today}",
        pk=dossier.pk,
    )


def public_history(dossier_id: int) -> list[PublicHistoryEntry]:
    """The steps the public may see: status, time and the note meant for the citizen."""
    entries = (
        History.objects.filter(dossier_id=dossier_id)
        .only("created_at", "action", "to_status", "note")
        .order_by("created_at", "pk")
    )
    return [PublicHistoryEntry(e.created_at, e.title, e.note) for e in entries]
