"""Reads for the catalogue. Every page gets its rows in a fixed number of queries."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet

from . import search
from .models import Agency, Field, FormField, Procedure, RequiredDocument

CACHE_VERSION_KEY = "procedures:catalogue-version"
LIST_COLUMNS = (
    "code",
    "name",
    "service_level",
    "processing_days",
    "search_name",
    "agency__code",
    "agency__name",
    "field__code",
    "field__name",
)
CACHE_TIMEOUT = 60 * 60


def catalogue_version() -> int:
    """A counter bumped by every catalogue write (services.catalogue_changed): cached facet counts
    and the agency tree are keyed on it, so nothing stale outlives a change."""
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(CACHE_VERSION_KEY, version, None)
    return int(version)


def _key(name: str, *parts, version: int | None = None) -> str:
    digest = hashlib.sha1(json.dumps(parts, default=str).encode(), usedforsecurity=False).hexdigest()
    return f"procedures:{name}:{version or catalogue_version()}:{digest}"


def _cached(name: str, builder, *parts, version: int | None = None):
    key = _key(name, *parts, version=version)
    value = cache.get(key)
    if value is None:
        value = builder()
        cache.set(key, value, CACHE_TIMEOUT)
    return value


class AgencyNode(NamedTuple):  # a tuple: the cached tree unpickles several times faster
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


@dataclass
class CatalogueMeta:
    version: int
    tree: AgencyTree
    fields: list[tuple[int, str, str]]  # (pk, code, name) by name


def catalogue_meta() -> CatalogueMeta:
    """The agency tree (ministry → department → district → commune, active agencies only) and the
    fields, cached together (two cache reads, two queries when cold)."""
    version = catalogue_version()

    def build() -> tuple[AgencyTree, list[tuple[int, str, str]]]:
        return _build_agency_tree(), list(Field.objects.order_by("name").values_list("pk", "code", "name"))

    tree, fields = _cached("meta", build, version=version)
    return CatalogueMeta(version=version, tree=tree, fields=fields)


def agency_tree() -> AgencyTree:
    return catalogue_meta().tree


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
    cache_key: tuple = ()
    version: int = 0

    def rows(self, offset: int, limit: int) -> list[Procedure]:
        """One page of results. The ids of a page are cached per catalogue version: ranking a
        broad keyword sorts thousands of rows, re-reading 20 rows by id does not (one query
        either way)."""
        key = _key("page-ids", *self.cache_key, offset, limit, version=self.version)
        ids = cache.get(key)
        if ids is None:
            rows = list(self.queryset[offset : offset + limit])
            cache.set(key, [row.pk for row in rows], CACHE_TIMEOUT)
            return rows
        by_id = {
            row.pk: row
            for row in Procedure.objects.filter(pk__in=ids).select_related("agency", "field").only(*LIST_COLUMNS)
        }
        return [by_id[pk] for pk in ids if pk in by_id]


def _matching(q: str, *, fuzzy: bool) -> QuerySet[Procedure]:
    return search.apply(Procedure.objects.published(), q, fuzzy=fuzzy)


def _cube(q: str, *, fuzzy: bool, version: int) -> list[tuple[int, int, str, int]]:
    """How many published procedures match ``q`` per (agency, field, level): one grouped query,
    cached per keyword (not per filter combination), from which every count on the page follows."""

    def build() -> list[tuple[int, int, str, int]]:
        return list(
            _matching(q, fuzzy=fuzzy)
            .order_by()
            .values_list("agency_id", "field_id", "service_level")
            .annotate(n=Count("pk"))
            .values_list("agency_id", "field_id", "service_level", "n")
        )

    return _cached("cube", build, search.words(q), fuzzy, version=version)


def _facet_counts(
    cube: list[tuple[int, int, str, int]], query: CatalogueQuery, tree: AgencyTree, field_ids: dict[str, int]
) -> dict[str, dict[str, int]]:
    """Each filter's options counted with the *other* filters applied, so every number says how
    many results choosing that option gives; "total" applies all of them."""
    agencies = set(tree.by_code[query.agency].descendant_ids) if query.agency else None
    field_id = field_ids.get(query.field) if query.field else None
    per_agency: dict[int, int] = defaultdict(int)
    per_field: dict[int, int] = defaultdict(int)
    per_level: dict[str, int] = defaultdict(int)
    total = 0
    for agency_id, row_field, level, n in cube:
        agency_ok = agencies is None or agency_id in agencies
        field_ok = field_id is None or row_field == field_id
        level_ok = not query.level or level == query.level
        if field_ok and level_ok:
            per_agency[agency_id] += n
        if agency_ok and level_ok:
            per_field[row_field] += n
        if agency_ok and field_ok:
            per_level[level] += n
        if agency_ok and field_ok and level_ok:
            total += n
    codes = {pk: code for code, pk in field_ids.items()}
    return {
        "agency": {node.code: sum(per_agency.get(pk, 0) for pk in node.descendant_ids) for node in tree.nodes},
        "field": {codes[pk]: n for pk, n in per_field.items() if pk in codes},
        "level": dict(per_level),
        "total": {"": total},
    }


def procedure_catalogue(*, query: CatalogueQuery, meta: CatalogueMeta | None = None) -> CatalogueResult:
    """Published procedures for the list page: filtered, searched, counted per filter, ordered.

    Queries: the agency tree and the fields (cached), the per-(agency, field, level) counts of the
    keyword's matches (one query, cached per keyword and catalogue version), the page's rows (one
    query; the total comes from the counts). When no procedure has every word of ``q``, the fuzzy
    pass (PostgreSQL) costs one more counting query.
    """
    meta = meta or catalogue_meta()
    tree = meta.tree
    field_ids = {code: pk for pk, code, _name in meta.fields}

    def build() -> tuple[bool, dict[str, dict[str, int]]]:
        fuzzy = False
        cube = _cube(query.q, fuzzy=False, version=meta.version)
        if query.q and not cube and search.can_fuzzy(query.q):
            fuzzy = True
            cube = _cube(query.q, fuzzy=True, version=meta.version)
        return fuzzy, _facet_counts(cube, query, tree, field_ids)

    key = (search.words(query.q), query.agency, query.field, query.level)
    fuzzy, counts = _cached("facets", build, *key, version=meta.version)
    qs = _matching(query.q, fuzzy=fuzzy)
    if query.agency:
        qs = qs.filter(agency_id__in=tree.by_code[query.agency].descendant_ids)
    if query.field:
        qs = qs.filter(field_id=field_ids[query.field])
    if query.level:
        qs = qs.filter(service_level=query.level)
    # Only what a result card shows: the sort then carries narrow rows, not every long text.
    qs = search.order(qs, query.q, fuzzy=fuzzy).select_related("agency", "field").only(*LIST_COLUMNS)
    # The order also depends on the accents typed (đồ before độ), the counts do not.
    page_key = (*key, search.words(query.q, keep_accents=True))
    return CatalogueResult(queryset=qs, fuzzy=fuzzy, counts=counts, cache_key=page_key, version=meta.version)


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
