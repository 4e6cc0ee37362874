"""Accent-insensitive Vietnamese search over the catalogue (PostgreSQL).

A ``tsvector`` built with the ``portal_vi`` text search configuration (``simple`` after
``unaccent``: "Đăng ký" → ``dang ky``, migration 0002) and a GIN index find the procedures holding
every word of the query, in any order, with or without accents. The order (``order()``) puts
words found in the name first, then the phrase kept together, then words typed with the right
accents (``đồ`` above ``độ`` when the user typed ``đồ``). When no procedure has all the words,
the typo-tolerant pass takes each word found in no procedure's name as misspelt and accepts
instead the name words one letter away from it (Levenshtein distance 1, fuzzystrmatch, over
``SearchWord``, the few thousand distinct words of the names), then keeps the names holding every
word or one of its close spellings, so ``dang ki khai sin`` (``ki`` → ``ky``, ``sin`` → ``sinh``)
still finds "Đăng ký khai sinh". A word with no close spelling at all means no such name: the
pass is skipped.

Why not pg_trgm similarity of the whole query to every name: it compares every candidate name
letter by letter (25 ms on 10,000 procedures, even when nothing is close); correcting words
against the word list costs well under a millisecond, then the same GIN index does the rest.

The search reads ``SearchEntry``, a narrow copy of the filters, names and vector, not the wide
procedure rows: see ``models.SearchEntry``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from functools import reduce

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.db.models import Case, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat, Left, Length, Lower, StrIndex
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from .models import Agency, Field, Procedure, RequiredDocument, SearchEntry, SearchWord
from .normalise import words

CONFIG = "portal_vi"
PUNCTUATION = ",.;:!?()[]{}/\\\"'-–—“”‘’…"
# Shortest normalised query worth a fuzzy pass: "do" is similar to half the catalogue.
FUZZY_MIN_LENGTH = 5
# Shortest misspelt word given close spellings: a one-letter word is one letter away from them all.
CLOSE_MIN_LENGTH = 2
# The typo-tolerant query: per word of the query, the spellings accepted (the word itself when some
# name has it, else the name words one letter away from it).
Close = tuple[tuple[str, ...], ...]
_NUMBER = re.compile(r"[0-9]+")
_ENTRY_COLUMNS = ("is_published", "agency_id", "field_id", "service_level", "name")


def _name(model, column: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).order_by().values("name")[:1])


def refresh(procedure_ids: Iterable[int]) -> None:
    """Recompute the search columns of these procedures, their search entries and the name words
    (see services.procedure_refresh_search). Name (A) > description (B) > result, applicants and
    documents (C) > field and agency names (D): the weights say where a word was found."""
    ids = list(procedure_ids)
    if not ids:
        return
    documents = (
        RequiredDocument.objects.filter(procedure=OuterRef("pk"))
        .values("procedure")
        .annotate(names=StringAgg("name", " ", order_by=("order", "pk")))
        .values("names")
    )
    Procedure.objects.filter(pk__in=ids).update(
        search_name=Left(Func(F("name"), function="portal_normalise"), 500),
        search_name_written=Left(
            Lower(Func(F("name"), Value(PUNCTUATION), Value(" " * len(PUNCTUATION)), function="translate")), 500
        ),
        search_vector=SearchVector("name", config=CONFIG, weight="A")
        + SearchVector("description", config=CONFIG, weight="B")
        + SearchVector("result", "eligible_applicants", Subquery(documents), config=CONFIG, weight="C")
        + SearchVector(_name(Field, "field_id"), _name(Agency, "agency_id"), config=CONFIG, weight="D"),
    )
    # The narrow copy the search reads. strip(): matching needs the words only, not their
    # positions and weights (half the size).
    copied = (*_ENTRY_COLUMNS, "search_name", "search_name_written")
    rows = list(
        Procedure.objects.filter(pk__in=ids)
        .annotate(stripped=Func(F("search_vector"), function="strip", output_field=SearchVectorField()))
        .values("pk", "stripped", *copied)
    )
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(procedure_id=row["pk"], search_vector=row["stripped"], **{c: row[c] for c in copied})
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["procedure"],
        update_fields=[column.removesuffix("_id") for column in (*copied, "search_vector")],
    )
    # The words of the names, for the typo-tolerant pass. Numbers are not words anyone misspells
    # ("mẫu 1234"): left out, they would make the list as long as the catalogue.
    found = {
        word for row in rows for word in row["search_name"].split() if len(word) <= 100 and not _NUMBER.fullmatch(word)
    }
    SearchWord.objects.bulk_create([SearchWord(word=word) for word in sorted(found)], ignore_conflicts=True)


def close_query(terms: list[str]) -> Close | None:
    """The typo-tolerant query for ``terms``: each word no name has replaced by the name words one
    letter away from it (one query). None when there is nothing to correct or a word has no close
    spelling (then no name can hold every word, whatever the spelling)."""
    distances = {
        f"d{index}": Func(
            F("word"), Value(term), Value(1), function="levenshtein_less_equal", output_field=IntegerField()
        )
        for index, term in enumerate(terms)
    }
    # The length test skips most of the list before the distance is computed.
    near = [
        Q(length__range=(len(term) - 1, len(term) + 1)) & LessThanOrEqual(distances[f"d{index}"], 1)
        for index, term in enumerate(terms)
        if len(term) >= CLOSE_MIN_LENGTH
    ]
    rows = list(
        SearchWord.objects.annotate(length=Length("word"), **distances)
        .filter(reduce(operator.or_, near, Q(word__in=terms)))
        .order_by("word")
        .values_list("word", *distances)
    )
    known = {row[0] for row in rows}
    if known.issuperset(terms):
        return None
    close: list[tuple[str, ...]] = []
    for index, term in enumerate(terms):
        if term in known:
            close.append((term,))
        elif len(term) >= CLOSE_MIN_LENGTH and (spellings := tuple(row[0] for row in rows if row[index + 1] <= 1)):
            close.append(spellings)
        else:
            return None
    return tuple(close)


def apply(queryset: QuerySet, q: str, *, close: Close | None = None) -> QuerySet:
    """Only the rows of ``queryset`` (search entries or procedures: the columns have the same
    names) matching ``q``, without ordering (the counts group this); with ``close``, the names
    holding every word in one of its accepted spellings."""
    terms = words(q)
    if not terms:
        return queryset
    if not close:
        return queryset.filter(search_vector=SearchQuery(" ".join(terms), config=CONFIG))
    # The GIN index finds the rows holding the words anywhere, then only names are kept.
    query = _every(close, lambda word: SearchQuery(word, config=CONFIG))
    return queryset.filter(search_vector=query).filter(_every(close, lambda word: _in_name("search_name", word)))


def _every(close: Close, condition):
    """Every word of ``close`` in one of its spellings."""
    return reduce(operator.and_, (reduce(operator.or_, map(condition, spellings)) for spellings in close))


def can_fuzzy(q: str) -> bool:
    return len(" ".join(words(q))) >= FUZZY_MIN_LENGTH


def _in_name(column: str, word: str) -> GreaterThan:
    """``word`` is one of the words of ``column`` (a space-separated name)."""
    return GreaterThan(StrIndex(Concat(Value(" "), F(column), Value(" ")), Value(f" {word} ")), 0)


def _points(column: str, needles: list[tuple[str, int]]) -> list[Case]:
    return [Case(When(_in_name(column, needle), then=Value(points)), default=Value(0)) for needle, points in needles]


def rank(q: str, *, close: Close | None = None, via: str = ""):
    """How well a row's name matches ``q`` (higher first; see ``order``)."""
    if close:
        # Every name of the typo-tolerant pass holds every word in an accepted spelling: none
        # scores above another, the shortest name comes first (see ``order``).
        return Value(0, output_field=IntegerField())
    terms = words(q)
    scores = _points(f"{via}search_name", [(term, 4) for term in terms])
    if len(terms) > 1:
        scores += _points(f"{via}search_name", [(" ".join(terms), 2)])
    # đồ ≠ độ ≠ do: the name's words as written (stored lower-cased, punctuation removed).
    accented = [term for term in words(q, keep_accents=True) if term not in terms]
    scores += _points(f"{via}search_name_written", [(term, 2) for term in accented])
    return reduce(operator.add, scores)


def order(queryset: QuerySet, q: str, *, close: Close | None = None, via: str = "") -> QuerySet:
    """Best matches first: words of the query found in the name (4 each), the query found as a
    phrase in the name (2), words typed with accents found with the same accents in the name (2
    each); then the shortest name (the closest to what was typed), then by name. The
    typo-tolerant pass (``close``) has every word in every name, so it orders by the shortest name.

    ``via`` reaches the search columns through a relation (``"search_entry__"`` orders procedures
    by their search entry's columns, exactly as the entries themselves are ordered).

    Why not ``ts_rank`` over the weighted vector: it scores the whole vector of every matching
    row, ~10x slower on 10,000 procedures (docs/benchmarks/catalogue.md) for the same order,
    since every row already contains all the words and only the name tells rows apart.
    """
    if not words(q):
        return queryset.order_by(f"{via}name", "pk")
    score = rank(q, close=close, via=via)
    return queryset.annotate(rank=score).order_by("-rank", Length(f"{via}search_name"), f"{via}name", "pk")
