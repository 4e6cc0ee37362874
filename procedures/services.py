"""Writes for the catalogue. Every path that changes a procedure (these services, the import
command, the admin) ends in ``procedure_refresh_search`` so the search columns never go stale."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import search
from .models import Agency, Field, Procedure
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
