"""The dossier status machine: one table of transitions and one function per transition.

Every transition function, citizen's or agency's, goes through ``_transition``, which
1. locks the dossier row (``select_for_update``): two requests can never both move one dossier;
2. recognises a replayed request by its token (``History.request_token``, unique per dossier) and
   returns the dossier as it is: a double click, a replayed POST or two tabs give one transition,
   one history row and one email;
3. refuses a move the table does not allow with ``TransitionError`` and a message for people;
4. applies the change, writes the history row and queues the owner's email, all in the same
   transaction (the email is an outbox row, delivered by Celery after the commit).

Citizen transitions (issue 4): send, withdraw, resubmit. The agency's (issue 5) are rows in the
same ``TRANSITIONS`` table and functions built the same way: receive (sent → received, sets the due
date), refuse (sent → refused), start (received → in progress), request_supplement (in progress →
supplement requested, fills ``supplement_request``/``supplement_due`` and stops the clock), finish
(in progress → finished), reject (in progress → rejected), apologise (in progress → in progress,
with a new appointment date). ``allowed_transitions`` lists the buttons to show for a status.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import notifications, wizard
from .constants import AttachmentKind, DossierStatus, WizardStep
from .models import Dossier, History

OWNER = "owner"
AGENCY = "agency"


class TransitionError(Exception):
    """A move the state machine refuses; ``messages`` are shown to the person as they are."""

    def __init__(self, *messages: str):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)


class DossierIncomplete(TransitionError):
    """Sending refused because something is missing; ``problems`` point at the wizard steps."""

    def __init__(self, problems: list[wizard.Problem]):
        self.problems = problems
        super().__init__(*(p.message for p in problems))


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    actor: str  # OWNER: only the dossier's owner; AGENCY: the receiving agency's staff (issue 5)
    label: Promise  # the action, as a button says it
    refusal: Promise  # why it cannot happen now; %(status)s is the current status
    email: str | None = None  # dossiers/email/<email>_*.txt, sent to the owner


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "send",
            frozenset({DossierStatus.DRAFT}),
            DossierStatus.SENT,
            OWNER,
            _("Send"),
            _("This dossier has already been sent (its status is “%(status)s”)."),
            email="sent",
        ),
        Transition(
            "withdraw",
            frozenset({DossierStatus.SENT}),
            DossierStatus.WITHDRAWN,
            OWNER,
            _("Withdraw"),
            _("Only a dossier the agency has not yet received can be withdrawn; this one is “%(status)s”."),
            email="withdrawn",
        ),
        Transition(
            "resubmit",
            frozenset({DossierStatus.SUPPLEMENT_REQUESTED}),
            DossierStatus.IN_PROGRESS,
            OWNER,
            _("Send the supplement"),
            _("The agency is not waiting for a supplement to this dossier (its status is “%(status)s”)."),
            email="resubmitted",
        ),
    )
}


def allowed_transitions(dossier: Dossier, *, actor: str | None = None) -> list[Transition]:
    """The transitions the dossier's current status allows (optionally only one actor's)."""
    return [t for t in TRANSITIONS.values() if dossier.status in t.sources and (actor is None or t.actor == actor)]


def can(dossier: Dossier, name: str) -> bool:
    return dossier.status in TRANSITIONS[name].sources


def parse_token(value) -> uuid.UUID | None:
    """The request token a form posted, or None when absent or malformed."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _status_label(status: str) -> str:
    return str(dict(DossierStatus.choices).get(status, status))


def _transition(
    name: str,
    *,
    dossier: Dossier,
    actor: User | None,
    note: str = "",
    internal_note: str = "",
    token: uuid.UUID | None = None,
    apply: Callable[[Dossier], None] | None = None,
) -> Dossier:
    """Lock, check, apply, record, notify: the body every transition shares (call inside atomic)."""
    transition = TRANSITIONS[name]
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("owner", "procedure", "agency")
        .get(pk=dossier.pk)
    )
    if token is not None and History.objects.filter(dossier=locked, request_token=token).exists():
        return locked  # the same request again: it has already been applied once
    if transition.actor == OWNER and (actor is None or locked.owner_id != actor.pk):
        raise TransitionError(gettext("Only the applicant can do this."))
    if locked.status not in transition.sources:
        raise TransitionError(transition.refusal % {"status": _status_label(locked.status)})
    from_status = locked.status
    if apply is not None:
        apply(locked)
    locked.status = transition.target
    locked.full_clean(exclude=["owner", "procedure", "agency"], validate_unique=False, validate_constraints=False)
    locked.save()
    entry = History.objects.create(
        dossier=locked,
        actor=actor,
        action=transition.name,
        from_status=from_status,
        to_status=transition.target,
        note=note,
        internal_note=internal_note,
        request_token=token,
    )
    if transition.email:
        notifications.notify(dossier=locked, event=transition.email, history=entry)
    return locked


# --- Citizen transitions ------------------------------------------------------------------


@transaction.atomic
def dossier_send(*, dossier: Dossier, user: User, token: uuid.UUID | None = None) -> Dossier:
    """Send a complete draft to the receiving agency (draft → sent) and confirm it by email.

    The applicant snapshot is frozen here: the email defaults to the account's, the procedure's
    processing time is copied so the receipt keeps what was promised.
    """

    def apply(locked: Dossier) -> None:
        fresh = Dossier.objects.prefetch_related("procedure__form_fields", "procedure__documents", "attachments").get(
            pk=locked.pk
        )
        problems = wizard.send_problems(fresh)
        if problems:
            raise DossierIncomplete(problems)
        locked.applicant_email = locked.applicant_email or locked.owner.email
        locked.processing_days = locked.procedure.processing_days
        locked.sent_at = timezone.now()
        locked.current_step = WizardStep.REVIEW

    return _transition("send", dossier=dossier, actor=user, token=token, apply=apply)


@transaction.atomic
def dossier_withdraw(*, dossier: Dossier, user: User, reason: str = "", token: uuid.UUID | None = None) -> Dossier:
    """The citizen takes back a dossier the agency has not yet received (sent → withdrawn)."""
    return _transition("withdraw", dossier=dossier, actor=user, note=reason, token=token)


@transaction.atomic
def dossier_resubmit(
    *,
    dossier: Dossier,
    user: User,
    answers: dict | None = None,
    note: str = "",
    token: uuid.UUID | None = None,
) -> Dossier:
    """The citizen answers a supplement request (supplement requested → in progress).

    New files were attached as supplements while the request was open; corrected answers replace
    the stored ones. Something must have been supplied: a file, a changed answer or a note.
    Issue 5 recomputes ``due_date`` here (the clock stopped at ``supplement_requested_at``).
    """

    def apply(locked: Dossier) -> None:
        changed = answers is not None and answers != (locked.form_data or {})
        new_files = locked.attachments.filter(kind=AttachmentKind.SUPPLEMENT)
        if locked.supplement_requested_at:
            new_files = new_files.filter(uploaded_at__gte=locked.supplement_requested_at)
        if not (changed or note.strip() or new_files.exists()):
            raise TransitionError(
                gettext("Add a file, correct an answer or write a note before sending the supplement.")
            )
        if changed:
            locked.form_data = answers

    return _transition("resubmit", dossier=dossier, actor=user, note=note.strip(), token=token, apply=apply)
