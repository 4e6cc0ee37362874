"""Reads for dossiers. Every query that takes a code from a URL goes through ``dossier_visible_to``.

``dossier_visible_to`` is the one access policy: today the owner sees their dossiers; the back
office (issue 5) extends it with the receiving agency's staff, and every view, download and
receipt follows automatically.
"""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from procedures.models import Procedure

from .constants import TAB_STATUSES, AttachmentKind, DossierStatus, ListTab
from .models import Attachment, Dossier, History


def dossier_visible_to(user: User) -> QuerySet[Dossier]:
    """The dossiers ``user`` may see (and, through the views, download from). Anonymous: none."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(owner=user)


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
    """My dossiers for one tab and an optional code search, with what each row shows (3 queries a page)."""
    qs = dossiers_owned_by(user)
    statuses = TAB_STATUSES.get(tab)
    if statuses:
        qs = qs.filter(status__in=statuses)
    query = (query or "").strip().upper()
    if query:
        qs = qs.filter(code__icontains=query)
    return (
        qs.select_related("procedure")
        .prefetch_related(
            Prefetch("history", queryset=History.objects.order_by("created_at", "pk")),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(kind=AttachmentKind.RESULT).order_by("pk"),
                to_attr="result_files",
            ),
        )
        .order_by("-updated_at", "-pk")
    )


def dossier_tab_counts(*, user: User) -> dict[str, int]:
    """How many dossiers each tab holds, in one query."""
    aggregates = {ListTab.ALL.value: Count("pk")}
    for tab, statuses in TAB_STATUSES.items():
        aggregates[str(tab.value if hasattr(tab, "value") else tab)] = Count("pk", filter=Q(status__in=statuses))
    return dossiers_owned_by(user).aggregate(**aggregates)


def latest_draft(*, user: User) -> Dossier | None:
    return (
        dossiers_owned_by(user)
        .filter(status=DossierStatus.DRAFT)
        .select_related("procedure")
        .order_by("-updated_at")
        .first()
    )
