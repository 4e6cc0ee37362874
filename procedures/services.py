"""Writes for the catalogue. Every path that changes a procedure (these services, the import
command, the admin) ends in ``procedure_refresh_search`` so the search columns never go stale."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import search
from .models import Agency, Field, MissedQuery, Procedure, SearchedQuery, Synonym
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
    list of searches without results (and its counts of openings start again)."""
    synonym.key = normalise(synonym.term)[:100]
    if not synonym.key:
        raise ValidationError({"term": _("Type at least one letter or digit.")})
    if not normalise(synonym.meaning):
        raise ValidationError({"meaning": _("Type at least one letter or digit.")})
    synonym.full_clean()
    synonym.save()
    MissedQuery.objects.filter(query=synonym.key).delete()
    SearchedQuery.objects.filter(query=synonym.key).delete()  # counted afresh with the synonym
    catalogue_changed()
    return synonym


# A counted query is stored without its numbers (ID card, phone, dossier code) and at this length.
SEARCH_KEY_MAX_WORDS = 8


def search_query_key(q: str) -> str:
    """What a search is counted under (with or without results): normalised, words holding a
    digit left out (personal numbers are never stored), at most ``SEARCH_KEY_MAX_WORDS`` words."""
    words = [word for word in normalise(q).split() if not any(ch.isdigit() for ch in word)]
    return " ".join(words[:SEARCH_KEY_MAX_WORDS])[:200]


def _may_add_counted_query() -> bool:
    """Whether one more query may start being counted this hour (``SEARCH_STATS_NEW_PER_HOUR``,
    counted in the cache): a bot sending random words cannot fill the tables; the queries already
    counted keep counting."""
    key = f"procedures:counted-queries:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, 2 * 60 * 60)
    try:
        added = cache.incr(key)
    except ValueError:  # evicted between the two calls
        added = 1
    return added <= settings.SEARCH_STATS_NEW_PER_HOUR


def _count_query(model: type[MissedQuery | SearchedQuery], key: str, column: str) -> None:
    """Add one to ``column`` of the row of ``key`` (one UPDATE), or create the row the first time
    (within the hourly limit)."""
    now = timezone.now()
    if model.objects.filter(query=key).update(**{column: F(column) + 1}, last_seen=now):
        return
    if not _may_add_counted_query():
        return
    try:
        with transaction.atomic():
            model.objects.create(query=key)
    except IntegrityError:  # another request created it first
        model.objects.filter(query=key).update(**{column: F(column) + 1}, last_seen=now)


def search_record(*, q: str, found: bool) -> None:
    """Count a search (``MissedQuery`` when it found nothing, else ``SearchedQuery``). Nothing
    about who searched is kept."""
    key = search_query_key(q)
    if key:
        _count_query(MissedQuery if not found else SearchedQuery, key, "count" if not found else "searches")


def search_result_opened(*, q: str) -> None:
    """Count the opening of a result of the search ``q`` (one UPDATE). Only a query already
    counted by ``search_record`` is updated: an opening never adds a row."""
    key = search_query_key(q)
    if key:
        SearchedQuery.objects.filter(query=key).update(opens=F("opens") + 1)


def search_stats_purge(*, older_than_days: int) -> int:
    """Delete the counted queries nobody has searched for ``older_than_days`` days (both lists);
    returns how many."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    missed, _ = MissedQuery.objects.filter(last_seen__lt=cutoff).delete()
    searched, _ = SearchedQuery.objects.filter(last_seen__lt=cutoff).delete()
    return missed + searched
