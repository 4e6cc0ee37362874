"""Reads for dossiers. Every query that takes a code from a URL starts from the user's scope.

``dossier_visible_to`` is the one access policy for reading: the owner sees their dossiers, the
receiving agency's staff see its sent dossiers (``dossiers.permissions``), and every page,
download and receipt follows automatically. ``dossiers_owned_by`` is what the applicant alone may
change; ``dossiers_for_staff`` is the back office's own scope. The views' ``get_queryset()``
return these, so a code outside them is a 404 exactly like a code that does not exist.
"""

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from accounts.models import User
from procedures.models import Procedure

from . import deadlines
from .constants import (
    ASSIGNABLE_STATUSES,
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    TAB_STATUSES,
    AttachmentKind,
    DossierStatus,
    ListTab,
    Queue,
    StaffRole,
)
from .models import (
    INTERNAL_ACTIONS,
    AgencyMembership,
    Apology,
    Attachment,
    Dossier,
    FileAccess,
    History,
    Result,
    StoredDocument,
)
from .permissions import is_back_office_user, staff_dossier_q


def citizen_history() -> QuerySet[History]:
    """The history rows a citizen (or the public lookup) may read: not the internal assignments."""
    return History.objects.exclude(action__in=INTERNAL_ACTIONS).order_by("created_at", "pk")


def dossier_visible_to(user: User) -> QuerySet[Dossier]:
    """The dossiers ``user`` may see (and, through the views, download from). Anonymous: none.

    A citizen sees their own; agency staff also see the sent dossiers of their agencies (never a
    draft: it is the citizen's private work until sent); a superuser sees all of them.
    """
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if is_back_office_user(user):
        if user.is_superuser:
            return Dossier.objects.all()
        return Dossier.objects.filter(Q(owner=user) | staff_dossier_q(user))
    return Dossier.objects.filter(owner=user)


def dossiers_for_staff(user: User) -> QuerySet[Dossier]:
    """The back office's scope: the dossiers of the officer's agencies, all of them for a superuser.

    Drafts stay private to the citizen; a superuser sees everything (drafts included). A
    processing officer sees their own and the unassigned dossiers (``permissions.staff_dossier_q``).
    """
    if not is_back_office_user(user):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    return Dossier.objects.filter(staff_dossier_q(user))


def dossier_for_back_office(*, user: User, pk) -> Dossier | None:
    """One dossier of the officer's scope with everything its admin page shows (constant queries)."""
    return (
        dossiers_for_staff(user)
        .select_related("procedure__agency", "procedure__field", "agency", "owner", "rating", "payment")
        .prefetch_related(
            "procedure__form_fields",
            "procedure__documents",
            Prefetch("attachments", queryset=Attachment.objects.select_related("result")),  # with their codes
            Prefetch("history", queryset=History.objects.select_related("actor").order_by("created_at", "pk")),
            Prefetch("apologies", queryset=Apology.objects.order_by("created_at", "pk")),
        )
        .filter(pk=pk)
        .first()
    )


def dossiers_owned_by(user: User) -> QuerySet[Dossier]:
    """The citizen's own dossiers: what the citizen may edit, send, withdraw, delete or rate."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(owner=user)


def procedures_open_for_dossiers() -> QuerySet[Procedure]:
    """The procedures a new dossier can be started for (published, agency active), with what the
    first step of the wizard shows."""
    return (
        Procedure.objects.select_related("agency", "field")
        .prefetch_related("documents", "form_fields")
        .filter(is_published=True, agency__is_active=True)
    )


def drafts_for_procedure(*, user: User, procedure: Procedure) -> QuerySet[Dossier]:
    return dossiers_owned_by(user).filter(procedure=procedure, status=DossierStatus.DRAFT).order_by("-updated_at")


def dossiers_for_wizard(user: User) -> QuerySet[Dossier]:
    """The owner's dossiers with everything a wizard step, the review or the supplement page shows
    (``wizard`` reads only what is loaded here: constant queries)."""
    return (
        dossiers_owned_by(user)
        .select_related("procedure__agency", "procedure__field", "agency", "owner")
        .prefetch_related("procedure__form_fields", "procedure__documents", "attachments")
    )


def dossiers_for_detail(user: User, *, own_only: bool = False) -> QuerySet[Dossier]:
    """The dossiers ``user`` may open, with their files and history, for the detail and receipt
    pages; ``own_only`` for what only the applicant may do (rating)."""
    dossiers = dossiers_owned_by(user) if own_only else dossier_visible_to(user)
    return dossiers.select_related(
        "procedure__agency", "procedure__field", "agency", "owner", "rating", "payment"
    ).prefetch_related(
        "procedure__form_fields",
        "procedure__documents",
        Prefetch("attachments", queryset=Attachment.objects.select_related("result")),  # with their codes
        Prefetch("history", queryset=citizen_history()),
    )


def attachments_for_download(*, user: User, code: str) -> QuerySet[Attachment]:
    """The files of one dossier ``user`` may see: the only way to a stored file."""
    return Attachment.objects.select_related("dossier").filter(dossier__in=dossier_visible_to(user), dossier__code=code)


def dossier_list(*, user: User, tab: str = ListTab.ALL, query: str = "") -> QuerySet[Dossier]:
    """My dossiers for one tab and an optional code search, newest change first. The rows'
    history and result files are read by ``dossier_row_details``, only for the rows whose
    rendering is not cached."""
    dossiers = dossiers_owned_by(user)
    statuses = TAB_STATUSES.get(tab)
    if statuses:
        dossiers = dossiers.filter(status__in=statuses)
    query = (query or "").strip().upper()
    if query:
        dossiers = dossiers.filter(code__icontains=query)
    # Only what a row shows: a dossier also carries its answers and applicant snapshot.
    return (
        dossiers.select_related("procedure", "payment")
        .only(
            "code",
            "status",
            "sent_at",
            "updated_at",
            "due_date",
            "owner_id",
            "procedure__name",
            "procedure__updated_at",
            "payment__status",
            "payment__amount",
            "payment__updated_at",
        )
        .order_by("-updated_at", "-pk")
    )


def dossier_row_version(dossier: Dossier) -> str:
    """What a row of "My dossiers" depends on. Every change a row shows saves the dossier (a
    transition saves it before writing its history entry and result files; an upload touches
    ``updated_at``), and the procedure's name comes with the procedure's own ``updated_at``."""
    version = f"{dossier.pk}:{dossier.updated_at.timestamp()}:{dossier.procedure.updated_at.timestamp()}"
    try:
        payment = dossier.payment  # the fee's state changes without saving the dossier
    except ObjectDoesNotExist:
        return version
    return f"{version}:{payment.updated_at.timestamp()}"


def dossier_row_details(dossiers: list[Dossier]) -> None:
    """The processing history and result files of these rows (two queries, whatever their number)."""
    prefetch_related_objects(
        dossiers,
        Prefetch("history", queryset=citizen_history()),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind=AttachmentKind.RESULT).order_by("pk"),
            to_attr="result_files",
        ),
    )


def dossier_tab_counts(*, user: User) -> dict[str, int]:
    """How many of the owner's dossiers each tab of "My dossiers" holds: one ``GROUP BY status``
    on the owner's index, folded into the tabs here."""
    per_status = dict(dossiers_owned_by(user).order_by().values_list("status").annotate(Count("pk")))
    counts = {ListTab.ALL.value: sum(per_status.values())}
    for tab, statuses in TAB_STATUSES.items():
        counts[tab.value] = sum(per_status.get(status, 0) for status in statuses)
    return counts


def latest_draft(*, user: User) -> Dossier | None:
    return (
        dossiers_owned_by(user)
        .filter(status=DossierStatus.DRAFT)
        .select_related("procedure")
        .order_by("-updated_at")
        .first()
    )


def most_used_procedures(*, limit: int = 6) -> list[dict]:
    """Published procedures with the most dossiers sent (drafts do not count), for the home page:
    dicts of procedure_code, procedure_name, agency_name and dossier_count.

    An aggregate over every dossier: cached for ten minutes, so the home page pays one cache read.
    """

    def build() -> list[dict]:
        return list(
            Dossier.objects.exclude(status=DossierStatus.DRAFT)
            .filter(procedure__is_published=True)
            .order_by()
            .values(
                procedure_code=F("procedure__code"),
                procedure_name=F("procedure__name"),
                agency_name=F("procedure__agency__name"),
            )
            .annotate(dossier_count=Count("pk"))
            .order_by("-dossier_count", "procedure_code")[:limit]
        )

    return cache.get_or_set(f"dossiers:most-used:{limit}", build, timeout=600)


def sent_dossier_by_code(code: str) -> dict | None:
    """What the public lookup may show of a dossier that has been sent, by its code: its own
    public columns with its procedure's and agency's names, and ``steps`` (time, action, new
    status) in order; None for a draft, as for an unknown code (2 queries). Plain values: the
    public page needs nothing of the models, and nothing personal leaves this function."""
    found = Dossier.objects.exclude(status=DossierStatus.DRAFT).filter(code=code).values("pk", *PUBLIC_COLUMNS).first()
    if found is not None:
        steps = citizen_history().filter(dossier_id=found["pk"])
        found["steps"] = list(steps.values_list("created_at", "action", "to_status"))
    return found


# What the public lookup shows of a dossier: never the citizen's identity, contact or notes.
PUBLIC_COLUMNS = (
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
    "procedure__name",
    "agency__name",
)


# --- Electronic results and the document store (issue 22) ----------------------------------


def result_by_code(code: str) -> Result | None:
    """A result by its code, for the public verification page, with its issuing agency (1 query).
    The page shows the agency, the dates, the status and the file's hash: nothing of the person."""
    return Result.objects.select_related("agency").filter(code=code).first()


def results_for_staff(user: User) -> QuerySet[Result]:
    """The results of the dossiers in the officer's scope (what they may revoke)."""
    return Result.objects.filter(dossier__in=dossiers_for_staff(user)).select_related("dossier", "agency")


def results_of_dossier(dossier: Dossier) -> dict[int, Result]:
    """The dossier's results by attachment id (1 query), for the pages that list its files."""
    return {r.attachment_id: r for r in Result.objects.filter(dossier=dossier)}


def store_documents(user: User) -> QuerySet[StoredDocument]:
    """The citizen's document store: results and kept files, newest first (deleted ones gone)."""
    if not getattr(user, "is_authenticated", False):
        return StoredDocument.objects.none()
    return StoredDocument.objects.filter(owner=user, deleted_at__isnull=True).select_related("result")


def store_choices(user: User) -> list[StoredDocument]:
    """What the wizard's "Chọn từ kho giấy tờ" offers (1 query), valid results and kept files."""
    return list(
        store_documents(user)
        .exclude(result__status="revoked")
        .only("pk", "kind", "name", "created_at", "size", "document_id", "source", "result__status")
    )


def file_accesses_for(user: User, *, limit: int = 100) -> list[FileAccess]:
    """Who opened the citizen's files, newest first, with the agency (1 query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(FileAccess.objects.filter(owner=user).select_related("agency")[:limit])


def attachment_for_keeping(*, user: User, code: str, pk: int) -> Attachment | None:
    """One of the citizen's own files of their dossier ``code``, to keep in their store."""
    return (
        Attachment.objects.select_related("dossier", "document", "stored")
        .filter(dossier__in=dossiers_owned_by(user), dossier__code=code, pk=pk)
        .exclude(kind=AttachmentKind.RESULT)
        .first()
    )


# --- The officers' queues (issue 20) -------------------------------------------------------


def queue_q(queue: str, *, user: User, cutoff, now=None) -> Q | None:
    """The filter of one work queue (``constants.Queue``) inside the officer's scope, or None."""
    if queue == Queue.WAITING:
        return Q(status=DossierStatus.SENT)
    if queue == Queue.MINE:
        return Q(assigned_to=user, status__in=ASSIGNABLE_STATUSES)
    if queue == Queue.UNASSIGNED:
        return Q(assigned_to__isnull=True, status__in=OPEN_STATUSES)
    if queue == Queue.DUE_SOON:
        return deadlines.due_soon_q(cutoff=cutoff)
    if queue == Queue.OVERDUE:
        return deadlines.overdue_q() | deadlines.reception_overdue_q(now)
    if queue == Queue.ANSWERED:
        return Q(status=DossierStatus.IN_PROGRESS, supplement_requested_at__isnull=False)
    return None


# The order each queue is worked in: the oldest waiting first; the nearest due date first.
QUEUE_ORDERING: dict[str, tuple] = {
    Queue.WAITING: (F("sent_at").asc(), "pk"),
    Queue.DUE_SOON: (F("due_date").asc(), "pk"),
    Queue.OVERDUE: (F("due_date").asc(nulls_first=True), F("reception_due_at").asc(), "pk"),
}


def queue_counts(*, user: User, cutoff) -> dict:
    """How many dossiers each queue holds for the officer, and when the oldest waiting one was
    sent: one query whatever the number of queues."""
    now = timezone.now()
    figures = {
        queue.value: Count("pk", filter=queue_q(queue.value, user=user, cutoff=cutoff, now=now)) for queue in Queue
    }
    return dossiers_for_staff(user).aggregate(
        **figures, oldest_waiting=Min("sent_at", filter=Q(status=DossierStatus.SENT))
    )


def officer_load(*, user: User, cutoff) -> list:
    """The open dossiers per processing officer of the agencies ``user`` leads (a superuser: all),
    with how many are overdue and due soon (one query)."""
    memberships = AgencyMembership.objects.filter(role__in=(StaffRole.PROCESSOR, StaffRole.LEADER))
    if not user.is_superuser:
        memberships = memberships.filter(
            agency__in=AgencyMembership.objects.filter(user=user, role=StaffRole.LEADER).values("agency_id")
        )
    mine = Q(user__assigned_dossiers__agency=F("agency"), user__assigned_dossiers__status__in=OPEN_STATUSES)
    overdue = Q(user__assigned_dossiers__due_date__lt=deadlines.today()) & Q(
        user__assigned_dossiers__status__in=CLOCK_RUNNING_STATUSES
    )
    soon = Q(
        user__assigned_dossiers__due_date__gte=deadlines.today(),
        user__assigned_dossiers__due_date__lte=cutoff,
        user__assigned_dossiers__status__in=CLOCK_RUNNING_STATUSES,
    )
    return list(
        memberships.select_related("user", "agency")
        .annotate(
            open_count=Count("user__assigned_dossiers", filter=mine),
            overdue_count=Count("user__assigned_dossiers", filter=mine & overdue),
            due_soon_count=Count("user__assigned_dossiers", filter=mine & soon),
        )
        .order_by("agency__name", "-open_count", "user__email")
    )
