"""Reads for dossiers. Every query that takes a code from a URL goes through ``dossier_visible_to``.

``dossier_visible_to`` is the one access policy: the owner sees their dossiers, the receiving
agency's staff see its sent dossiers (``dossiers.permissions``), and every view, download and
receipt follows automatically. ``dossiers_for_staff`` is the back office's own scope.
"""

import functools
import hashlib

from django.db import connection
from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects

from accounts.models import User
from portal.sqlvalues import aware_datetime, column, related_value, table
from procedures.models import Procedure

from .constants import TAB_STATUSES, AttachmentKind, DossierStatus, ListTab
from .models import Apology, Attachment, Dossier, History
from .permissions import is_back_office_user, staff_agency_ids


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
        return Dossier.objects.filter(
            Q(owner=user) | (Q(agency__in=staff_agency_ids(user)) & ~Q(status=DossierStatus.DRAFT))
        )
    return Dossier.objects.filter(owner=user)


def dossiers_for_staff(user: User) -> QuerySet[Dossier]:
    """The back office's scope: the dossiers of the officer's agencies, all of them for a superuser.

    Drafts stay private to the citizen; a superuser sees everything (drafts included).
    """
    if not is_back_office_user(user):
        return Dossier.objects.none()
    if user.is_superuser:
        return Dossier.objects.all()
    return Dossier.objects.filter(agency__in=staff_agency_ids(user)).exclude(status=DossierStatus.DRAFT)


def dossier_for_back_office(*, user: User, pk) -> Dossier | None:
    """One dossier of the officer's scope with everything its admin page shows (constant queries)."""
    return (
        dossiers_for_staff(user)
        .select_related("procedure__agency", "procedure__field", "agency", "owner", "rating")
        .prefetch_related(
            "procedure__form_fields",
            "procedure__documents",
            "attachments",
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


def procedure_for_new_dossier(code: str) -> Procedure | None:
    return (
        Procedure.objects.select_related("agency", "field")
        .prefetch_related("documents", "form_fields")
        .filter(code=code, is_published=True, agency__is_active=True)
        .first()
    )


def drafts_for_procedure(*, user: User, procedure: Procedure) -> QuerySet[Dossier]:
    return dossiers_owned_by(user).filter(procedure=procedure, status=DossierStatus.DRAFT).order_by("-updated_at")


def dossier_for_wizard(*, user: User, code: str) -> Dossier | None:
    """An owner's dossier with everything a wizard step or the review shows (4 queries)."""
    return (
        dossiers_owned_by(user)
        .select_related("procedure__agency", "procedure__field", "agency", "owner")
        .prefetch_related("procedure__form_fields", "procedure__documents", "attachments")
        .filter(code=code)
        .first()
    )


def dossier_detail(*, user: User, code: str) -> Dossier | None:
    """A dossier with its files and history for the detail, receipt and supplement pages."""
    return (
        dossier_visible_to(user)
        .select_related("procedure__agency", "procedure__field", "agency", "owner", "rating")
        .prefetch_related(
            "procedure__form_fields",
            "procedure__documents",
            "attachments",
            Prefetch("history", queryset=History.objects.order_by("created_at", "pk")),
        )
        .filter(code=code)
        .first()
    )


def attachment_for_download(*, user: User, code: str, pk: int) -> Attachment | None:
    return (
        Attachment.objects.select_related("dossier")
        .filter(dossier__in=dossier_visible_to(user), dossier__code=code, pk=pk)
        .first()
    )


def dossier_list(*, user: User, tab: str = ListTab.ALL, query: str = "") -> QuerySet[Dossier]:
    """My dossiers for one tab and an optional code search, newest change first. The rows'
    history and result files are read by ``dossier_row_details``, only for the rows whose
    rendering is not cached."""
    qs = dossiers_owned_by(user)
    statuses = TAB_STATUSES.get(tab)
    if statuses:
        qs = qs.filter(status__in=statuses)
    query = (query or "").strip().upper()
    if query:
        qs = qs.filter(code__icontains=query)
    # Only what a row shows (a dossier also carries its answers and applicant snapshot).
    return qs.select_related("procedure").only(*ROW_COLUMNS).order_by("-updated_at", "-pk")


ROW_COLUMNS = ("code", "status", "sent_at", "updated_at", "owner_id", "procedure__name", "procedure__updated_at")


def dossier_row_version(dossier: Dossier) -> str:
    """What a row of "My dossiers" depends on. Every change a row shows saves the dossier (a
    transition saves it before writing its history entry and result files, so ``updated_at``
    moves), and the procedure's name comes with the procedure's own ``updated_at``."""
    return f"{dossier.pk}:{dossier.updated_at.timestamp()}:{dossier.procedure.updated_at.timestamp()}"


def dossier_row_details(dossiers: list[Dossier]) -> None:
    """The processing history and result files of these rows (two queries, whatever their number)."""
    if not dossiers:
        return
    prefetch_related_objects(
        dossiers,
        Prefetch("history", queryset=History.objects.order_by("created_at", "pk")),
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind=AttachmentKind.RESULT).order_by("pk"),
            to_attr="result_files",
        ),
    )


def dossier_list_state(*, user: User) -> tuple[dict[str, int], str]:
    """How many dossiers each tab holds, and a version of every row "My dossiers" can show for
    this owner, from one ``GROUP BY status`` on the owner's index (folding it into tabs in
    Python is cheaper than compiling a filtered count per tab).

    Every change a row shows saves its dossier (see ``dossier_row_version``), which gives it the
    newest ``updated_at`` of its status; a dossier deleted or moved to another status changes
    the counts; a renamed procedure has a newer ``updated_at``. So the counts and the newest
    ``updated_at`` of the dossiers and of their procedures, per status, change whenever any row
    on any tab or page does: the whole page can be cached on them (``DossierListView``).

    One hand-written statement (built from the models' metadata): it runs on every visit of the
    page, cached or not, and the ORM's compile of the aggregate was most of a cached page's
    Python (docs/benchmarks/load.md). ``test_list_state_reads_what_the_orm_reads`` holds it to
    the ORM's answer.
    """
    per_status: dict[str, int] = {}
    parts = []
    if getattr(user, "is_authenticated", False):
        with connection.cursor() as cursor:
            cursor.execute(_list_state_sql(connection.vendor), [user.pk])
            rows = sorted(cursor.fetchall())
        for status, n, last, renamed in rows:
            per_status[status] = n
            parts.append(f"{status}:{n}:{aware_datetime(last).timestamp()}:{aware_datetime(renamed).timestamp()}")
    counts = {ListTab.ALL.value: sum(per_status.values())}
    for tab, statuses in TAB_STATUSES.items():
        counts[str(tab.value if hasattr(tab, "value") else tab)] = sum(per_status.get(s, 0) for s in statuses)
    return counts, hashlib.sha1(";".join(parts).encode(), usedforsecurity=False).hexdigest()


@functools.cache
def _list_state_sql(vendor: str) -> str:
    """Built once per process and database vendor (its quoting); identifiers only, the owner a
    parameter. Each dossier's procedure version from a scalar subquery on its key rather than
    a join: PostgreSQL planned the join on every request, a third more database CPU than the
    subqueries' index reads (0.28 against 0.21 ms a statement for 46 dossiers, the benchmark's
    mean)."""
    status = column("d", Dossier, "status")
    renamed = related_value(Procedure, "p", "updated_at", column("d", Dossier, "procedure"))
    where = f"{column('d', Dossier, 'owner')} = %s"
    return (
        f"SELECT {status}, COUNT(*), MAX({column('d', Dossier, 'updated_at')}), MAX({renamed})"  # noqa: S608
        f" FROM {table(Dossier)} d WHERE {where} GROUP BY {status}"
    )


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
    from django.core.cache import cache

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


def sent_dossier_by_code(code: str) -> Dossier | None:
    """A dossier that has been sent, by its code, for the public lookup: its procedure and agency
    joined, its steps prefetched in order with only the columns the public may see (2 queries).
    A draft is nobody's business but its owner's, so it is not found."""
    steps = History.objects.only("dossier_id", "action", "to_status", "created_at").order_by("created_at", "pk")
    return (
        Dossier.objects.exclude(status=DossierStatus.DRAFT)
        .select_related("procedure", "agency")
        .prefetch_related(Prefetch("history", queryset=steps))
        .filter(code=code)
        .first()
    )
