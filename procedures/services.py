"""Writes for the catalogue. Every path that changes a procedure (these services, the import
command, the admin) ends in ``procedure_refresh_search`` so the search columns never go stale."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import search
from .models import Agency, Field, MissedQuery, Procedure, Synonym
from .normalise import normalise
from .selectors import CACHE_VERSION_KEY, fresh_catalogue_version

logger = logging.getLogger(__name__)


def catalogue_changed() -> None:
    """Invalidate cached facet counts and the agency tree once the change is committed, then have
    a worker compute the new version's tree and plain list counts (tasks.catalogue_warm)."""

    def bump() -> None:
        try:
            cache.incr(CACHE_VERSION_KEY)
        except ValueError:  # not set yet, or evicted: a value no older key can carry
            # add, then incr: two nodes doing this at once still end on two different values.
            cache.add(CACHE_VERSION_KEY, fresh_catalogue_version(), None)
            with contextlib.suppress(ValueError):
                cache.incr(CACHE_VERSION_KEY)
        from .tasks import catalogue_warm

        try:
            catalogue_warm.delay()
        except Exception:  # broker unreachable: the first visitor computes them instead
            logger.warning("Could not enqueue the catalogue warm-up", exc_info=True)

    transaction.on_commit(bump)


@transaction.atomic
def procedure_refresh_search(*, procedure_ids: Iterable[int]) -> None:
    """Recompute the normalised and full-text columns (name, description, documents, agency and
    field names all feed them) for these procedures."""
    search.refresh(procedure_ids)
    catalogue_changed()


@transaction.atomic
def procedure_save(*, procedure: Procedure) -> Procedure:
    """Validate and save a procedure (its documents and form fields are saved by the caller in
    the same transaction), then refresh its search columns."""
    procedure.full_clean()
    procedure.save()
    procedure_refresh_search(procedure_ids=[procedure.pk])
    return procedure


@transaction.atomic
def procedures_set_published(*, procedures: QuerySet[Procedure], published: bool) -> int:
    """Publish or withdraw procedures; returns how many changed."""
    changed = procedures.exclude(is_published=published).update(is_published=published)
    catalogue_changed()
    return changed


@transaction.atomic
def agency_save(*, agency: Agency) -> Agency:
    """Save an agency; its procedures' search text carries its name, so refresh them."""
    agency.full_clean()
    ancestor, seen = agency.parent, set()
    while ancestor is not None and ancestor.pk not in seen:
        if agency.pk and ancestor.pk == agency.pk:
            raise ValidationError({"parent": _("An agency cannot be placed under itself or its own sub-agency.")})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent
    agency.save()
    procedure_refresh_search(procedure_ids=agency.procedures.values_list("pk", flat=True))
    return agency


@transaction.atomic
def field_save(*, field: Field) -> Field:
    field.full_clean()
    field.save()
    procedure_refresh_search(procedure_ids=field.procedures.values_list("pk", flat=True))
    return field


@transaction.atomic
def synonym_save(*, synonym: Synonym) -> Synonym:
    """Save an entry of the synonym dictionary; the next search uses it (the catalogue version
    moves on, so no cached page or count predates it). The missed query it answers leaves the
    list of searches without results."""
    synonym.key = normalise(synonym.term)[:100]
    if not synonym.key:
        raise ValidationError({"term": _("Type at least one letter or digit.")})
    if not normalise(synonym.meaning):
        raise ValidationError({"meaning": _("Type at least one letter or digit.")})
    synonym.full_clean()
    synonym.save()
    MissedQuery.objects.filter(query=synonym.key).delete()
    catalogue_changed()
    return synonym


# A missed query is stored without its numbers (ID card, phone, dossier code) and at this length.
MISSED_MAX_WORDS = 8


def missed_query_key(q: str) -> str:
    """What a search without results is counted under: normalised, words holding a digit left
    out (personal numbers are never stored), at most ``MISSED_MAX_WORDS`` words."""
    words = [word for word in normalise(q).split() if not any(ch.isdigit() for ch in word)]
    return " ".join(words[:MISSED_MAX_WORDS])[:200]


def missed_query_record(*, q: str) -> None:
    """Count a search that found nothing (one UPDATE; an INSERT the first time). Nothing about
    who searched is kept."""
    key = missed_query_key(q)
    if not key:
        return
    if MissedQuery.objects.filter(query=key).update(count=F("count") + 1, last_seen=timezone.now()):
        return
    try:
        with transaction.atomic():
            MissedQuery.objects.create(query=key)
    except IntegrityError:  # another request created it first
        MissedQuery.objects.filter(query=key).update(count=F("count") + 1, last_seen=timezone.now())
