"""Accent-insensitive Vietnamese search over the catalogue.

PostgreSQL (the production database): a stored, weighted ``tsvector`` holds every word twice, as
written (``simple``: ``đăng``) and without accents (``portal_vi``: ``dang``), with a GIN index; the
normalised name has a trigram GIN index for typos. A query matches when all its words are present
without accents (word order free); ranking puts words found in the name above words found in the
description, then the phrase kept together, then words typed with the right accents (``đồ`` above
``độ`` when the user typed ``đồ``). When no procedure has all the words, a second pass looks for
names that are similar letter by letter (pg_trgm), so ``dang ki khai sin`` still finds
"Đăng ký khai sinh".

SQLite (the zero-install default): the same words are matched as whole words in the normalised
columns and scored with the same priorities in plain SQL. It has no typo tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramSimilarity, TrigramStrictWordSimilarity
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, QuerySet, TextField, Value, When
from django.db.models.functions import Concat, Length

from .models import Procedure
from .normalise import normalise, words

# Shortest normalised query worth a fuzzy pass: "do" is similar to half the catalogue.
FUZZY_MIN_LENGTH = 5

# One statement refreshes any number of procedures, so the import, the admin and the benchmark
# all produce exactly the same columns. Name (A) > description (B) > result, applicants and
# documents (C) > field and agency names (D).
_REFRESH_SQL = """
UPDATE procedures_procedure AS p SET
  search_name = left(portal_normalise(p.name), 500),
  search_text = portal_normalise(concat_ws(' ', p.code, p.name, p.description, p.result,
                                 p.eligible_applicants, docs.names, f.name, a.name)),
  search_vector =
      setweight(to_tsvector('simple', p.name), 'A')
   || setweight(to_tsvector('portal_vi', p.name), 'A')
   || setweight(to_tsvector('simple', p.description), 'B')
   || setweight(to_tsvector('portal_vi', p.description), 'B')
   || setweight(to_tsvector('portal_vi', concat_ws(' ', p.result, p.eligible_applicants, docs.names)), 'C')
   || setweight(to_tsvector('portal_vi', concat_ws(' ', f.name, a.name)), 'D')
FROM procedures_field AS f, procedures_agency AS a,
     (SELECT p2.id, (SELECT string_agg(d.name, ' ' ORDER BY d."order", d.id)
                     FROM procedures_requireddocument AS d WHERE d.procedure_id = p2.id) AS names
      FROM procedures_procedure AS p2 WHERE p2.id = ANY(%s)) AS docs
WHERE p.id = docs.id AND f.id = p.field_id AND a.id = p.agency_id
"""


def is_postgres() -> bool:
    return bool(getattr(settings, "IS_POSTGRES", False)) and connection.vendor == "postgresql"


def refresh(procedure_ids: Iterable[int]) -> None:
    """Recompute the search columns of these procedures (see services.procedure_refresh_search)."""
    ids = list(procedure_ids)
    if not ids:
        return
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH_SQL, [ids])
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
            search_name=normalise(procedure.name)[:500], search_text=normalise(" ".join(parts))
        )


def apply(queryset: QuerySet[Procedure], q: str, *, fuzzy: bool = False) -> QuerySet[Procedure]:
    """Only the procedures matching ``q`` (without ordering: the facet counts group this)."""
    terms = words(q)
    if not terms:
        return queryset
    if is_postgres():
        if fuzzy:
            return queryset.filter(search_name__trigram_strict_word_similar=" ".join(terms))
        return queryset.filter(search_vector=SearchQuery(" ".join(terms), config="portal_vi", search_type="plain"))
    padded = Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField())
    queryset = queryset.alias(_padded_text=padded)
    for term in terms:
        queryset = queryset.filter(_padded_text__contains=f" {term} ")
    return queryset


def can_fuzzy(q: str) -> bool:
    return is_postgres() and len(" ".join(words(q))) >= FUZZY_MIN_LENGTH


def order(queryset: QuerySet[Procedure], q: str, *, fuzzy: bool = False) -> QuerySet[Procedure]:
    """Best matches first; ties by name so pages are stable."""
    terms = words(q)
    if not terms:
        return queryset.order_by("name", "pk")
    plain = " ".join(terms)
    if is_postgres():
        if fuzzy:
            rank = TrigramStrictWordSimilarity(plain, "search_name")
            return queryset.annotate(rank=rank).order_by("-rank", "name", "pk")
        vector = F("search_vector")
        # Words of the query present in the name: the strongest signal ({D, C, B, A} weights).
        in_name = SearchRank(
            vector, reduce(or_, (SearchQuery(t, config="portal_vi") for t in terms)), weights=[0, 0, 0, 1]
        )
        everywhere = SearchRank(vector, SearchQuery(plain, config="portal_vi", search_type="plain"))
        phrase = SearchRank(vector, SearchQuery(plain, config="portal_vi", search_type="phrase"))
        # Words typed with their accents that the name has with the same accents (đồ ≠ độ). A word
        # typed without accents matches its stripped form, so that query ranks as before.
        accented = SearchRank(
            vector,
            reduce(or_, (SearchQuery(t, config="simple") for t in words(q, keep_accents=True))),
            weights=[0, 0, 0, 1],
        )
        # Tie-break: the name closest to what was typed ("khai sinh" before "khai sinh lại").
        closeness = TrigramSimilarity("search_name", plain)
        rank = in_name * Value(4.0) + everywhere + phrase * Value(0.5) + accented * Value(2.0) + closeness * Value(0.5)
        return queryset.annotate(rank=rank).order_by("-rank", "name", "pk")
    padded_name = Concat(Value(" "), F("search_name"), Value(" "), output_field=TextField())
    queryset = queryset.alias(_padded_name=padded_name)
    score = sum(
        (
            Case(When(_padded_name__contains=f" {t} ", then=Value(4)), default=Value(0), output_field=IntegerField())
            for t in terms
        ),
        start=Value(0, output_field=IntegerField()),
    )
    queryset = queryset.alias(_padded_all=Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField()))
    phrase = Case(
        When(_padded_name__contains=f" {plain} ", then=Value(2)),
        When(_padded_all__contains=f" {plain} ", then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    # Tie-break: the shortest name, i.e. the closest to what was typed.
    return queryset.annotate(rank=(score + phrase) * Value(1.0, output_field=FloatField())).order_by(
        "-rank", Length("search_name"), "name", "pk"
    )
