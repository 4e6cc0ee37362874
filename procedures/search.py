"""Accent-insensitive Vietnamese search over the catalogue.

PostgreSQL (the production database): a stored ``tsvector`` with weights (name A, description B,
result, applicants and documents C, field and agency D) built with the ``portal_vi`` text search
configuration (``simple`` after ``unaccent``: "Đăng ký" → ``dang ky``) and a GIN index finds the
procedures holding every word of the query, in any order, with or without accents. The order
(``order()``) puts words found in the name first, then the phrase kept together, then words typed
with the right accents (``đồ`` above ``độ`` when the user typed ``đồ``). When no procedure has all
the words, the typo-tolerant pass takes each word found in no procedure's name as misspelt and
accepts instead the name words one letter away from it (inserted, removed or replaced: Levenshtein
distance 1, over ``SearchWord``, the few thousand distinct words of the names), then keeps the
names holding every word or one of its close spellings, so ``dang ki khai sin`` (``ki`` → ``ky``,
``sin`` → ``sinh``) still finds "Đăng ký khai sinh". A word with no close spelling at all means no
such name: the pass is skipped.

Why not pg_trgm similarity of the whole query to every name (the previous method): it had to
compare ~1,500 candidate names letter by letter (~15 µs each, 25 ms on 10,000 procedures), even
when nothing was close. Correcting words against the word list costs well under a millisecond,
then the same GIN index and ranking as the exact pass do the rest.

On PostgreSQL the search reads ``SearchEntry``, a narrow copy of these columns (filters, names,
vector without positions), not the wide procedure rows: see ``models.SearchEntry``.

SQLite (the zero-install default): the same words are matched as whole words in the
Python-normalised columns and ordered with the same rules in plain SQL, without typo tolerance or
the accent bonus.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Expression, F, IntegerField, QuerySet, TextField, Value
from django.db.models.functions import Concat, Length

from .models import Procedure
from .normalise import normalise, words

PUNCTUATION = ",.;:!?()[]{}/\\\"'-–—“”‘’…"
_PUNCTUATION_TO_SPACE = str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))
# Shortest normalised query worth a fuzzy pass: "do" is similar to half the catalogue.
FUZZY_MIN_LENGTH = 5
# Shortest misspelt word given close spellings: a one-letter word is one letter away from them all.
CLOSE_MIN_LENGTH = 2
# The typo-tolerant query: per word of the query, the spellings accepted (the word itself when some
# name has it, else the name words one letter away from it).
Close = tuple[tuple[str, ...], ...]

# One statement refreshes any number of procedures, so the import, the admin and the benchmark
# all produce exactly the same columns. Name (A) > description (B) > result, applicants and
# documents (C) > field and agency names (D).
_REFRESH_SQL = """
UPDATE procedures_procedure AS p SET
  search_name = left(portal_normalise(p.name), 500),
  search_name_written = left(lower(translate(p.name, %s, %s)), 500),
  search_text = portal_normalise(concat_ws(' ', p.code, p.name, p.description, p.result,
                                 p.eligible_applicants, docs.names, f.name, a.name)),
  search_vector =
      setweight(to_tsvector('portal_vi', p.name), 'A')
   || setweight(to_tsvector('portal_vi', p.description), 'B')
   || setweight(to_tsvector('portal_vi', concat_ws(' ', p.result, p.eligible_applicants, docs.names)), 'C')
   || setweight(to_tsvector('portal_vi', concat_ws(' ', f.name, a.name)), 'D')
FROM procedures_field AS f, procedures_agency AS a,
     (SELECT p2.id, (SELECT string_agg(d.name, ' ' ORDER BY d."order", d.id)
                     FROM procedures_requireddocument AS d WHERE d.procedure_id = p2.id) AS names
      FROM procedures_procedure AS p2 WHERE p2.id = ANY(%s)) AS docs
WHERE p.id = docs.id AND f.id = p.field_id AND a.id = p.agency_id
"""
# Then the narrow copy the search reads (models.SearchEntry). strip(): matching a plain query needs
# the words only, not their positions and weights (half the size).
_ENTRY_SQL = """
INSERT INTO procedures_searchentry (procedure_id, is_published, agency_id, field_id, service_level, name,
                                    search_name, search_name_written, search_vector)
SELECT id, is_published, agency_id, field_id, service_level, name, search_name, search_name_written,
       strip(search_vector)
  FROM procedures_procedure WHERE id = ANY(%s)
ON CONFLICT (procedure_id) DO UPDATE SET
  is_published = EXCLUDED.is_published, agency_id = EXCLUDED.agency_id, field_id = EXCLUDED.field_id,
  service_level = EXCLUDED.service_level, name = EXCLUDED.name, search_name = EXCLUDED.search_name,
  search_name_written = EXCLUDED.search_name_written, search_vector = EXCLUDED.search_vector
"""
# And the words of their names, for the typo-tolerant pass (models.SearchWord). Numbers are not
# words anyone misspells ("mẫu 1234"): left out, they would make the list as long as the catalogue.
WORDS_SQL = """
INSERT INTO procedures_searchword (word)
SELECT DISTINCT w.word
  FROM procedures_searchentry AS e, regexp_split_to_table(e.search_name, ' ') AS w(word)
 WHERE {where} AND w.word <> '' AND w.word !~ '^[0-9]+$' AND length(w.word) <= 100
ON CONFLICT (word) DO NOTHING
"""
# For each word of the query found in no name: the name words one letter away from it
# (fuzzystrmatch; the length test skips most of the list before the distance is computed).
CLOSE_WORDS_SQL = """
SELECT json_object_agg(t.term, coalesce(close.words, '{{}}'))
  FROM unnest({terms}::text[]) AS t(term)
  LEFT JOIN LATERAL (
    SELECT array_agg(w.word ORDER BY w.word) AS words
      FROM procedures_searchword AS w
     WHERE length(t.term) >= {min_length} AND abs(length(w.word) - length(t.term)) <= 1
       AND levenshtein_less_equal(w.word, t.term, 1) <= 1
  ) AS close ON TRUE
 WHERE NOT EXISTS (SELECT 1 FROM procedures_searchword AS k WHERE k.word = t.term)
"""


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def refresh(procedure_ids: Iterable[int]) -> None:
    """Recompute the search columns of these procedures (see services.procedure_refresh_search)."""
    ids = list(procedure_ids)
    if not ids:
        return
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH_SQL, [PUNCTUATION, " " * len(PUNCTUATION), ids])
            cursor.execute(_ENTRY_SQL, [ids])
            cursor.execute(WORDS_SQL.format(where="e.procedure_id = ANY(%s)"), [ids])
        return
    rows = Procedure.objects.filter(pk__in=ids).select_related("agency", "field").prefetch_related("documents")
    for procedure in rows:
        doc_names = " ".join(d.name for d in procedure.documents.all())
        parts = [
            procedure.code,
            procedure.name,
            procedure.description,
            procedure.result,
            procedure.eligible_applicants,
            doc_names,
            procedure.field.name,
            procedure.agency.name,
        ]
        Procedure.objects.filter(pk=procedure.pk).update(
            search_name=normalise(procedure.name)[:500],
            search_name_written=procedure.name.lower().translate(_PUNCTUATION_TO_SPACE)[:500],
            search_text=normalise(" ".join(parts)),
        )


def close_query(terms: list[str], unknown: dict[str, list[str]]) -> Close | None:
    """The typo-tolerant query for ``terms`` given the close spellings of the words no name has
    (``CLOSE_WORDS_SQL``); None when there is nothing to correct or a word has no close spelling
    (then no name can hold every word, whatever the spelling)."""
    if not unknown or not all(unknown.get(term, True) for term in terms):
        return None
    return tuple(tuple(unknown[term]) if term in unknown else (term,) for term in terms)


def apply(queryset: QuerySet, q: str, *, close: Close | None = None) -> QuerySet:
    """Only the rows matching ``q`` (without ordering: the facet counts group this), or with
    ``close`` the names holding every word in one of its accepted spellings. On PostgreSQL
    ``queryset`` holds search entries (or procedures: the columns have the same names)."""
    terms = words(q)
    if not terms:
        return queryset
    if is_postgres():
        if close:
            # The GIN index finds the rows holding the words anywhere, then only names are kept.
            raw = " & ".join("(" + " | ".join(f"'{word}'" for word in spellings) + ")" for spellings in close)
            queryset = queryset.filter(search_vector=SearchQuery(raw, config="portal_vi", search_type="raw"))
            in_name = _WordsInName([F("search_name")], [[(spellings, 1) for spellings in close]], every=True)
            return queryset.filter(in_name)
        return queryset.filter(search_vector=SearchQuery(" ".join(terms), config="portal_vi", search_type="plain"))
    padded = Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField())
    queryset = queryset.alias(_padded_text=padded)
    for term in terms:
        queryset = queryset.filter(_padded_text__contains=f" {term} ")
    return queryset


def can_fuzzy(q: str) -> bool:
    return is_postgres() and len(" ".join(words(q))) >= FUZZY_MIN_LENGTH


class _WordsInName(Expression):
    """``CASE WHEN strpos(' ' || name || ' ', ' word ') > 0 THEN points ELSE 0 END + …`` over one
    or two name columns, as one expression. Built from Case/When/Concat/``__contains`` the same
    ranking cost ~10 ms of Python per page (building and compiling some forty expression nodes),
    more than the query, and LIKE '% word %' is ~2x slower per row than strpos (instr on SQLite).
    A needle may be several spellings (any of them scores); ``every=True`` makes it the condition
    that every needle is found instead of a score."""

    output_field = IntegerField()

    def __init__(
        self, columns: list[F], needles: list[list[tuple[str | tuple[str, ...], int]]], *, every: bool = False
    ) -> None:
        super().__init__()
        self.columns = columns
        self.needles = needles  # per column: (word, phrase or spellings, points)
        self.every = every
        if every:
            self.output_field = BooleanField()

    @property
    def conditional(self) -> bool:
        return self.every

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        find = "instr" if connection.vendor == "sqlite" else "strpos"
        parts: list[str] = []
        params: list = []
        for column, needles in zip(self.columns, self.needles, strict=True):
            column_sql, column_params = compiler.compile(column)
            for needle, points in needles:
                spellings = (needle,) if isinstance(needle, str) else needle
                found = " OR ".join(f"{find}(' ' || {column_sql} || ' ', %s) > 0" for _ in spellings)
                parts.append(f"({found})" if self.every else f"CASE WHEN {found} THEN {int(points)} ELSE 0 END")
                for spelling in spellings:
                    params += [*column_params, f" {spelling} "]
        if self.every:
            return f"({' AND '.join(parts) or 'TRUE'})", params
        return f"({' + '.join(parts) or '0'})", params


def rank(q: str, *, close: Close | None = None, via: str = "") -> Expression:
    """How well a row's name matches ``q`` (higher first; see ``order``)."""
    terms = words(q)
    plain = " ".join(terms)
    search_name = f"{via}search_name"
    if close and is_postgres():
        # Every name of the typo-tolerant pass holds every word in an accepted spelling: none
        # scores above another, the shortest name comes first (see ``order``).
        return Value(0, output_field=IntegerField())
    columns = [F(search_name)]
    needles = [[(term, 4) for term in terms] + ([(plain, 2)] if len(terms) > 1 else [])]
    accented = [t for t in words(q, keep_accents=True) if t not in terms]
    if accented and is_postgres():
        # đồ ≠ độ ≠ do: the name's words as written (stored lower-cased, punctuation removed).
        columns.append(F(f"{via}search_name_written"))
        needles.append([(term, 2) for term in accented])
    return _WordsInName(columns, needles)


def order(queryset: QuerySet, q: str, *, close: Close | None = None, via: str = "") -> QuerySet:
    """Best matches first: words of the query found in the name (4 each), the query found as a
    phrase in the name (2), words typed with accents found with the same accents in the name (2
    each, PostgreSQL); then the shortest name (the closest to what was typed), then by name.
    The typo-tolerant pass (``close``) has every word in every name, so it orders by the shortest name.

    ``via`` reaches the search columns through a relation (``"search_entry__"`` orders procedures
    by their search entry's columns, exactly as the entries themselves are ordered).

    Why not ``ts_rank`` over the weighted vector: it detoasts and scores the whole vector of every
    matching row, ~10x slower on 10,000 procedures (docs/benchmarks/catalogue.md) for the same
    order, since every row already contains all the words and only the name tells rows apart.
    """
    if not words(q):
        return queryset.order_by(f"{via}name", "pk")
    score = rank(q, close=close, via=via)
    return queryset.annotate(rank=score).order_by("-rank", Length(f"{via}search_name"), f"{via}name", "pk")
