"""Reads for the catalogue. Every page gets its rows in a fixed number of queries."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from core.collation import vietnamese_key

from . import search
from .models import Agency, Field, Procedure, RequiredDocument, SearchEntry

CACHE_VERSION_KEY = "procedures:catalogue-version"
# What a result of the list shows: the sort then carries narrow rows, not every long text.
LIST_COLUMNS = ("code", "name", "service_level", "processing_days", "agency__name", "field__name")
CACHE_TIMEOUT = 60 * 60


def catalogue_version() -> int:
    """A counter bumped by every catalogue write (services.catalogue_changed): cached pages, facet
    counts and the agency tree are keyed on it, so nothing stale outlives a change."""
    version = cache.get(CACHE_VERSION_KEY)
    if version is None:
        version = fresh_catalogue_version()
        if not cache.add(CACHE_VERSION_KEY, version, None):  # another request set it first
            version = cache.get(CACHE_VERSION_KEY) or version
    return int(version)


def fresh_catalogue_version() -> int:
    """The counter's value when the cache has lost it (evicted, flushed): a random 62-bit number,
    not 1, so what was cached under a value it held before (pages are kept for an hour) is not
    taken for the current catalogue. Versions are only compared for equality."""
    return secrets.randbits(62)


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
    rows = sorted(
        Agency.objects.filter(is_active=True).values("pk", "code", "name", "level", "parent"),
        key=lambda row: vietnamese_key(row["name"]),
    )
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

    @cached_property
    def field_ids(self) -> dict[str, int]:
        return {code: pk for pk, code, _name in self.fields}


def catalogue_meta() -> CatalogueMeta:
    """The agency tree (ministry → department → district → commune, active agencies only) and the
    fields, cached together (two cache reads, two queries when cold)."""
    version = catalogue_version()

    def build() -> tuple[AgencyTree, list[tuple[int, str, str]]]:
        fields = sorted(Field.objects.values_list("pk", "code", "name"), key=lambda row: vietnamese_key(row[2]))
        return _build_agency_tree(), fields

    tree, fields = _cached("meta", build, version=version)
    return CatalogueMeta(version=version, tree=tree, fields=fields)


@dataclass
class CatalogueQuery:
    q: str = ""
    agency: str = ""  # codes, already validated
    field: str = ""
    level: str = ""


Counts = dict[str, dict[str, int]]
Cube = list[tuple[int, int, str, int]]  # (agency id, field id, level, matches)


def _entries(q: str, close: search.Close | None = None) -> QuerySet[SearchEntry]:
    """The search entries of the published procedures matching ``q`` (all without a keyword)."""
    return search.apply(SearchEntry.objects.filter(is_published=True), q, close=close)


def _cube(entries: QuerySet[SearchEntry]) -> Cube:
    """How many matches each (agency, field, level) has: a few thousand rows at most whatever
    the number of matches, from which every count of the page is added up (``_counts``)."""
    return list(
        entries.order_by()
        .values_list("agency_id", "field_id", "service_level")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "field_id", "service_level", "n")
    )


def _search(q: str) -> tuple[search.Close | None, Cube]:
    """The matches of ``q`` counted by agency, field and level (one query) and, when no procedure
    has every word, the typo-tolerant query and its matches (two more)."""
    cube = _cube(_entries(q))
    if cube or not search.can_fuzzy(q):
        return None, cube
    close = search.close_query(search.words(q))
    if close is None:  # some word has no close spelling: nothing can match
        return None, cube
    return close, _cube(_entries(q, close))


def _counts(cube: Cube, query: CatalogueQuery, meta: CatalogueMeta) -> Counts:
    """Each option counts the matches it would give with the other filters kept; agencies count
    their sub-agencies' procedures too; options without matches count 0."""
    agencies = set(meta.tree.by_code[query.agency].descendant_ids) if query.agency else None
    field_id = meta.field_ids[query.field] if query.field else None
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
    # Children follow their parent in the tree's order: add each subtree to its parent bottom-up.
    below = {node.pk: per_agency.get(node.pk, 0) for node in meta.tree.nodes}
    for node in reversed(meta.tree.nodes):
        if node.parent_id in below:
            below[node.parent_id] += below[node.pk]
    codes = {pk: code for code, pk in meta.field_ids.items()}
    return {
        "agency": {node.code: below[node.pk] for node in meta.tree.nodes},
        "field": {codes[pk]: n for pk, n in per_field.items() if pk in codes and n},
        "level": {level: n for level, n in per_level.items() if n},
        "total": {"": total},
    }


@dataclass
class CatalogueResult:
    """The counts of a catalogue page and its results, read a page at a time (``rows``)."""

    fuzzy: bool
    counts: Counts
    q: str
    close: search.Close | None
    filters: Q  # the chosen agency (with its sub-agencies), field and level

    @property
    def queryset(self) -> QuerySet[Procedure]:
        """Every result in order, agency and field joined."""
        return self._procedures(self._ranked()) if search.words(self.q) else self._by_name()

    def rows(self, offset: int, limit: int) -> list[Procedure]:
        """One page of results (one query). With a keyword the page is ranked over the narrow
        search entries and only its procedures are read; without one, the procedures come in
        name order straight from their index."""
        if not search.words(self.q):
            return list(self._by_name()[offset : offset + limit])
        return list(self._procedures(self._ranked()[offset : offset + limit]))

    def _by_name(self) -> QuerySet[Procedure]:
        procedures = Procedure.objects.published().filter(self.filters).order_by("name", "pk")
        return procedures.select_related("agency", "field").only(*LIST_COLUMNS)

    def _ranked(self) -> QuerySet[SearchEntry]:
        entries = _entries(self.q, self.close).filter(self.filters)
        return search.order(entries, self.q, close=self.close).values("pk")

    def _procedures(self, ids: QuerySet[SearchEntry]) -> QuerySet[Procedure]:
        """The procedures of these entries in the entries' order (the same expressions, read
        through the one-to-one join for these rows only)."""
        ordered = search.order(Procedure.objects.filter(pk__in=ids), self.q, close=self.close, via="search_entry__")
        return ordered.select_related("agency", "field").only(*LIST_COLUMNS)


def procedure_catalogue(*, query: CatalogueQuery, meta: CatalogueMeta | None = None) -> CatalogueResult:
    """Published procedures for the list page: filtered, searched, counted per filter, ordered.

    Queries when nothing is cached: the agency tree and the fields (cached per catalogue version,
    computed ahead by ``tasks.catalogue_warm`` after a change), the matches counted by agency,
    field and level (one query, cached per keyword and catalogue version: every filter's counts
    are added up from it), and ``rows()`` (one query). When no procedure has every word of the
    keyword, the typo-tolerant pass costs two more queries (the close spellings, the counts),
    cached with the first.
    """
    meta = meta or catalogue_meta()
    close, cube = _cached("search", lambda: _search(query.q), search.words(query.q), version=meta.version)
    filters = Q()
    if query.agency:
        filters &= Q(agency_id__in=meta.tree.by_code[query.agency].descendant_ids)
    if query.field:
        filters &= Q(field_id=meta.field_ids[query.field])
    if query.level:
        filters &= Q(service_level=query.level)
    return CatalogueResult(
        fuzzy=close is not None, counts=_counts(cube, query, meta), q=query.q, close=close, filters=filters
    )


def catalogue_warm() -> None:
    """Compute what every visitor of a new catalogue version needs (the agency tree, the fields,
    the counts of the plain list, which the agency page reads too) before the first one asks."""
    procedure_catalogue(query=CatalogueQuery())


_SEARCH_COLUMNS = ("search_name", "search_name_written", "search_vector")


def procedure_detail(*, code: str) -> Procedure:
    """One published procedure with everything its page shows: its agency (and the agency's
    parent), field, required documents and declaration questions, in order (3 queries);
    DoesNotExist for a code that is unknown or not published. The search columns are the widest
    of the row (the vector alone is several kB) and the page shows none of them."""
    return (
        Procedure.objects.published()
        .select_related("agency__parent", "field")
        .prefetch_related("documents", "form_fields")
        .defer(*_SEARCH_COLUMNS)
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
    meta = catalogue_meta()
    return meta.tree, procedure_catalogue(query=CatalogueQuery(), meta=meta).counts["agency"]


def agency_page(*, code: str) -> tuple[Agency, list[Procedure], list[Agency]]:
    """An active agency, its own published procedures ordered by field then name, and its active
    sub-agencies (3 queries)."""
    agency = Agency.objects.select_related("parent").get(code=code, is_active=True)
    procedures = list(
        Procedure.objects.published().filter(agency=agency).select_related("field").order_by("field__name", "name")
    )
    children = list(agency.children.filter(is_active=True).order_by("name"))
    return agency, procedures, children
