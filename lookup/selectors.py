"""Reads for the public lookup. Only what the public may see leaves this module: a masked name,
the procedure and agency, dates and statuses; never a note written by a citizen or an officer."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.constants import AccountType
from dossiers import deadlines
from dossiers import selectors as dossier_selectors
from dossiers.constants import DossierStatus, Timeliness
from dossiers.models import history_title

from .masking import mask_person_name

# The standard wording the public lookup shows for each status: the same for every dossier, so it
# can never carry what a citizen or an officer wrote about one of them.
STATUS_EXPLANATIONS = {
    DossierStatus.SENT: _("The dossier has been sent online. The agency will check it and receive it."),
    DossierStatus.RECEIVED: _("The agency has received the dossier. Processing starts within the time limit."),
    DossierStatus.REFUSED: _("The agency did not accept the dossier. The applicant has been told why by email."),
    DossierStatus.IN_PROGRESS: _("The agency is processing the dossier."),
    DossierStatus.SUPPLEMENT_REQUESTED: _(
        "The agency has asked the applicant for more documents or corrections; processing continues when they arrive."
    ),
    DossierStatus.FINISHED: _("The result is ready. The applicant has been told how to receive it."),
    DossierStatus.REJECTED: _("The agency has decided not to grant the request. The applicant has been told why."),
    DossierStatus.WITHDRAWN: _("The applicant withdrew the dossier. It will not be processed."),
}


@dataclass(frozen=True)
class PublicHistoryEntry:
    time: datetime.datetime
    title: str


@dataclass(frozen=True)
class PublicDossier:
    """A dossier as anyone holding its code may see it."""

    code: str
    procedure: str
    agency: str
    status: str
    status_label: str
    status_explanation: str
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


def public_dossier(code: str) -> PublicDossier | None:
    """The public view of the sent dossier ``code``; None for a draft, exactly as for a code that
    does not exist (2 queries: the dossier with its procedure and agency, then its steps)."""
    dossier = dossier_selectors.sent_dossier_by_code(code)
    if dossier is None:
        return None
    organisation = dossier.applicant_type == AccountType.ORGANISATION
    return PublicDossier(
        code=dossier.code,
        procedure=dossier.procedure.name,
        agency=dossier.agency.name,
        status=dossier.status,
        status_label=DossierStatus(dossier.status).label,
        status_explanation=str(STATUS_EXPLANATIONS.get(dossier.status, "")),
        applicant=dossier.applicant_name if organisation else mask_person_name(dossier.applicant_name),
        sent_at=dossier.sent_at,
        received_at=dossier.received_at,
        due_date=dossier.due_date,
        finished_at=dossier.finished_at,
        overdue=deadlines.is_overdue(dossier),
        timeliness=dossier.timeliness,
        timeliness_label=Timeliness(dossier.timeliness).label if dossier.timeliness else "",
        apologies=dossier.apology_count,
        history=[
            PublicHistoryEntry(step.created_at, history_title(step.action, step.to_status))
            for step in dossier.history.all()
        ],
    )
