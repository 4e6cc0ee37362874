"""The officer's work queues on the admin home (issue 20): counts and links, the load per officer.

A template tag rather than a custom admin site: the home page is Django's own, extended in
``templates/admin/index.html``, and the figures come from ``dossiers.selectors`` (two queries).
"""

from dataclasses import dataclass

from django import template
from django.urls import reverse

from dossiers import deadlines, selectors
from dossiers.constants import Queue
from dossiers.models import AgencyMembership
from dossiers.permissions import back_office_may

register = template.Library()


@dataclass(frozen=True)
class QueueLink:
    key: str
    label: str
    count: int
    url: str


@register.simple_tag(takes_context=True)
def officer_queues(context) -> dict | None:
    """The queues of the requesting officer, or None for someone without the dossier list."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not back_office_may(user):
        return None
    cutoff = deadlines.due_soon_cutoff()
    counts = selectors.queue_counts(user=user, cutoff=cutoff)
    base = reverse("admin:dossiers_dossier_changelist")
    queues = [QueueLink(q.value, str(q.label), counts[q.value], f"{base}?queue={q.value}") for q in Queue]
    oldest = counts["oldest_waiting"]
    leads = user.is_superuser or AgencyMembership.objects.filter(user=user, role="leader").exists()
    return {
        "queues": queues,
        "oldest_waiting": oldest,
        "load": selectors.officer_load(user=user, cutoff=cutoff) if leads else None,
    }
