"""Reads for the catalogue. Every page gets its rows in a fixed number of queries."""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.urls import reverse

from portal.sqlvalues import ModelReader, column, table

from . import search
from .constants import ServiceLevel
from .models import Agency, Field, FormField, Procedure, RequiredDocument, SearchEntry

CACHE_VERSION_KEY = "procedures:catalogue-version"
LIST_COLUMNS = (
    "code",
    "name",
    "service_level",
    "processing_days",
    "agency__code",
    "agency__name",
    "field__code",
    "field__name",
)
CACHE_TIMEOUT = 60 * 60


class ProcedureCard(NamedTuple):
    """What one result of the catalogue list shows, read as plain values: twenty procedures with
    their agency and field as model instances cost more Python than the query that reads them."""

    pk: int
    code: str
    name: str
    service_level: str
    processing_days: int
    agency_name: str
    field_name: str

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"code": self.code})

    def get_service_level_display(self) -> str:
        return str(_LEVEL_LABELS.get(self.service_level, self.service_level))


_LEVEL_LABELS = dict(ServiceLevel.choices)  # lazy labels: translated when shown
CARD_COLUMNS = ("pk", "code", "name", "service_level", "processing_days", "agency__name", "field__name")


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

    @cached_property
    def field_ids(self) -> dict[str, int]:
        return {code: pk for pk, code, _name in self.fields}


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


Counts = dict[str, dict[str, int]]


@dataclass
class CatalogueResult:
    fuzzy: bool
    counts: Counts
    cache_key: tuple
    version: int
    ordered: Callable[[], QuerySet[Procedure]]  # every result in order, agency and field joined
    window: Callable[[int, int], list[ProcedureCard]]  # one page of them, built for that page only
    prefetched: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # page ids read with the counts

    @property
    def queryset(self) -> QuerySet[Procedure]:
        """Every result in order (lazy: building the ORM expressions costs milliseconds, and the
        page only needs ``rows()``)."""
        return self.ordered()

    def rows(self, offset: int, limit: int) -> list[ProcedureCard]:
        """One page of results. The ids of a page are cached per catalogue version: ranking a
        broad keyword sorts thousands of rows, re-reading 20 rows by id does not (one query
        either way)."""
        key = _key("page-ids", *self.cache_key, offset, limit, version=self.version)
        ids = self.prefetched.get((offset, limit))
        if ids is not None:
            cache.set(key, ids, CACHE_TIMEOUT)
        else:
            ids = cache.get(key)
        if ids is None:
            rows = self.window(offset, limit)
            cache.set(key, [row.pk for row in rows], CACHE_TIMEOUT)
            return rows
        return _cards_by_ids(ids)


def _cards(queryset: QuerySet[Procedure]) -> list[ProcedureCard]:
    return [ProcedureCard(*row) for row in queryset.values_list(*CARD_COLUMNS)]


def _cards_by_ids(ids: list[int]) -> list[ProcedureCard]:
    by_id = {card.pk: card for card in _cards(Procedure.objects.filter(pk__in=ids).order_by())}
    return [by_id[pk] for pk in ids if pk in by_id]


def _searches_entries(q: str) -> bool:
    """A keyword on PostgreSQL reads the narrow search entries (models.SearchEntry)."""
    return bool(search.words(q)) and search.is_postgres()


def _matching(q: str, *, close: search.Close | None = None) -> QuerySet:
    base = SearchEntry.objects.filter(is_published=True) if _searches_entries(q) else Procedure.objects.published()
    return search.apply(base, q, close=close)


class _AgencyIn(Expression):
    """``agency_id IN (3, 11, …)`` with the ids written into the SQL. A province has some 200
    agencies below it: as 200 ORM lookup values this cost milliseconds of Python to build and to
    bind on every query, and as one array parameter (``= ANY(%s)``) PostgreSQL tests it element by
    element, where a literal list is hashed (measured: 5.2 vs 2.7 ms over 8,600 rows)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, ids: Iterable[int], column: Expression | None = None) -> None:
        super().__init__()
        self.ids = tuple(int(pk) for pk in ids)  # int(): only numbers ever reach the SQL text
        self.column = column if column is not None else F("agency_id")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        return f"{column} IN ({', '.join(map(str, self.ids)) or 'NULL'})", params


def _conditions(query: CatalogueQuery, meta: CatalogueMeta) -> tuple[Q, Q, Q]:
    """The chosen agency (with its sub-agencies), field and level (empty Q: not chosen)."""
    agency = Q(_AgencyIn(meta.tree.by_code[query.agency].descendant_ids)) if query.agency else Q()
    field_ = Q(field_id=meta.field_ids[query.field]) if query.field else Q()
    level = Q(service_level=query.level) if query.level else Q()
    return agency, field_, level


def _filters(query: CatalogueQuery, meta: CatalogueMeta) -> Q:
    """The chosen agency, field and level as one condition."""
    agency, field_, level = _conditions(query, meta)
    return agency & field_ & level


def _filtered(queryset: QuerySet, query: CatalogueQuery, meta: CatalogueMeta) -> QuerySet:
    return queryset.filter(_filters(query, meta))


# Every count on the page in one pass over the matches: per agency with the field and level
# filters, per field with the agency and level filters, per level with the agency and field
# filters; the plain count per level adds up to every match (0: try the typo-tolerant pass). Each
# match says once whether it passes each filter (``ok_*``) instead of each aggregate's FILTER
# testing the conditions again for every row and grouping set (nine tests a row).
_COUNTS_SQL = """
SELECT GROUPING(m.agency_id, m.field_id, m.service_level), m.agency_id, m.field_id, m.service_level, count(*),
       count(*) FILTER (WHERE m.ok_field AND m.ok_level),
       count(*) FILTER (WHERE m.ok_agency AND m.ok_level),
       count(*) FILTER (WHERE m.ok_agency AND m.ok_field),
       NULL::bigint[], NULL::json
  FROM ({inner}) AS m
 GROUP BY GROUPING SETS ((m.agency_id), (m.field_id), (m.service_level))
"""
# With a keyword, the same statement also returns the ids of the page asked for: the page's own
# query (the filters in its WHERE, so only the rows it can show are ranked), in its order.
# Why not rank the page from the rows the counts read (a MATERIALIZED CTE read twice, the previous
# method): copying 8,600 matches of ``cap`` into the CTE cost more than reading them again
# (measured: 16.9 ms for the CTE, 10.9 ms for two scans).
_PAGE_SQL = """
UNION ALL
SELECT -1, NULL, NULL, NULL, 0, 0, 0, 0, ARRAY({page}), NULL::json
"""
# And the close spellings of the words no name has, for the typo-tolerant pass if nothing matched
# (search.CLOSE_WORDS_SQL: a few primary-key probes when every word is known).
_CLOSE_SQL = """
UNION ALL
SELECT -2, NULL, NULL, NULL, 0, 0, 0, 0, NULL::bigint[], ({close})
"""
_BY_AGENCY, _BY_FIELD, _BY_LEVEL, _PAGE, _CLOSE = 0b011, 0b101, 0b110, -1, -2  # GROUPING(): 1 = not grouped


def _flag(condition: Q) -> ExpressionWrapper | Value:
    return ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)


def _grouped_counts(
    matches: QuerySet,
    query: CatalogueQuery,
    meta: CatalogueMeta,
    *,
    page: QuerySet | None = None,
    terms: list[str] | None = None,
) -> tuple[Counts, int, list[int] | None, dict[str, list[str]]]:
    """PostgreSQL: the page's counts, the number of matches, (given the ``page`` query, one
    column of ids) the ids of that page of results and (given the ``terms`` of the keyword) the
    close spellings of its words that no name has, from one GROUPING SETS query that returns a few
    hundred rows whatever the number of matches."""
    agency, field_, level = _conditions(query, meta)
    matches = matches.annotate(ok_agency=_flag(agency), ok_field=_flag(field_), ok_level=_flag(level))
    columns = ("agency_id", "field_id", "service_level", "ok_agency", "ok_field", "ok_level")
    inner, params = matches.order_by().values(*columns).query.sql_with_params()
    sql = _COUNTS_SQL.format(inner=inner)
    params = list(params)
    if page is not None:
        page_sql, page_params = page.query.sql_with_params()
        sql += _PAGE_SQL.format(page=page_sql)
        params += page_params
    if terms:
        sql += _CLOSE_SQL.format(close=search.CLOSE_WORDS_SQL.format(terms="%s", min_length=search.CLOSE_MIN_LENGTH))
        params.append(terms)
    per_agency: dict[int, int] = {}
    per_field: dict[int, int] = {}
    per_level: dict[str, int] = {}
    total = matched = 0
    ids: list[int] | None = None
    unknown: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for (
            grouping,
            agency_id,
            field_id,
            row_level,
            everything,
            for_agency,
            for_field,
            for_level,
            page_ids,
            close,
        ) in cursor:
            if grouping == _BY_AGENCY:
                per_agency[agency_id] = for_agency
            elif grouping == _BY_FIELD:
                per_field[field_id] = for_field
            elif grouping == _BY_LEVEL:
                per_level[row_level] = for_level
                matched += everything
                if not query.level or row_level == query.level:
                    total += for_level
            elif grouping == _PAGE:
                ids = list(page_ids or [])
            elif grouping == _CLOSE:
                unknown = close or {}
    return _counts(per_agency, per_field, per_level, total, meta), matched, ids, unknown


def _counts(
    per_agency: dict[int, int], per_field: dict[int, int], per_level: dict[str, int], total: int, meta: CatalogueMeta
) -> Counts:
    """Agencies count their sub-agencies' procedures too; options without matches count 0."""
    codes = {pk: code for code, pk in meta.field_ids.items()}
    # Children follow their parent in the tree's order: add each subtree to its parent bottom-up.
    below = {node.pk: per_agency.get(node.pk, 0) for node in meta.tree.nodes}
    for node in reversed(meta.tree.nodes):
        if node.parent_id in below:
            below[node.parent_id] += below[node.pk]
    return {
        "agency": {node.code: below[node.pk] for node in meta.tree.nodes},
        "field": {codes[pk]: n for pk, n in per_field.items() if pk in codes and n},
        "level": {level: n for level, n in per_level.items() if n},
        "total": {"": total},
    }


def _folded_counts(cube: Iterable[tuple[int, int, str, int]], query: CatalogueQuery, meta: CatalogueMeta) -> Counts:
    """The same counts from rows of (agency, field, level, n): the SQLite fallback's grouped
    query, or the typo-tolerant pass's matches (n = 1 each)."""
    agencies = set(meta.tree.by_code[query.agency].descendant_ids) if query.agency else None
    field_id = meta.field_ids.get(query.field) if query.field else None
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
    return _counts(per_agency, per_field, per_level, total, meta)


def _exact_counts(
    q: str, query: CatalogueQuery, meta: CatalogueMeta, window: tuple[int, int] | None, *, close: search.Close | None
) -> tuple[Counts, int, list[int] | None, dict[str, list[str]]]:
    """The counts, number of matches and page ids of ``q`` (or of the typo-tolerant query
    ``close``) and, for the exact pass, the close spellings of the words no name has."""
    if _searches_entries(q):
        matches = _matching(q, close=close)
        page = None
        if window is not None:
            offset, limit = window
            ranked = search.order(_filtered(matches, query, meta), q, close=close)
            page = ranked.values_list("pk", flat=True)[offset : offset + limit]
        terms = search.words(q) if close is None and search.can_fuzzy(q) else None
        return _grouped_counts(matches, query, meta, page=page, terms=terms)
    if search.is_postgres():  # no keyword: the page's rows come straight from the name index
        return _grouped_counts(_matching(q), query, meta)
    cube = list(
        _matching(q)
        .order_by()
        .values_list("agency_id", "field_id", "service_level")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "field_id", "service_level", "n")
    )
    return _folded_counts(cube, query, meta), sum(row[3] for row in cube), None, {}


def _typo_key(q: str, version: int) -> str:
    return _key("typo", search.words(q), version=version)


def procedure_catalogue(
    *, query: CatalogueQuery, meta: CatalogueMeta | None = None, window: tuple[int, int] | None = None
) -> CatalogueResult:
    """Published procedures for the list page: filtered, searched, counted per filter, ordered.

    Queries when nothing is cached: the agency tree and the fields (cached per catalogue version,
    computed ahead by ``tasks.catalogue_warm`` after a change), every count of the page (one
    query, cached per keyword, filters and catalogue version), the page's rows (one query: on
    PostgreSQL the page's ids are ranked over the narrow search entries and only those 20
    procedures are read; the ids of the page ``window`` (offset, limit) the caller expects come
    with the counts). When no procedure has every word of ``q``, the counting query has also
    returned the close spellings of the words no name has (kept per keyword), and the
    typo-tolerant pass (PostgreSQL) costs one more query of the same kind, unless some word has
    no close spelling at all (nothing can match then: no second query).
    """
    meta = meta or catalogue_meta()
    q = query.q
    prefetched: dict[tuple[int, int], list[int]] = {}

    def build() -> tuple[search.Close | None, Counts]:
        typo_key = _typo_key(q, meta.version) if search.can_fuzzy(q) else None
        # Once the exact pass found nothing for these words, it finds nothing under any filter:
        # another filter or page of the same typo goes straight to the typo-tolerant pass.
        corrected = cache.get(typo_key) if typo_key else None
        if corrected is None:
            counts, matched, page, unknown = _exact_counts(q, query, meta, window, close=None)
            if matched or typo_key is None:
                if page is not None and window is not None:
                    prefetched[window] = page
                return None, counts
            corrected = search.close_query(search.words(q), unknown) or ()
            cache.set(typo_key, corrected, CACHE_TIMEOUT)
            if not corrected:
                return None, counts
        elif not corrected:  # () : a word has no close spelling, nothing can match
            return None, _counts({}, {}, {}, 0, meta)
        counts, _matched, page, _unknown = _exact_counts(q, query, meta, window, close=corrected)
        if page is not None and window is not None:
            prefetched[window] = page
        return corrected, counts

    key = (search.words(q), query.agency, query.field, query.level)
    close, counts = _cached("facets", build, *key, version=meta.version)
    # The order also depends on the accents typed (đồ before độ), the counts do not.
    page_key = (*key, search.words(q, keep_accents=True))

    if not _searches_entries(q):

        def ordered() -> QuerySet[Procedure]:
            # Only what a result card shows: the sort then carries narrow rows, not every long text.
            qs = _filtered(search.apply(Procedure.objects.published(), q), query, meta)
            return search.order(qs, q).select_related("agency", "field").only(*LIST_COLUMNS)

        def page_window(offset: int, limit: int) -> list[ProcedureCard]:
            return _cards(ordered()[offset : offset + limit])

    else:

        def procedures(ids: QuerySet) -> QuerySet[Procedure]:
            """The procedures of these entries, in the entries' order (the same expressions, read
            through the one-to-one join for these rows only)."""
            qs = search.order(Procedure.objects.filter(pk__in=ids), q, close=close, via="search_entry__")
            return qs.select_related("agency", "field").only(*LIST_COLUMNS)

        def entries() -> QuerySet[SearchEntry]:
            return _filtered(_matching(q, close=close), query, meta)

        def ordered() -> QuerySet[Procedure]:
            return procedures(entries().values("pk"))

        def page_window(offset: int, limit: int) -> list[ProcedureCard]:
            ranked = search.order(entries(), q, close=close).values("pk")
            return _cards(procedures(ranked[offset : offset + limit]))

    return CatalogueResult(
        fuzzy=close is not None,
        counts=counts,
        cache_key=page_key,
        version=meta.version,
        ordered=ordered,
        window=page_window,
        prefetched=prefetched,
    )


def catalogue_warm() -> None:
    """Compute what every visitor of a new catalogue version needs (the agency tree, the fields,
    the counts of the plain list and of the agency page) before the first one asks."""
    meta = catalogue_meta()
    procedure_catalogue(query=CatalogueQuery(), meta=meta)
    agencies_with_counts()


@dataclass(frozen=True)
class ProcedurePage:
    """What a procedure's page shows: the procedure with its agency (and the agency's parent)
    and field attached, its required documents and the questions of its declaration form."""

    procedure: Procedure
    documents: list[RequiredDocument]
    form_fields: list[FormField]


# The search columns are the widest of the row (the vector alone is several kB) and the page
# shows none of them.
_DETAIL_READERS = (
    ModelReader(Procedure, "p", exclude=("search_name", "search_name_written", "search_text", "search_vector")),
    ModelReader(Agency, "a"),
    ModelReader(Agency, "pa"),
    ModelReader(Field, "f"),
)
_DOCUMENT_READER = ModelReader(RequiredDocument, "d")
_FORM_FIELD_READER = ModelReader(FormField, "q")


@functools.cache
def _detail_sql(vendor: str) -> tuple[str, str, str]:
    """The page's three statements, built once per process and database vendor (its quoting)
    from the models' metadata; the code, the published flag and the procedure's id are
    parameters."""
    columns = ", ".join(c for reader in _DETAIL_READERS for c in reader.columns())
    tables = (
        f"{table(Procedure)} p"
        f" JOIN {table(Agency)} a ON {column('a', Agency, 'pk')} = {column('p', Procedure, 'agency')}"
        f" LEFT JOIN {table(Agency)} pa ON {column('pa', Agency, 'pk')} = {column('a', Agency, 'parent')}"
        f" JOIN {table(Field)} f ON {column('f', Field, 'pk')} = {column('p', Procedure, 'field')}"
    )
    where = f"{column('p', Procedure, 'code')} = %s AND {column('p', Procedure, 'is_published')} = %s"
    procedure = f"SELECT {columns} FROM {tables} WHERE {where}"  # noqa: S608 - identifiers from metadata

    def children(reader: ModelReader, model) -> str:
        alias = reader.alias
        order = f"{column(alias, model, 'order')}, {column(alias, model, 'pk')}"
        return (
            f"SELECT {', '.join(reader.columns())} FROM {table(model)} {alias}"  # noqa: S608
            f" WHERE {column(alias, model, 'procedure')} = %s ORDER BY {order}"
        )

    return procedure, children(_DOCUMENT_READER, RequiredDocument), children(_FORM_FIELD_READER, FormField)


def procedure_detail(*, code: str) -> ProcedurePage:
    """One published procedure with everything its page shows (3 queries); DoesNotExist for a
    code that is unknown or not published.

    Hand-written statements built from the models' metadata and read into model instances as
    the ORM reads them (``portal.sqlvalues.ModelReader``): on a page the cache has not seen
    yet, compiling the ORM's join and its two prefetches cost more Python than rendering the
    page (docs/benchmarks/load.md). ``test_detail_reads_what_the_orm_reads`` holds it to the
    ORM's answer."""
    procedure_sql, documents_sql, form_fields_sql = _detail_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(procedure_sql, [code, True])
        row = cursor.fetchone()
        if row is None:
            raise Procedure.DoesNotExist(code)
        built, start = [], 0
        for reader in _DETAIL_READERS:
            built.append(reader.build(row, start))
            start += reader.width
        procedure, agency, parent, field_ = built
        agency.parent = parent
        procedure.agency = agency
        procedure.field = field_
        cursor.execute(documents_sql, [procedure.pk])
        documents = [_DOCUMENT_READER.build(r) for r in cursor.fetchall()]
        cursor.execute(form_fields_sql, [procedure.pk])
        form_fields = [_FORM_FIELD_READER.build(r) for r in cursor.fetchall()]
    for child in (*documents, *form_fields):
        child.procedure = procedure
    return ProcedurePage(procedure=procedure, documents=documents, form_fields=form_fields)


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
