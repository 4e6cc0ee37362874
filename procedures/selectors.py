"""Reads for the catalogue. Every page gets its rows in a fixed number of queries."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from core.collation import vietnamese_key

from . import search
from .models import Agency, Field, Procedure, RequiredDocument, SearchEntry, SearchWord, Synonym
from .normalise import normalise

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

    @cached_property
    def synonyms(self) -> dict[str, str]:
        return catalogue_synonyms(version=self.version)

    @cached_property
    def vocabulary(self) -> search.Vocabulary:
        return catalogue_vocabulary(version=self.version)


def catalogue_synonyms(*, version: int) -> dict[str, str]:
    """The synonym dictionary, normalised (everyday words → official words), read when a search
    needs it and cached per catalogue version: synonym edits bump the version like any catalogue
    change (one query when cold)."""

    def build() -> dict[str, str]:
        return {key: normalise(meaning) for key, meaning in Synonym.objects.values_list("key", "meaning")}

    return _cached("synonyms", build, version=version)


def catalogue_vocabulary(*, version: int) -> search.Vocabulary:
    """Every word of the search documents (``SearchWord``), which typos are corrected against, read
    when a search needs it and cached per catalogue version (one query when cold; 5,000 words
    unpickle in ~0.5 ms)."""

    def build() -> search.Vocabulary:
        return search.Vocabulary.of(SearchWord.objects.values_list("word", flat=True))

    return _cached("vocabulary-set", build, version=version)  # not "vocabulary": a string there once


def catalogue_meta() -> CatalogueMeta:
    """The agency tree (ministry → province → department → commune, active agencies only) and the
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


def _entries(the_plan: search.Plan) -> QuerySet[SearchEntry]:
    """The search entries of the published procedures ``the_plan`` finds."""
    return SearchEntry.objects.filter(is_published=True).filter(search.matches(the_plan))


def _cube(entries: QuerySet[SearchEntry]) -> Cube:
    """How many matches each (agency, field, level) has: a few thousand rows at most whatever
    the number of matches, from which every count of the page is added up (``_counts``)."""
    return list(
        entries.order_by()
        .values_list("agency_id", "field_id", "service_level")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "field_id", "service_level", "n")
    )


def _search(q: str, meta: CatalogueMeta) -> tuple[search.Plan, Cube]:
    """The query as searched and its matches counted by agency, field and level (one query; one
    more for each level of tolerance that finds nothing, at most three, see ``search.tiers``)."""
    the_plan = search.plan(q, meta.synonyms, meta.vocabulary)
    if not the_plan.terms:
        return the_plan, []
    for tier in search.tiers(the_plan):
        cube = _cube(_entries(tier))
        if cube:
            return tier, cube
    return tier, cube


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


def _ranked_procedures(the_plan: search.Plan, filters: Q, offset: int, limit: int) -> list[Procedure]:
    """One page of the procedures ``the_plan`` finds, best first (two queries): the matches
    ranked over the narrow search entries keeping only their ids, then the page's procedures
    with their agencies and fields.

    Why two: ranked in one query with the procedures joined, PostgreSQL sorted every match with
    its columns (~1,400 rows for ``giay khai sinh`` on 10,000 procedures); ranking the ids alone
    lets it keep the best ``offset + limit`` in a top-N heap: the ranking's SQL time fell by two
    thirds and the page's by 40 % (docs/benchmarks/catalogue.md)."""
    ranked = search.order(_entries(the_plan).filter(filters), the_plan).values_list("pk", flat=True)
    ids = list(ranked[offset : offset + limit])
    if not ids:
        return []
    rows = Procedure.objects.select_related("agency", "field").only(*LIST_COLUMNS).in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]


@dataclass
class CatalogueResult:
    """The counts of a catalogue page and its results, read a page at a time (``rows``)."""

    counts: Counts
    plan: search.Plan
    searched: bool
    filters: Q  # the chosen agency (with its sub-agencies), field and level
    cube_total: int = 0  # matches before the filters: 0 means the search found nothing at all

    @property
    def corrected(self) -> bool:
        return self.plan.corrected

    @property
    def queryset(self) -> QuerySet[Procedure]:
        """Every result in the order of ``rows()``, agency and field joined (the same expressions
        read through the one-to-one join: for exports and checks, not for pages)."""
        if not self.searched:
            return self._by_name()
        if not self.plan.terms:
            return Procedure.objects.none()
        procedures = Procedure.objects.filter(search_entry__is_published=True).filter(
            search.matches(self.plan, via="search_entry__"), self.filters
        )
        ordered = search.order(procedures, self.plan, via="search_entry__")
        return ordered.select_related("agency", "field").only(*LIST_COLUMNS)

    def rows(self, offset: int, limit: int) -> list[Procedure]:
        """One page of results (one query; two with a keyword, see ``_ranked_procedures``).
        Without a keyword, the procedures come in name order straight from their index."""
        if not self.searched:
            return list(self._by_name()[offset : offset + limit])
        if not self.plan.terms:
            return []
        return _ranked_procedures(self.plan, self.filters, offset, limit)

    def _by_name(self) -> QuerySet[Procedure]:
        procedures = Procedure.objects.published().filter(self.filters).order_by("name_sort", "pk")
        return procedures.select_related("agency", "field").only(*LIST_COLUMNS)


def _typed(q: str) -> list[str]:
    """The words of ``q`` in lower case, accents kept (what a search is cached under: the accents
    typed rank)."""
    return re.sub(r"[\W_]+", " ", q.lower()).split()[: search.MAX_WORDS]


def suggested_query(*, q: str, the_plan: search.Plan, best: Procedure | None) -> str:
    """The query with each misspelt word replaced by its correction ("Có phải bạn muốn tìm"): the
    close spelling found in the best result's name, written as the name writes it; else the first
    close spelling. Empty when nothing was corrected."""
    if not the_plan.corrected:
        return ""
    written: dict[str, str] = {}
    if best is not None:
        as_written = re.sub(r"[\W_]+", " ", best.name.lower()).split()
        written = dict(zip(normalise(best.name).split(), as_written, strict=False))
    corrections = {}
    for term in the_plan.terms:
        if term.corrected:
            chosen = next((s for s in term.spellings if s in written), term.spellings[0])
            corrections[term.typed] = written.get(chosen, chosen)
    # Words typed without accents take the name's (the correction reads as the name does).
    return " ".join(
        corrections.get(normalise(word)) or (written.get(word, word) if normalise(word) == word else word)
        for word in _typed(q)
    )


def procedure_catalogue(*, query: CatalogueQuery, meta: CatalogueMeta | None = None) -> CatalogueResult:
    """Published procedures for the list page: filtered, searched, counted per filter, ordered.

    Queries when nothing is cached: the agency tree and the fields, and with a keyword the
    synonyms and the vocabulary (cached per catalogue version, computed ahead by
    ``tasks.catalogue_warm`` after a change); with a keyword, the matches counted by agency, field
    and level (one query, cached per keyword and catalogue version: every filter's counts are
    added up from it; one more for each level of tolerance that finds nothing, see
    ``search.tiers``); and ``rows()`` (two queries: the ranked ids, the page's procedures).
    """
    meta = meta or catalogue_meta()
    words = _typed(query.q)
    if words:
        the_plan, cube = _cached("search", lambda: _search(query.q, meta), words, version=meta.version)
    else:
        the_plan = search.Plan(terms=(), pairs=(), accented=())
        cube = _cached("list", lambda: _cube(SearchEntry.objects.filter(is_published=True)), version=meta.version)
    filters = Q()
    if query.agency:
        filters &= Q(agency_id__in=meta.tree.by_code[query.agency].descendant_ids)
    if query.field:
        filters &= Q(field_id=meta.field_ids[query.field])
    if query.level:
        filters &= Q(service_level=query.level)
    return CatalogueResult(
        counts=_counts(cube, query, meta),
        plan=the_plan,
        searched=bool(words),
        filters=filters,
        cube_total=sum(row[3] for row in cube),
    )


def procedure_suggestions(*, q: str, limit: int = 8) -> list[Procedure]:
    """Autocomplete: the first results of the same search as the list page, the last word taken
    as the start of a word (two queries when cold: the ranked ids, the rows, and one more for
    each level of tolerance that finds nothing; the plan is cached per keyword and catalogue
    version)."""
    meta = catalogue_meta()
    words = _typed(q)
    if not words:
        return []
    the_plan = _cached(
        "suggest", lambda: search.plan(q, meta.synonyms, meta.vocabulary, prefix=True), words, version=meta.version
    )
    if not the_plan.terms:
        return []
    for tier in search.tiers(the_plan)[:-1]:  # widened while nothing is found (one query each)
        rows = _ranked_procedures(tier, Q(), 0, limit)
        if rows:
            return rows
    return []


def catalogue_warm() -> None:
    """Compute what every visitor of a new catalogue version needs (the agency tree, the fields,
    the synonyms and the vocabulary, the counts of the plain list, which the agency page reads
    too) before the first one asks."""
    meta = catalogue_meta()
    procedure_catalogue(query=CatalogueQuery(), meta=meta)
    catalogue_synonyms(version=meta.version)
    catalogue_vocabulary(version=meta.version)


def procedure_detail(*, code: str) -> Procedure:
    """One published procedure with everything its page shows: its agency (and the agency's
    parent), field, required documents and declaration questions, in order (3 queries);
    DoesNotExist for a code that is unknown or not published."""
    return (
        Procedure.objects.published()
        .select_related("agency__parent", "field")
        .prefetch_related("documents", "form_fields")
        .get(code=code)
    )


def procedure_is_published(*, code: str) -> bool:
    return Procedure.objects.published().filter(code=code).exists()


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
    procedures = sorted(
        Procedure.objects.published().filter(agency=agency).select_related("field"),
        key=lambda p: (vietnamese_key(p.field.name), p.name_sort),
    )
    children = sorted(agency.children.filter(is_active=True), key=lambda a: vietnamese_key(a.name))
    return agency, procedures, children
