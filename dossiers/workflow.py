"""The dossier status machine: one table of transitions and one function per transition.

Every transition function, citizen's or agency's, goes through ``_transition``, which
1. locks the dossier row (``select_for_update``): two requests can never both move one dossier;
2. recognises a replayed request by its token (``History.request_token``, unique per dossier) and
   returns the dossier as it is: a double click, a replayed POST or two tabs give one transition,
   one history row and one email;
3. refuses a move the table does not allow with ``TransitionError`` and a message for people, and
   an agency move by anyone whose role in the dossier's agency lacks the transition's permission;
4. applies the change, writes the history row and queues the owner's email, all in the same
   transaction (the email is an outbox row, delivered by Celery after the commit).

Citizen transitions (issue 4): send, withdraw, resubmit. The agency's (issue 5) are rows in the
same ``TRANSITIONS`` table and functions built the same way: receive (sent → received, sets the due
date), refuse (sent → refused), start (received → in progress), request_supplement (in progress →
supplement requested, fills ``supplement_request``/``supplement_due`` and stops the clock), finish
(in progress → finished), reject (in progress → rejected), apologise (in progress → in progress,
with a new appointment date). ``allowed_transitions`` lists the buttons to show for a status,
``officer_transitions`` those an officer's role allows. Deadlines: ``dossiers.deadlines``.
Every transition but ``start`` emails the citizen (``start`` changes nothing for them).

Issue 20 adds the officers' own moves, rows of the same table: assign and reassign (a receiver or
leader gives the dossier to a processing officer of the agency), take (a processing officer takes
an unassigned dossier; starting one does it too), all three leaving the status as it is (``target``
None) and invisible to the citizen (``INTERNAL_ACTIONS``); and transfer (liên thông: the dossier
goes to another agency with a reason and is sent there afresh, the clock restarting with its
reception deadline; the citizen is told). Sending sets the 8-working-hour reception deadline.
"""

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import deadlines, notifications, results, wizard
from .constants import (
    ASSIGNABLE_STATUSES,
    PERM_APOLOGISE,
    PERM_PROCESS,
    PERM_RECEIVE,
    AttachmentKind,
    DossierStatus,
    ResultDelivery,
    StaffRole,
    StoreSource,
    WizardStep,
)
from .models import AgencyMembership, Apology, Attachment, Dossier, History, Result, StoredDocument
from .payments import services as payment_services
from .payments.constants import SETTLED_STATUSES
from .payments.models import Payment
from .permissions import agency_permissions, has_agency_permission

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


class NotConfirmed(TransitionError):
    """The confirmation code given with a send did not pass; the errors are on the caller's form."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str | None  # None: the status stays (an apology, an assignment)
    actor: str  # OWNER: only the dossier's owner; AGENCY: the receiving agency's staff (issue 5)
    label: Promise  # the action, as a button says it
    refusal: Promise  # why it cannot happen now; %(status)s is the current status
    email: str | None = None  # dossiers/email/<email>_*.txt, sent to the owner
    permission: str | None = None  # AGENCY: the permission the officer needs in the dossier's agency
    help: Promise | str = ""  # what the action does, shown beside the button in the back office


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
        # --- The agency's (issue 5) ---
        Transition(
            "receive",
            frozenset({DossierStatus.SENT}),
            DossierStatus.RECEIVED,
            AGENCY,
            _("Receive"),
            _("Only a sent dossier can be received; this one is “%(status)s”."),
            email="received",
            permission=PERM_RECEIVE,
            help=_("The dossier is complete and valid: the due date is set in working days from today."),
        ),
        Transition(
            "refuse",
            frozenset({DossierStatus.SENT}),
            DossierStatus.REFUSED,
            AGENCY,
            _("Do not accept"),
            _("Only a sent dossier can be refused at reception; this one is “%(status)s”."),
            email="refused",
            permission=PERM_RECEIVE,
            help=_("The dossier cannot be accepted: tell the citizen why."),
        ),
        Transition(
            "start",
            frozenset({DossierStatus.RECEIVED}),
            DossierStatus.IN_PROGRESS,
            AGENCY,
            _("Start processing"),
            _("Only a received dossier can be started; this one is “%(status)s”."),
            permission=PERM_PROCESS,
            help=_("An officer starts examining the dossier."),
        ),
        Transition(
            "request_supplement",
            frozenset({DossierStatus.IN_PROGRESS}),
            DossierStatus.SUPPLEMENT_REQUESTED,
            AGENCY,
            _("Ask for a supplement"),
            _("A supplement can only be asked for a dossier in progress; this one is “%(status)s”."),
            email="supplement_requested",
            permission=PERM_PROCESS,
            help=_("The clock stops until the citizen sends the supplement."),
        ),
        Transition(
            "finish",
            frozenset({DossierStatus.IN_PROGRESS}),
            DossierStatus.FINISHED,
            AGENCY,
            _("Finish with a result"),
            _("Only a dossier in progress can be finished; this one is “%(status)s”."),
            email="finished",
            permission=PERM_PROCESS,
            help=_("Attach the result files, or give the date the result can be collected."),
        ),
        Transition(
            "reject",
            frozenset({DossierStatus.IN_PROGRESS}),
            DossierStatus.REJECTED,
            AGENCY,
            _("Reject"),
            _("Only a dossier in progress can be rejected; this one is “%(status)s”."),
            email="rejected",
            permission=PERM_PROCESS,
            help=_("The request cannot be granted: tell the citizen why."),
        ),
        Transition(
            "apologise",
            frozenset({DossierStatus.IN_PROGRESS}),
            DossierStatus.IN_PROGRESS,
            AGENCY,
            _("Apologise and set a new date"),
            _("An apology with a new date is possible only for a dossier in progress; this one is “%(status)s”."),
            email="apology",
            permission=PERM_APOLOGISE,
            help=_(
                "The dossier will be late: the citizen gets an apology and a new appointment date. It counts as late."
            ),
        ),
        # --- The officers' own (issue 20) ---
        Transition(
            "assign",
            frozenset(ASSIGNABLE_STATUSES),
            None,
            AGENCY,
            _("Assign to an officer"),
            _("Only an open dossier can be assigned; this one is “%(status)s”."),
            permission=PERM_RECEIVE,
            help=_("Give the dossier to a processing officer of the agency."),
        ),
        Transition(
            "reassign",
            frozenset(ASSIGNABLE_STATUSES),
            None,
            AGENCY,
            _("Reassign"),
            _("Only an open dossier can be reassigned; this one is “%(status)s”."),
            permission=PERM_RECEIVE,
            help=_("Give the dossier to another processing officer of the agency."),
        ),
        Transition(
            "take",
            frozenset(ASSIGNABLE_STATUSES),
            None,
            AGENCY,
            _("Take this dossier"),
            _("Only an open dossier can be taken; this one is “%(status)s”."),
            permission=PERM_PROCESS,
            help=_("The dossier is assigned to you."),
        ),
        Transition(
            "transfer",
            frozenset({DossierStatus.SENT, DossierStatus.RECEIVED, DossierStatus.IN_PROGRESS}),
            DossierStatus.SENT,
            AGENCY,
            _("Transfer to another agency"),
            _(
                "Only a dossier not yet decided, and not waiting for a supplement, can be transferred; "
                "this one is “%(status)s”."
            ),
            email="transferred",
            permission=PERM_RECEIVE,
            help=_(
                "The dossier goes to the other agency's reception queue with your reason; the citizen is told. "
                "The processing time starts again when that agency receives it."
            ),
        ),
    )
}


def allowed_transitions(dossier: Dossier, *, actor: str | None = None) -> list[Transition]:
    """The transitions the dossier's current status allows (optionally only one actor's)."""
    return [t for t in TRANSITIONS.values() if dossier.status in t.sources and (actor is None or t.actor == actor)]


def _fits_assignment(transition: Transition, dossier: Dossier) -> bool:
    """Assign a dossier nobody has, reassign one somebody has, take only an unassigned one."""
    if transition.name in ("assign", "take"):
        return dossier.assigned_to_id is None
    if transition.name == "reassign":
        return dossier.assigned_to_id is not None
    return True


def officer_transitions(dossier: Dossier, user: User) -> list[Transition]:
    """The agency's buttons for this dossier: allowed by its status and by the officer's role there."""
    held = agency_permissions(user, dossier.agency_id)
    return [
        t for t in allowed_transitions(dossier, actor=AGENCY) if t.permission in held and _fits_assignment(t, dossier)
    ]


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
    extra: dict | None = None,
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
    if transition.actor == AGENCY and (
        actor is None or not has_agency_permission(actor, locked.agency_id, transition.permission)
    ):
        raise TransitionError(gettext("Your role in the receiving agency does not allow this action."))
    if locked.status not in transition.sources:
        raise TransitionError(transition.refusal % {"status": _status_label(locked.status)})
    from_status = locked.status
    if apply is not None:
        apply(locked)
    locked.status = transition.target or from_status
    locked.full_clean(exclude=["owner", "procedure", "agency"], validate_unique=False, validate_constraints=False)
    locked.save()
    entry = History.objects.create(
        dossier=locked,
        actor=actor,
        action=transition.name,
        from_status=from_status,
        to_status=locked.status,
        note=note,
        internal_note=internal_note,
        request_token=token,
    )
    if transition.email:
        notifications.notify(dossier=locked, event=transition.email, history=entry, extra=extra)
    return locked


# --- Citizen transitions ------------------------------------------------------------------


@transaction.atomic
def dossier_send(
    *,
    dossier: Dossier,
    user: User,
    token: uuid.UUID | None = None,
    confirm: Callable[[], bool] | None = None,
) -> Dossier:
    """Send a complete draft to the receiving agency (draft → sent) and confirm it by email.

    ``confirm`` is the page's confirmation-code check. It runs under the row lock, after the
    replay check, because a confirmation code is spent when checked: a double click waits for the
    first send and is then recognised by its token, instead of failing on a code the first request
    has already used. When it fails, ``NotConfirmed`` is raised and the form holds the errors.

    The applicant snapshot is frozen here: the email defaults to the account's, the procedure's
    processing time is copied so the receipt keeps what was promised.
    """

    def apply(locked: Dossier) -> None:
        if confirm is not None and not confirm():
            raise NotConfirmed()
        fresh = Dossier.objects.prefetch_related("procedure__form_fields", "procedure__documents", "attachments").get(
            pk=locked.pk
        )
        problems = wizard.send_problems(fresh)
        if problems:
            raise DossierIncomplete(problems)
        locked.applicant_email = locked.applicant_email or locked.owner.email
        locked.processing_days = locked.procedure.processing_days
        locked.sent_at = timezone.now()
        locked.reception_due_at = deadlines.reception_deadline(locked.sent_at)
        locked.current_step = WizardStep.REVIEW
        if payment_services.is_pay_first(locked):
            payment_services.payment_request_create(dossier=locked)  # "Chờ thanh toán" in the email

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
    The clock starts again: the due date becomes today plus the working days that were left
    when the supplement was requested (``dossiers.deadlines``).
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
        # The clock starts again: the working days left at the request, counted from today.
        locked.due_date = deadlines.due_date_after_resume(
            deadlines.today(), locked.paused_remaining_days, locked.due_date
        )
        locked.paused_remaining_days = None

    return _transition("resubmit", dossier=dossier, actor=user, note=note.strip(), token=token, apply=apply)


# --- Agency transitions -------------------------------------------------------------------
# Each takes the officer as ``user``; ``_transition`` checks the officer's role in the dossier's
# agency (``dossiers.permissions``) besides the status. ``note`` is shown to the citizen (history,
# email), ``internal_note`` only to staff.


def _mark_reception(locked: Dossier) -> None:
    """Whether the reception deadline was kept (the statistics count the late ones)."""
    locked.reception_late = bool(locked.reception_due_at and timezone.now() > locked.reception_due_at)


@transaction.atomic
def dossier_receive(
    *,
    dossier: Dossier,
    user: User,
    note: str = "",
    internal_note: str = "",
    token: uuid.UUID | None = None,
    start: bool = False,
) -> Dossier:
    """Tiếp nhận (sent → received): the processing clock starts; due = today + N working days.

    With ``start`` the officer also starts processing it at once (a second transition and history
    row, and the dossier is theirs): one click for the officer who does both.
    """

    def apply(locked: Dossier) -> None:
        locked.received_at = timezone.now()
        days = locked.processing_days if locked.processing_days is not None else locked.procedure.processing_days
        locked.processing_days = days
        locked.due_date = deadlines.due_date_for(deadlines.local_day(locked.received_at), days)
        # The fee request with the catalogue's amount, if sending did not create it; the officer
        # may change the amount (with a reason) or waive it in the payment's admin page.
        payment_services.payment_request_create(dossier=locked, actor=user)
        _mark_reception(locked)

    received = _transition(
        "receive", dossier=dossier, actor=user, note=note, internal_note=internal_note, token=token, apply=apply
    )
    if start and received.status == DossierStatus.RECEIVED:
        return dossier_start(dossier=received, user=user)
    return received


def _require(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise TransitionError(message)
    return text


@transaction.atomic
def dossier_refuse(
    *, dossier: Dossier, user: User, reason: str, internal_note: str = "", token: uuid.UUID | None = None
) -> Dossier:
    """Không tiếp nhận (sent → refused), with the reason the citizen reads."""
    reason = _require(reason, gettext("Give the reason the dossier is not accepted."))
    return _transition(
        "refuse",
        dossier=dossier,
        actor=user,
        note=reason,
        internal_note=internal_note,
        token=token,
        apply=_mark_reception,
    )


@transaction.atomic
def dossier_start(*, dossier: Dossier, user: User, internal_note: str = "", token: uuid.UUID | None = None) -> Dossier:
    """Received → in progress: an officer takes the dossier up (no email: nothing changes for the citizen).
    A toàn trình dossier whose fee is neither paid nor waived waits (issue 21); an unassigned
    dossier becomes the starting officer's (so it is in their queue from now on).
    """

    def apply(locked: Dossier) -> None:
        payment = Payment.objects.filter(dossier=locked).first()
        if payment is not None and payment.pay_first and payment.status not in SETTLED_STATUSES:
            raise TransitionError(
                gettext(
                    "The fee of this dossier must be paid (or waived) before processing starts; it is “%(status)s”."
                )
                % {"status": payment.get_status_display()}
            )
        if locked.assigned_to_id is None:
            locked.assigned_to = user

    return _transition("start", dossier=dossier, actor=user, internal_note=internal_note, token=token, apply=apply)


@transaction.atomic
def dossier_request_supplement(
    *,
    dossier: Dossier,
    user: User,
    request: str,
    reply_by: datetime.date,
    documents: dict[str, str] | None = None,
    fields: list[str] | None = None,
    internal_note: str = "",
    token: uuid.UUID | None = None,
) -> Dossier:
    """In progress → supplement requested: the clock stops with the working days left (deadlines.py).

    ``documents`` says what is missing per document ({document pk: text}) and ``fields`` which
    declaration answers the citizen may correct: the supplement page shows only those."""
    request = _require(request, gettext("Write what the citizen must supplement."))
    if reply_by is None or reply_by <= deadlines.today():
        raise TransitionError(gettext("The reply-by date must be after today."))

    def apply(locked: Dossier) -> None:
        if not deadlines.WorkingCalendar.from_database().is_working_day(reply_by):
            raise TransitionError(gettext("The reply-by date must be a working day."))
        now = timezone.now()
        locked.supplement_request = request
        locked.supplement_requested_at = now
        locked.supplement_due = reply_by
        locked.supplement_documents = {str(pk): text for pk, text in (documents or {}).items()}
        locked.supplement_fields = list(fields or [])
        locked.paused_remaining_days = deadlines.remaining_when_paused(deadlines.local_day(now), locked.due_date)

    return _transition(
        "request_supplement",
        dossier=dossier,
        actor=user,
        note=request,
        internal_note=internal_note,
        token=token,
        apply=apply,
    )


def _decide(locked: Dossier) -> None:
    """The decision's time and whether it kept the due date (statistics read both)."""
    locked.finished_at = timezone.now()
    locked.timeliness = deadlines.timeliness_for(
        deadlines.local_day(locked.finished_at), locked.due_date, apologised=locked.apology_count > 0
    )


def _store_result_file(*, locked: Dossier, user: User, checked, signed, stored: list) -> Attachment:
    """One result file as an attachment; a signed PDF also as a ``Result`` with its code, and in
    the citizen's document store."""
    attachment = Attachment(
        dossier=locked,
        kind=AttachmentKind.RESULT,
        original_name=checked.original_name,
        name=checked.name,
        size=len(signed.data) if signed else checked.size,
        content_type=checked.content_type,
        sha256=signed.sha256 if signed else checked.sha256,
        uploaded_by=user,
    )
    attachment.file.save(checked.name, ContentFile(signed.data) if signed else checked.upload, save=False)
    stored.append((attachment.file.storage, attachment.file.name))
    attachment.save()
    if signed is None:
        return attachment
    result = Result(
        code=signed.code,
        dossier=locked,
        number=signed.number,
        attachment=attachment,
        agency=locked.agency,
        signer=signed.signer,
        sha256=signed.sha256,
        timestamped=signed.timestamped,
        issued_at=signed.signed_at,
    )
    result.full_clean(exclude=["dossier", "attachment", "agency"], validate_constraints=False)
    result.save()
    StoredDocument.objects.create(
        owner=locked.owner,
        source=StoreSource.RESULT,
        kind=(gettext("Result: %(procedure)s") % {"procedure": locked.procedure.name})[:255],
        result=result,
        dossier=locked,
        dossier_code=locked.code,
        file=attachment.file.name,  # the dossier's file, borrowed: results are never deleted
        name=attachment.name,
        size=attachment.size,
        content_type=attachment.content_type,
        sha256=attachment.sha256,
    )
    return attachment


@transaction.atomic
def _finish(
    *,
    dossier: Dossier,
    user: User,
    result_files: list,
    signed: list,
    pickup_date: datetime.date | None,
    tracking_number: str,
    note: str,
    internal_note: str,
    token: uuid.UUID | None,
    stored: list,
) -> Dossier:
    signed_by_file = {id(s.checked): s for s in signed}

    def apply(locked: Dossier) -> None:
        if locked.result_delivery == ResultDelivery.ONLINE and not result_files:
            raise TransitionError(gettext("The citizen chose to receive the result online: attach the result files."))
        if locked.result_delivery == ResultDelivery.POST and not tracking_number:
            raise TransitionError(gettext("The citizen chose delivery by post: give the postal tracking number."))
        if not result_files and pickup_date is None and not tracking_number:
            raise TransitionError(gettext("Attach the result files or give the date the result can be collected."))
        if pickup_date is not None and pickup_date < deadlines.today():
            raise TransitionError(gettext("The pickup date cannot be in the past."))
        for checked in result_files:
            _store_result_file(
                locked=locked, user=user, checked=checked, signed=signed_by_file.get(id(checked)), stored=stored
            )
        locked.result_pickup_date = pickup_date
        locked.postal_tracking_number = tracking_number
        _decide(locked)

    return _transition(
        "finish",
        dossier=dossier,
        actor=user,
        note=note,
        internal_note=internal_note,
        token=token,
        apply=apply,
        extra={"results": [f.name for f in result_files], "result_codes": [s.code for s in signed]},
    )


def dossier_finish(
    *,
    dossier: Dossier,
    user: User,
    result_files: list | None = None,
    pickup_date: datetime.date | None = None,
    tracking_number: str = "",
    note: str = "",
    internal_note: str = "",
    token: uuid.UUID | None = None,
) -> Dossier:
    """In progress → finished, with result files (``files.CheckedFile``, checked by the form) for
    online delivery and/or the date the result can be collected, or the postal tracking number of
    a result sent by post (required then); records whether it was on time.

    Each PDF result is signed with the agency's certificate and gets a code (``dossiers.results``)
    before the transaction: a PDF that cannot be signed, or an agency without a certificate, is a
    ``TransitionError`` for the officer and nothing changes. Result files do not count against the
    citizen's upload limits. They are written to storage inside the transaction; if it rolls back
    they are removed again (Django has no rollback hook).
    """
    result_files = list(result_files or [])
    signed = []
    if can(dossier, "finish"):  # otherwise the transition refuses, with its own message
        try:
            signed = results.sign_results(
                dossier=dossier,
                result_files=result_files,
                first_number=Result.objects.filter(dossier=dossier).count() + 1,
            )
        except results.ResultNotSigned as exc:
            raise TransitionError(exc.message) from None
    stored: list = []
    try:
        return _finish(
            dossier=dossier,
            user=user,
            result_files=result_files,
            signed=signed,
            pickup_date=pickup_date,
            tracking_number=(tracking_number or "").strip()[:40],
            note=note.strip(),
            internal_note=internal_note,
            token=token,
            stored=stored,
        )
    except BaseException:
        for storage, name in stored:
            storage.delete(name)
        raise


@transaction.atomic
def dossier_reject(
    *, dossier: Dossier, user: User, reason: str, internal_note: str = "", token: uuid.UUID | None = None
) -> Dossier:
    """In progress → rejected (the request is not granted), with the reason; a decision, timed like a result."""
    reason = _require(reason, gettext("Give the reason the request is rejected."))
    return _transition(
        "reject", dossier=dossier, actor=user, note=reason, internal_note=internal_note, token=token, apply=_decide
    )


@transaction.atomic
def dossier_apologise(
    *,
    dossier: Dossier,
    user: User,
    new_due_date: datetime.date,
    reason: str,
    internal_note: str = "",
    token: uuid.UUID | None = None,
) -> Dossier:
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả: a new appointment date; the dossier counts as late."""
    reason = _require(reason, gettext("Explain to the citizen why the dossier will be late."))
    calendar = deadlines.WorkingCalendar.from_database()
    if new_due_date is None or new_due_date <= deadlines.today():
        raise TransitionError(gettext("The new appointment date must be after today."))
    if not calendar.is_working_day(new_due_date):
        raise TransitionError(gettext("The new appointment date must be a working day."))
    apology: list[Apology] = []

    def apply(locked: Dossier) -> None:
        if locked.due_date and new_due_date <= locked.due_date:
            raise TransitionError(
                gettext("The new appointment date must be after the current one (%(date)s).")
                % {"date": locked.due_date.strftime("%d/%m/%Y")}
            )
        apology.append(
            Apology.objects.create(
                dossier=locked, actor=user, previous_due_date=locked.due_date, new_due_date=new_due_date, reason=reason
            )
        )
        locked.due_date = new_due_date
        locked.apology_count += 1

    note = gettext("%(reason)s\nNew appointment date for the result: %(date)s.") % {
        "reason": reason,
        "date": new_due_date.strftime("%d/%m/%Y"),
    }
    return _transition(
        "apologise",
        dossier=dossier,
        actor=user,
        note=note,
        internal_note=internal_note,
        token=token,
        apply=apply,
        extra={"reason": reason},
    )


# --- The officers' own moves (issue 20) ---------------------------------------------------


def assignable_officers(agency_id: int):
    """The memberships whose officer can be given a dossier of the agency: processors and leaders."""
    return (
        AgencyMembership.objects.filter(
            agency_id=agency_id, role__in=(StaffRole.PROCESSOR, StaffRole.LEADER), user__is_active=True
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def _officer_name(user: User | None) -> str:
    if user is None:
        return "—"
    return user.full_name or user.email


@transaction.atomic
def dossier_assign(
    *, dossier: Dossier, user: User, assignee: User, internal_note: str = "", token: uuid.UUID | None = None
) -> Dossier:
    """A receiver or leader gives the dossier to a processing officer of its agency (assign, or
    reassign when it already had one); the history row says from whom to whom, for staff only."""
    before = dossier.assigned_to
    name = "reassign" if before is not None else "assign"

    def apply(locked: Dossier) -> None:
        if not assignable_officers(locked.agency_id).filter(user=assignee).exists():
            raise TransitionError(gettext("This officer does not process dossiers in the receiving agency."))
        if locked.assigned_to_id == assignee.pk:
            raise TransitionError(
                gettext("The dossier is already assigned to %(name)s.") % {"name": _officer_name(assignee)}
            )
        locked.assigned_to = assignee

    line = gettext("Assigned: %(before)s → %(after)s") % {
        "before": _officer_name(before),
        "after": _officer_name(assignee),
    }
    return _transition(
        name,
        dossier=dossier,
        actor=user,
        internal_note="\n".join(filter(None, [line, internal_note.strip()])),
        token=token,
        apply=apply,
    )


@transaction.atomic
def dossier_take(*, dossier: Dossier, user: User, internal_note: str = "", token: uuid.UUID | None = None) -> Dossier:
    """A processing officer takes an unassigned dossier of their agency."""

    def apply(locked: Dossier) -> None:
        if locked.assigned_to_id is not None and locked.assigned_to_id != user.pk:
            raise TransitionError(
                gettext("This dossier is already assigned to %(name)s.") % {"name": _officer_name(locked.assigned_to)}
            )
        if locked.assigned_to_id == user.pk:
            raise TransitionError(gettext("This dossier is already yours."))
        locked.assigned_to = user

    return _transition("take", dossier=dossier, actor=user, internal_note=internal_note, token=token, apply=apply)


@transaction.atomic
def dossier_transfer(
    *,
    dossier: Dossier,
    user: User,
    to_agency,
    reason: str,
    internal_note: str = "",
    token: uuid.UUID | None = None,
) -> Dossier:
    """Liên thông: the dossier goes to ``to_agency`` with a reason the citizen reads.

    It arrives there as sent (in the new agency's "waiting to be received" queue) with a new
    8-working-hour reception deadline; the reception and due dates and the assignment are cleared,
    since the processing time runs from the new agency's reception. The history keeps both agencies.
    """
    reason = _require(reason, gettext("Give the reason for the transfer."))
    origin: list[str] = []

    def apply(locked: Dossier) -> None:
        if to_agency is None or to_agency.pk == locked.agency_id or not to_agency.is_active:
            raise TransitionError(gettext("Choose another, active agency to transfer the dossier to."))
        origin.append(locked.agency.name)
        now = timezone.now()
        locked.agency = to_agency
        locked.assigned_to = None
        locked.received_at = None
        locked.due_date = None
        locked.paused_remaining_days = None
        locked.reception_late = False
        locked.reception_due_at = deadlines.reception_deadline(now)

    note = gettext("Transferred to %(agency)s. Reason: %(reason)s") % {"agency": to_agency.name, "reason": reason}
    return _transition(
        "transfer",
        dossier=dossier,
        actor=user,
        note=note,
        internal_note=internal_note,
        token=token,
        apply=apply,
        extra={"reason": reason, "from_agency": origin},
    )


# The function behind each agency button (the back office calls ``AGENCY_FUNCTIONS[name]``).
AGENCY_FUNCTIONS: dict[str, Callable[..., Dossier]] = {
    "receive": dossier_receive,
    "refuse": dossier_refuse,
    "start": dossier_start,
    "request_supplement": dossier_request_supplement,
    "finish": dossier_finish,
    "reject": dossier_reject,
    "apologise": dossier_apologise,
    "assign": dossier_assign,
    "reassign": dossier_assign,
    "take": dossier_take,
    "transfer": dossier_transfer,
}
