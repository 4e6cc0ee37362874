"""Vietnamese catalogue search the way citizens ask (PostgreSQL, ``django.contrib.postgres``).

Each procedure has one search document, its ``SearchEntry``: the full-text vector of everything a
citizen may recognise (name, description, result, applicants, documents, field and agency) and the
vector of its name alone, both built with the ``portal_vi`` configuration (``simple`` after
``unaccent``, migration 0002: "Đăng ký" → ``dang ky``) and GIN-indexed.

A query goes through ``plan()`` before it is run:

1. **Normalised** like the documents (accents, case and punctuation aside), at most 12 words.
2. **Everyday words and abbreviations** are replaced by the official words they stand for, from
   the staff's synonym dictionary (``Synonym``, read with the catalogue's metadata, so an edit
   counts from the next search): "sổ đỏ" → "giấy chứng nhận quyền sử dụng đất", "GPLX" → "giấy
   phép lái xe". The longest known phrase wins.
3. **Words that carry no meaning in a query** (``STOP_PHRASES``: làm, xin, cho, thủ tục, cấp,
   giấy, hồ sơ…) weigh little: they only rank, they do not decide what matches.
4. **Typos**: a word of three letters or more that no document has is replaced by the words of
   the documents one wrong, missing, extra or swapped letter away (``SearchWord``, the vocabulary,
   read once per catalogue version and searched in memory);
   a word with no close spelling is left out. The view then offers the corrected query.

Then a procedure matches when it holds every meaningful word anywhere, or one of them in its
name (a GIN look-up each), so an extra word never empties the result; only when nothing matches
that way does the search take any procedure holding any word (``Plan.broad``). Results are
ordered by ``score``: each word found in the name counts twice its weight, found elsewhere once;
two words typed side by side and found side by side in the name add a point (``khai tử`` over
``tử``… ``khai``); a meaningful word typed with its accents and found so in the name adds a
little (``đồ`` above ``độ``). Then the shortest name, then by name.

Why not ``SearchRank`` (measured again on 2026-12-06, docs/benchmarks/catalogue.md, "SearchRank and
trigrams"): ``ts_rank`` cannot weigh one query word less than another (stop words), and the stored
vector of everything is stripped of positions and weights. Per word, ``SearchRank`` over the name
weighted A and the rest (weights D..A from 0.1/0.2/0.4/1 to 1/1/1/1) in place of the name and body
points lost the relevance set's top-1 (86–92 % against 97 %); as the tie-breaker inside equal
scores (over the name, normalised by its length) it kept 97 % / 100 % but made the ranking's SQL
5–20 % slower (and reordered 7 of the benchmark's 23 first pages, for no gain the set can see): not
adopted. Why not trigram similarity for typos: ``TrigramWordSimilarity`` of a short misspelt word
and the right one is under the usual 0.3 threshold ("hno"/"hon" 0.25), and the rule this module
keeps (one edit for every word of three letters or more) costs no query at all (the vocabulary is
read once per catalogue version, ``Vocabulary``); a two-edit pass for words of seven letters or
more would never fire (Vietnamese syllables are at most seven letters: no word of the vocabulary
has seven, ten have six) and on six-letter words two edits reach other real words ("thuong",
"truong", "chuong").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import combinations, pairwise

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.db.models import (
    Case,
    CharField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Left, Length, Lower

from .models import Agency, Field, Procedure, RequiredDocument, SearchEntry, SearchWord
from .normalise import normalise

CONFIG = "portal_vi"
PUNCTUATION = ",.;:!?()[]{}/\\\"'-–—“”‘’…"
MAX_WORDS = 12  # a pasted paragraph is not a 300-word query
MAX_PHRASE = 6  # the longest synonym or stop phrase looked for
TYPO_MIN_LENGTH = 3  # shorter words are one letter away from too many others
STOP_WEIGHT = 0.15
NAME_POINTS, BODY_POINTS, PAIR_POINTS, ACCENT_POINTS = 2.0, 1.0, 1.0, 0.3
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"[0-9]+")
DOCUMENT_COLUMNS = ("search_vector", "name_vector", "search_name", "search_name_written")

# Words that say how people ask, not what they ask for: they rank a little and match nothing on
# their own. Normalised; phrases are matched before single words ("ho so", not "ho" of "hộ").
STOP_PHRASES = frozenset(
    normalise(phrase)
    for phrase in (
        "làm", "xin", "cho", "thủ tục", "cấp", "giấy", "giấy tờ", "nộp", "hồ sơ", "muốn", "cần",
        "phải", "thế nào", "như thế nào", "làm sao", "ở đâu", "bao nhiêu", "bao lâu", "mất bao lâu",
        "tôi", "em", "mình", "cháu", "của", "và", "để", "ở", "tại", "được", "không", "gì", "những",
        "các", "về", "việc", "một", "thì", "là", "có", "bị", "với", "online", "trực tuyến", "qua mạng",
        "dịch vụ công", "mẫu", "đơn", "tờ khai", "hướng dẫn", "quy trình", "ai", "nơi", "đâu", "đi",
        "mới", "nhanh", "lệ phí", "phí", "hết", "bao giờ", "khi nào", "thủ tục hành chính", "xem",
    )
)  # fmt: skip


@dataclass(frozen=True)
class Term:
    """One word of the query as searched: the spellings accepted for it (the word itself, or the
    close spellings of a misspelt word), its weight, and how it was typed."""

    spellings: tuple[str, ...]
    weight: float
    typed: str
    prefix: bool = False
    stop: bool = False  # ranks a little, matches nothing on its own

    @property
    def corrected(self) -> bool:
        return self.spellings != (self.typed,) and not self.prefix

    def tsquery(self) -> str:
        """The term in ``to_tsquery`` syntax: spellings are vocabulary words (letters and digits
        only, see ``refresh``), quoted, so nothing typed can become an operator."""
        if self.prefix:
            return f"'{self.typed}':*"
        return "(" + " | ".join(f"'{spelling}'" for spelling in self.spellings) + ")"


@dataclass(frozen=True)
class Plan:
    """A query ready to run (``plan()``); cached with its counts, so it must stay picklable."""

    terms: tuple[Term, ...]
    pairs: tuple[tuple[int, int], ...]  # terms typed side by side (indices into terms)
    accented: tuple[str, ...]  # meaningful words typed with accents, lower case, as typed
    need: int = 0  # how many meaningful words a name must hold (0: all; see ``tiers``)
    broad: bool = False  # nothing matched the usual way: any document holding any word

    @property
    def corrected(self) -> bool:
        return any(term.corrected for term in self.terms)

    @property
    def meaningful(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.stop) or self.terms


@dataclass(frozen=True)
class Vocabulary:
    """The words of the search documents (``SearchWord``), which misspelt words are corrected
    against; cached per catalogue version (``selectors.catalogue_vocabulary``)."""

    words: frozenset[str]
    letters: str  # every letter the words are made of: what a slip may have typed instead
    longest: int

    @classmethod
    def of(cls, words: Iterable[str]) -> Vocabulary:
        words = frozenset(words)
        return cls(words=words, letters="".join(sorted(set("".join(words)))), longest=max(map(len, words), default=0))


def _name(model, column: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).order_by().values("name")[:1])


def refresh(procedure_ids: Iterable[int]) -> None:
    """Recompute the search documents of these procedures and add their words to the vocabulary
    (see services.procedure_refresh_search). The document holds the name, description, result,
    applicants, required documents, field and agency names: what a citizen may recognise; the
    steps, fees and legal basis would make every query match everything."""
    ids = list(procedure_ids)
    if not ids:
        return
    documents = (
        RequiredDocument.objects.filter(procedure=OuterRef("pk"))
        .values("procedure")
        .annotate(names=StringAgg("name", " ", order_by=("order", "pk")))
        .values("names")
    )
    everything = SearchVector(
        "name",
        "description",
        "result",
        "eligible_applicants",
        Subquery(documents),
        _name(Field, "field_id"),
        _name(Agency, "agency_id"),
        config=CONFIG,
    )
    # strip(): matching needs the words only, not their positions (half the size); the name keeps
    # its positions (words side by side).
    stripped = Func(everything, function="strip", output_field=SearchVectorField())
    copied = ("is_published", "agency_id", "field_id", "service_level", "name")
    rows = list(
        Procedure.objects.filter(pk__in=ids)
        .annotate(
            search_vector=stripped,
            name_vector=SearchVector("name", config=CONFIG),
            search_name=Left(Func(F("name"), function="portal_normalise"), 500),
            search_name_written=Left(
                Lower(Func(F("name"), Value(PUNCTUATION), Value(" " * len(PUNCTUATION)), function="translate")), 500
            ),
            lexemes=Func(stripped, function="tsvector_to_array", output_field=ArrayField(CharField())),
        )
        .values("pk", "lexemes", *DOCUMENT_COLUMNS, *copied)
    )
    SearchEntry.objects.bulk_create(
        [SearchEntry(procedure_id=row["pk"], **{c: row[c] for c in (*copied, *DOCUMENT_COLUMNS)}) for row in rows],
        update_conflicts=True,
        unique_fields=["procedure"],
        update_fields=[column.removesuffix("_id") for column in (*copied, *DOCUMENT_COLUMNS)],
    )
    # The vocabulary for typos: words of letters and digits only (what a query word can be),
    # numbers left out (nobody misspells "1234", and they would make the list as long as the catalogue).
    found = {
        word
        for row in rows
        for word in row["lexemes"]
        if len(word) <= 100 and _WORD.fullmatch(word) and not _NUMBER.fullmatch(word)
    }
    SearchWord.objects.bulk_create([SearchWord(word=word) for word in sorted(found)], ignore_conflicts=True)


def _segments(words: list[str], synonyms: dict[str, str]) -> list[tuple[str, float, bool, bool]]:
    """The words to search for, in order: (word, weight, typed by the user, stop word). A synonym
    replaces the longest phrase it matches, its words sharing the weight of the words typed (so
    "cấp 3" → "trung học phổ thông" does not outweigh the rest of the query); stop phrases weigh
    little."""
    out: list[tuple[str, float, bool, bool]] = []
    index = 0
    while index < len(words):
        for length in range(min(MAX_PHRASE, len(words) - index), 0, -1):
            phrase = " ".join(words[index : index + length])
            if phrase in synonyms:
                meaning = _segments(synonyms[phrase].split(), {})
                share = min(1.0, length / max(1, sum(1 for *_rest, stop in meaning if not stop)))
                out += [(word, weight * share, False, stop) for word, weight, _typed, stop in meaning]
                break
            if phrase in STOP_PHRASES:
                out += [(word, STOP_WEIGHT, True, True) for word in words[index : index + length]]
                break
        else:
            word = words[index]
            number = bool(_NUMBER.fullmatch(word))
            out.append((word, STOP_WEIGHT if number else 1.0, True, number))
            length = 1
        index += length
    return out


def _swaps(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


def _doubled(word: str) -> list[int]:
    return [i for i in range(1, len(word)) if word[i] == word[i - 1]]


def _one_edit(word: str, letters: str) -> set[str]:
    """Every string one deleted, replaced or inserted letter (of ``letters``) away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return {
        *(head + tail[1:] for head, tail in splits if tail),
        *(head + letter + tail[1:] for head, tail in splits if tail for letter in letters),
        *(head + letter + tail for head, tail in splits for letter in letters),
    }


def _vocabulary(
    words: list[str], correctable: list[str], vocabulary: Vocabulary
) -> tuple[set[str], dict[str, list[str]]]:
    """Which of ``words`` some document has, and for each of ``correctable`` the vocabulary words
    one edit away. In memory: the vocabulary is a few thousand short words (Vietnamese syllables
    written without accents), and the ~500 strings one edit from a word are looked up in a set
    faster than PostgreSQL answered the same question with ``levenshtein_less_equal`` (0.6–3.5 ms
    of SQL per search, docs/benchmarks/catalogue.md)."""
    known = {word for word in words if word in vocabulary.words}
    close: dict[str, list[str]] = {}
    # A word two letters longer than the longest of the vocabulary has no close spelling (and a
    # pasted 200-letter "word" would make 14,000 strings to look up).
    for word in (w for w in correctable if w not in known and len(w) <= vocabulary.longest + 1):
        # The likeliest slip first: two letters typed in the wrong order ("hno" → "hon"), a key
        # pressed twice ("xee" → "xe"), a letter left out (unaccented Vietnamese: "sin" for
        # "sinh"), then a wrong or an extra letter. Only the likeliest kind found is kept: "ho"
        # and "nho" are one letter from "hno" too, and would bring half the catalogue.
        swapped = sorted({swap for swap in _swaps(word) if swap != word and swap in vocabulary.words})
        near = sorted(w for w in _one_edit(word, vocabulary.letters) - {word} if w in vocabulary.words)
        doubled = [w for w in near if any(word[:i] + word[i + 1 :] == w for i in _doubled(word))]
        longer = [w for w in near if len(w) > len(word)]
        close[word] = swapped or doubled or longer or near
    return known, close


def plan(q: str, synonyms: dict[str, str], vocabulary: Vocabulary, *, prefix: bool = False) -> Plan:
    """The query ``q`` as it will be searched (see the module), from the synonym dictionary and
    the vocabulary (``SearchWord``), no query. With ``prefix`` (autocomplete), the last word typed
    may be the start of a word."""
    typed = normalise(q).split()[:MAX_WORDS]
    if not typed:
        return Plan(terms=(), pairs=(), accented=())
    # The last word of an autocomplete query may be unfinished, unless it ends a known phrase ("gplx").
    ends_phrase = any(
        " ".join(typed[start:]) in synonyms for start in range(max(0, len(typed) - MAX_PHRASE), len(typed))
    )
    partial = typed.pop() if prefix and _WORD.fullmatch(typed[-1]) and not ends_phrase else None
    segments = _segments(typed, synonyms)
    unique: dict[str, tuple[float, bool, bool]] = {}
    for word, weight, by_user, stop in segments:
        if word in unique:
            old_weight, old_by_user, old_stop = unique[word]
            unique[word] = (max(weight, old_weight), by_user or old_by_user, stop and old_stop)
        else:
            unique[word] = (weight, by_user, stop)
    correctable = [
        word
        for word, (_weight, by_user, _stop) in unique.items()
        if by_user and len(word) >= TYPO_MIN_LENGTH and not _NUMBER.fullmatch(word)
    ]
    known, close = _vocabulary(list(unique), correctable, vocabulary)
    terms: dict[str, Term] = {}
    for word, (weight, _by_user, stop) in unique.items():
        if word in known:
            terms[word] = Term(spellings=(word,), weight=weight, typed=word, stop=stop)
        elif close.get(word):
            terms[word] = Term(spellings=tuple(close[word]), weight=weight, typed=word, stop=stop)
        # otherwise no document has the word nor anything close to it: left out
    if partial and partial not in terms:
        terms[partial] = Term(spellings=(partial,), weight=1.0, typed=partial, prefix=True)
    order = list(terms)
    sequence = [segment[0] for segment in segments] + ([partial] if partial else [])
    pairs = {
        (order.index(first), order.index(second))
        for first, second in pairwise(sequence)
        if first in terms and second in terms and first != second and not (terms[first].stop or terms[second].stop)
    }
    written = " ".join(re.sub(r"[\W_]+", " ", q.lower()).split()[:MAX_WORDS]).split()
    # Accents count for the words that say what is asked for (a stop word's, "hồ" of "hồ sơ", say
    # nothing), unless the query is only such words.
    asked = {term.typed for term in terms.values() if not term.stop} or set(terms)
    accented = tuple(dict.fromkeys(word for word in written if normalise(word) != word and normalise(word) in asked))
    return Plan(terms=tuple(terms.values()), pairs=tuple(sorted(pairs)), accented=accented)


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config=CONFIG, search_type="raw")


def _all(terms: Iterable[Term]) -> str:
    return " & ".join(term.tsquery() for term in terms)


def _any(terms: Iterable[Term]) -> str:
    return " | ".join(term.tsquery() for term in terms)


def tiers(the_plan: Plan) -> list[Plan]:
    """The plan at each level of tolerance, tried in turn until one finds something: a document
    holding every meaningful word, or a name holding all but one of them (all of them for one or
    two words); then a name holding any of them; then any document holding any word."""
    n = len(the_plan.meaningful)
    needs = dict.fromkeys((n - 1 if n >= 3 else n, 1))
    return [*(replace(the_plan, need=need) for need in needs), replace(the_plan, broad=True)]


def matches(the_plan: Plan, via: str = "") -> Q:
    """The documents ``the_plan`` finds at its level of tolerance (see ``tiers``)."""
    if not the_plan.terms:
        return Q(pk__in=[])
    if the_plan.broad:
        return Q(**{f"{via}search_vector": _query(_any(the_plan.terms))})
    meaningful = the_plan.meaningful
    need = min(the_plan.need or len(meaningful), len(meaningful))
    in_name = Q(
        **{f"{via}name_vector": _query(" | ".join(f"({_all(subset)})" for subset in combinations(meaningful, need)))}
    )
    if all(term.stop for term in meaningful):  # only words such as "thủ tục cấp giấy": they are everywhere
        return in_name
    anywhere = Q(**{f"{via}search_vector": _query(_all(meaningful))})
    # A name holding every word is a document holding every word (the name is part of it).
    return anywhere if need == len(meaningful) else anywhere | in_name


# The ranking's 10 to 40 conditions as lookup expressions, not ``Q`` objects: a ``Q`` goes through
# the filter machinery (path resolution, joins) each time, and a ``Concat`` is a tree of casts.
# Same SQL for the vectors (``@@``); building and compiling the benchmark's 23 rankings went from
# 50 to 42 ms (docs/benchmarks/catalogue.md).
_VECTOR_MATCH = SearchVectorField().get_lookup("exact")
_WORD_IN = CharField().get_lookup("regex")


def _match(column: str, query: SearchQuery):
    return _VECTOR_MATCH(F(column), query)


def _in_name(column: str, word: str):
    """``word`` is one of the words of ``column`` (a space-separated name). ``word`` is letters
    and digits only (split on everything else, see ``plan``): nothing in it is a regex operator."""
    return _WORD_IN(F(column), f"(^| ){word}( |$)")


_FLOAT = FloatField()


def _points(value: float) -> Value:
    return Value(value, output_field=_FLOAT)


class _Total(Func):
    """``a + b + c`` as one flat expression. A chain of ``+`` is a tree as deep as the number of
    parts, which the ORM resolves and copies level by level (compiling a long query's ranking
    takes about as long as running it, docs/benchmarks/catalogue.md)."""

    template = "(%(expressions)s)"
    arg_joiner = " + "
    output_field = _FLOAT


def _found(term: Term, via: str) -> list[When]:
    """Points for ``term`` found in the name, else elsewhere (a stop word found elsewhere than in
    the name says nothing: it is in nearly every document)."""
    query = _query(term.tsquery())
    whens = [When(_match(f"{via}name_vector", query), then=_points(NAME_POINTS * term.weight))]
    if not term.stop:
        whens.append(When(_match(f"{via}search_vector", query), then=_points(BODY_POINTS * term.weight)))
    return whens


def score(the_plan: Plan, via: str = ""):
    """How well a document answers ``the_plan`` (higher first; see the module)."""
    parts = [Case(*_found(term, via), default=_points(0)) for term in the_plan.terms]
    parts += [
        Case(
            When(
                _match(f"{via}name_vector", _query(f"{the_plan.terms[a].tsquery()} <-> {the_plan.terms[b].tsquery()}")),
                then=_points(PAIR_POINTS * min(the_plan.terms[a].weight, the_plan.terms[b].weight)),
            ),
            default=_points(0),
        )
        for a, b in the_plan.pairs
    ]
    # đồ ≠ độ ≠ do: the name's words as written (stored lower-cased, punctuation removed).
    parts += [
        Case(When(_in_name(f"{via}search_name_written", word), then=_points(ACCENT_POINTS)), default=_points(0))
        for word in the_plan.accented
    ]
    return _Total(*parts)


def order(queryset: QuerySet, the_plan: Plan, *, via: str = "") -> QuerySet:
    """Best answers first (``score``), then the shortest name (the closest to what was typed),
    then by name. ``via`` reaches the search columns through a relation (``"search_entry__"``
    orders procedures exactly as their entries are ordered)."""
    # Ordered by the expression itself, not by an annotation: the ids are selected alone, and an
    # annotation left out of the SELECT is resolved once for ``annotate`` and again for ORDER BY.
    return queryset.order_by(score(the_plan, via).desc(), Length(f"{via}name"), f"{via}name", "pk")
