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
    timeliness: str  # "" while undecided, else early / on_time / late
    timeliness_label: str
    apologies: int
    history: list[PublicHistoryEntry]

    @property
    def overdue(self) -> bool:
        return deadlines.is_overdue(self)


def public_dossier(code: str) -> PublicDossier | None:
    """The public view of the sent dossier ``code``; None for a draft, exactly as for a code that
    does not exist (2 queries: the dossier with its procedure's and agency's names, its steps)."""
    found = dossier_selectors.sent_dossier_by_code(code)
    if found is None:
        return None
    organisation = found["applicant_type"] == AccountType.ORGANISATION
    return PublicDossier(
        code=found["code"],
        procedure=found["procedure__name"],
        agency=found["agency__name"],
        status=found["status"],
        status_label=DossierStatus(found["status"]).label,
        status_explanation=str(STATUS_EXPLANATIONS.get(found["status"], "")),
        applicant=found["applicant_name"] if organisation else mask_person_name(found["applicant_name"]),
        sent_at=found["sent_at"],
        received_at=found["received_at"],
        due_date=found["due_date"],
        finished_at=found["finished_at"],
        timeliness=found["timeliness"],
        timeliness_label=Timeliness(found["timeliness"]).label if found["timeliness"] else "",
        apologies=found["apology_count"],
        history=[
            PublicHistoryEntry(created_at, history_title(action, to_status))
            for created_at, action, to_status in found["steps"]
        ],
    )


@dataclass(frozen=True)
class PublicResult:
    """An electronic result as anyone holding its code may see it: who issued it, when, whether
    it still stands, and the fingerprint of the issued file. Nothing about the person."""

    code: str
    agency: str
    issued_at: datetime.datetime
    revoked: bool
    revoked_at: datetime.datetime | None
    sha256: str


def public_result(code: str) -> PublicResult | None:
    """The public view of the result ``code``, or None (1 query)."""
    result = dossier_selectors.result_by_code(code)
    if result is None:
        return None
    return PublicResult(
        code=result.code,
        agency=result.agency.name,
        issued_at=result.issued_at,
        revoked=result.is_revoked,
        revoked_at=result.revoked_at,
        sha256=result.sha256,
    )
