"""The officers' daily digest: due-soon and overdue dossiers of their agencies, by email."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.services import email_queue

from . import deadlines
from .constants import StaffRole
from .models import AgencyMembership, Dossier, OfficerDigest
from .notifications import absolute_url


def send_officer_digests(on: datetime.date | None = None) -> int:
    """Queue one digest per officer with something due soon or overdue; returns how many were queued."""
    today = on or deadlines.today()
    cutoff = deadlines.due_soon_cutoff(today)
    dossiers = list(
        Dossier.objects.filter(deadlines.overdue_q(today) | deadlines.due_soon_q(cutoff=cutoff, on=today))
        .select_related("procedure", "agency")
        .order_by("due_date", "code")
    )
    by_agency: dict[int, list[Dossier]] = defaultdict(list)
    for dossier in dossiers:
        by_agency[dossier.agency_id].append(dossier)
    if not by_agency:
        return 0
    memberships = AgencyMembership.objects.filter(
        agency_id__in=list(by_agency), user__is_active=True, user__is_staff=True
    ).select_related("user")
    officers: dict[int, tuple] = {}
    for membership in memberships:
        user, items = officers.setdefault(membership.user_id, (membership.user, []))
        listed = by_agency[membership.agency_id]
        if membership.role == StaffRole.PROCESSOR:  # their own and the unassigned (permissions.staff_dossier_q)
            listed = [d for d in listed if d.assigned_to_id in (None, membership.user_id)]
        items.extend(listed)
    done = set(OfficerDigest.objects.filter(day=today, user_id__in=list(officers)).values_list("user_id", flat=True))
    sent = 0
    for user_id, (user, items) in officers.items():
        if user_id in done or not items:
            continue
        overdue = [d for d in items if deadlines.is_overdue(d, today)]
        due_soon = [d for d in items if d not in overdue]
        try:
            with transaction.atomic():
                OfficerDigest.objects.create(user=user, day=today, dossier_count=len(items))
                email_queue(_render(user, today=today, overdue=overdue, due_soon=due_soon))
        except IntegrityError:  # another run got there first
            continue
        sent += 1
    return sent


def _render(user, *, today: datetime.date, overdue: list[Dossier], due_soon: list[Dossier]) -> EmailMultiAlternatives:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        rows = lambda items: [  # noqa: E731
            (d, absolute_url(reverse("admin:dossiers_dossier_change", args=[d.pk]))) for d in items
        ]
        context = {
            "user": user,
            "today": today,
            "overdue": rows(overdue),
            "due_soon": rows(due_soon),
            "admin_url": absolute_url(reverse("admin:dossiers_dossier_changelist")),
        }
        subject = render_to_string("dossiers/email/officer_digest_subject.txt", context)
        body = render_to_string("dossiers/email/officer_digest_message.txt", context)
        return EmailMultiAlternatives(
            subject=" ".join(subject.split()), body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
        )
