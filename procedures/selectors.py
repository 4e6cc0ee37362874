"""Reads for the catalogue. Every page gets its rows in a fixed number of queries."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet

from . import search
from .models import Agency, Field, FormField, Procedure, RequiredDocument

CACHE_VERSION_KEY = "procedures:catalogue-version"
CACHE_TIMEOUT = 60 * 60


def catalogue_version() -> int:
    """A counter bumped by every catalogue write (services.catalogue_changed): cached facet counts
    and the agency tree are keyed on it, so nothing stale outlives a change."""
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(CACHE_VERSION_KEY, version, None)
    return int(version)


def _cached(name: str, builder, *parts):
    digest = hashlib.sha1(json.dumps(parts, default=str).encode(), usedforsecurity=False).hexdigest()
    key = f"procedures:{name}:{catalogue_version()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = builder()
        cache.set(key, value, CACHE_TIMEOUT)
    return value


@dataclass(frozen=True)
class AgencyNode:
    code: str
    name: str
    level: str
    depth: int
    pk: int
    parent_id: int | None
    descendant_ids: tuple[int, ...]  # itself included


@dataclass
class AgencyTree:
    nodes: list[AgencyNode]  # depth-first, children under their parent, by name
    by_code: dict[str, AgencyNode] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_code = {node.code: node for node in self.nodes}


def _build_agency_tree() -> AgencyTree:
    rows = list(Agency.objects.filter(is_active=True).order_by("name").values("pk", "code", "name", "level", "parent"))
    active = {row["pk"] for row in rows}
    children: dict[int | None, list[dict]] = defaultdict(list)
    for row in rows:
        parent = row["parent"] if row["parent"] in active else None
        children[parent].append(row)
    nodes: list[AgencyNode] = []

    def walk(parent: int | None, depth: int) -> list[int]:
        collected: list[int] = []
        for row in children.get(parent, []):
            index = len(nodes)
            nodes.append(None)  # type: ignore[arg-type]  # placeholder, filled once descendants are known
            below = walk(row["pk"], depth + 1) if depth < 10 else []
            ids = (row["pk"], *below)
            nodes[index] = AgencyNode(
                row["code"], row["name"], row["level"], depth, row["pk"], row["parent"], tuple(ids)
            )
            collected.extend(ids)
        return collected

    walk(None, 0)
    return AgencyTree(nodes=nodes)


def agency_tree() -> AgencyTree:
    """Active agencies as a tree (ministry → department → district → commune), cached."""
    return _cached("agency-tree", _build_agency_tree)


def field_list() -> list[tuple[str, str]]:
    return _cached("fields", lambda: list(Field.objects.order_by("name").values_list("code", "name")))


@dataclass
class CatalogueQuery:
    q: str = ""
    agency: str = ""  # codes, already validated
    field: str = ""
    level: str = ""


@dataclass
class CatalogueResult:
    queryset: QuerySet[Procedure]  # ordered, with agency and field joined
    fuzzy: bool
    counts: dict[str, dict[str, int]]


def _filtered(query: CatalogueQuery, tree: AgencyTree, *, fuzzy: bool, skip: str = "") -> QuerySet[Procedure]:
    qs = Procedure.objects.published()
    if query.agency and skip != "agency":
        qs = qs.filter(agency_id__in=tree.by_code[query.agency].descendant_ids)
    if query.field and skip != "field":
        qs = qs.filter(field__code=query.field)
    if query.level and skip != "level":
        qs = qs.filter(service_level=query.level)
    return search.apply(qs, query.q, fuzzy=fuzzy)


def _facet_counts(query: CatalogueQuery, tree: AgencyTree, *, fuzzy: bool) -> dict[str, dict[str, int]]:
    """Each filter's choices counted with the *other* filters applied, so every number tells how
    many results choosing that option would give."""
    per_agency = dict(
        _filtered(query, tree, fuzzy=fuzzy, skip="agency")
        .order_by()
        .values_list("agency_id")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "n")
    )
    agency_counts = {node.code: sum(per_agency.get(pk, 0) for pk in node.descendant_ids) for node in tree.nodes}
    field_counts = dict(
        _filtered(query, tree, fuzzy=fuzzy, skip="field")
        .order_by()
        .values_list("field__code")
        .annotate(n=Count("pk"))
        .values_list("field__code", "n")
    )
    level_counts = dict(
        _filtered(query, tree, fuzzy=fuzzy, skip="level")
        .order_by()
        .values_list("service_level")
        .annotate(n=Count("pk"))
        .values_list("service_level", "n")
    )
    total = sum(level_counts.values()) if not query.level else level_counts.get(query.level, 0)
    return {"agency": agency_counts, "field": field_counts, "level": level_counts, "total": {"": total}}


def procedure_catalogue(*, query: CatalogueQuery) -> CatalogueResult:
    """Published procedures for the list page: filtered, searched, counted per filter, ordered.

    Queries: the facet counts (3, cached per catalogue version) whose level facet also gives the
    total; the page's rows (1). When no procedure has all the words of ``q`` the fuzzy pass is
    used instead (PostgreSQL), costing 3 more count queries on that path only.
    """
    tree = agency_tree()
    key = (query.q, query.agency, query.field, query.level)
    counts = _cached("facets", lambda: _facet_counts(query, tree, fuzzy=False), *key, False)
    fuzzy = False
    if query.q and counts["total"][""] == 0 and search.can_fuzzy(query.q):
        fuzzy = True
        counts = _cached("facets", lambda: _facet_counts(query, tree, fuzzy=True), *key, True)
    qs = search.order(_filtered(query, tree, fuzzy=fuzzy), query.q, fuzzy=fuzzy).select_related("agency", "field")
    return CatalogueResult(queryset=qs, fuzzy=fuzzy, counts=counts)


def procedure_detail(*, code: str) -> Procedure:
    """One published procedure with everything its page shows (3 queries)."""
    return (
        Procedure.objects.published()
        .select_related("agency", "agency__parent", "field")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "pk")),
            Prefetch("form_fields", queryset=FormField.objects.order_by("order", "pk")),
        )
        .get(code=code)
    )


def template_document(*, code: str, document_id: int) -> RequiredDocument:
    """A downloadable template of a published procedure; DoesNotExist for anything else."""
    return (
        RequiredDocument.objects.select_related("procedure")
        .exclude(template="")
        .get(pk=document_id, procedure__code=code, procedure__is_published=True)
    )


def agencies_with_counts() -> tuple[AgencyTree, dict[str, int]]:
    """The agency tree and each agency's published procedures, its sub-agencies included."""
    tree = agency_tree()

    def build() -> dict[str, int]:
        own = dict(
            Procedure.objects.published()
            .order_by()
            .values_list("agency_id")
            .annotate(n=Count("pk"))
            .values_list("agency_id", "n")
        )
        return {node.code: sum(own.get(pk, 0) for pk in node.descendant_ids) for node in tree.nodes}

    return tree, _cached("agency-counts", build)


def agency_page(*, code: str) -> tuple[Agency, list[Procedure], list[Agency]]:
    """An active agency, its own published procedures ordered by field then name, and its active
    sub-agencies (3 queries)."""
    agency = Agency.objects.select_related("parent").get(code=code, is_active=True)
    procedures = list(
        Procedure.objects.published().filter(agency=agency).select_related("field").order_by("field__name", "name")
    )
    children = list(agency.children.filter(is_active=True).order_by("name"))
    return agency, procedures, children
