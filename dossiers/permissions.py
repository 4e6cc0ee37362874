"""Who in an agency may do what: memberships scope, Django groups and permissions decide.

* **Scope**: a staff user sees the dossiers (never drafts) of the agencies they are a member of
  (``AgencyMembership``); a superuser sees every dossier. ``selectors.dossier_visible_to`` and the
  admin's querysets are built from ``staff_agency_ids``.
* **Abilities**: each role is a Django group (``constants.ROLE_GROUPS``) holding permissions
  (``receive_dossier``, ``process_dossier``, ``apologise_dossier``). An officer may act on a
  dossier when their role *in the dossier's agency* maps to a group they belong to that has the
  permission: a receiver in agency A and a processor in agency B cannot process A's dossiers.
* **Assignment** (issue 20): in an agency where the officer is a *processing officer*, they see the
  dossiers assigned to them and the unassigned ones (to take one), not their colleagues';
  receivers and leaders see all of their agency's (``staff_dossier_q``).
"""

from django.contrib.auth.models import Permission
from django.db.models import Exists, Q, QuerySet

from accounts.models import User

from .constants import PERM_APOLOGISE, PERM_PROCESS, PERM_RECEIVE, ROLE_GROUPS, DossierStatus, StaffRole
from .models import AgencyMembership

ACTION_PERMISSIONS = frozenset({PERM_RECEIVE, PERM_PROCESS, PERM_APOLOGISE})
ALL_PERMISSIONS = frozenset({*ACTION_PERMISSIONS, "view_dossier"})


def is_back_office_user(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def back_office_may(user, codename: str = "view_dossier") -> bool:
    """A staff user who holds ``dossiers.<codename>`` through one of their agencies (a superuser
    always): the gate of every back-office list and action, before each agency's own scope."""
    return is_back_office_user(user) and (user.is_superuser or user.has_perm(f"dossiers.{codename}"))


def staff_agency_ids(user: User) -> QuerySet:
    """The ids of the agencies ``user`` works for, as a subquery (no query of its own)."""
    return AgencyMembership.objects.filter(user=user).values("agency_id")


def staff_dossier_q(user: User) -> Q:
    """The dossiers a (non-superuser) officer may see, as one filter with subqueries: every sent
    dossier of the agencies where they receive or lead; in those where they process, only theirs
    and the unassigned ones."""
    memberships = AgencyMembership.objects.filter(user=user)
    full = memberships.exclude(role=StaffRole.PROCESSOR).values("agency_id")
    processing = memberships.filter(role=StaffRole.PROCESSOR).values("agency_id")
    return ~Q(status=DossierStatus.DRAFT) & (
        Q(agency__in=full) | (Q(agency__in=processing) & (Q(assigned_to__isnull=True) | Q(assigned_to=user)))
    )


def agency_permissions(user: User, agency_id: int) -> frozenset[str]:
    """The dossier permissions ``user`` holds in one agency (1 query, then cached on the user)."""
    if not is_back_office_user(user):
        return frozenset()
    if user.is_superuser:
        return ALL_PERMISSIONS
    cache = user.__dict__.setdefault("_agency_permissions", {})
    if agency_id not in cache:
        role_in_group = Q()
        for role, group_name in ROLE_GROUPS.items():
            holds_role = Exists(
                AgencyMembership.objects.filter(user=user, agency_id=agency_id, role=role).values("pk")[:1]
            )
            role_in_group |= Q(group__name=group_name) & Q(holds_role)
        codenames = (
            Permission.objects.filter(role_in_group, group__user=user, content_type__app_label="dossiers")
            .values_list("codename", flat=True)
            .distinct()
        )
        cache[agency_id] = frozenset(codenames)
    return cache[agency_id]


def has_agency_permission(user: User, agency_id: int, codename: str) -> bool:
    return codename in agency_permissions(user, agency_id)


def members_of(agency_ids) -> QuerySet[AgencyMembership]:
    """Active staff memberships of some agencies (for the officers' digest)."""
    return AgencyMembership.objects.filter(agency_id__in=agency_ids, user__is_active=True, user__is_staff=True)


class BackOfficeReadOnly:
    """For a ModelAdmin whose rows staff only read (its ``get_queryset`` keeps their agencies'):
    never added, changed or deleted there; what staff do to them goes through services (actions)."""

    def has_view_permission(self, request, obj=None) -> bool:
        return back_office_may(request.user)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
