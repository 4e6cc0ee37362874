"""Accent- and case-insensitive text for Vietnamese search, shared by every database backend.

Why our own function: Unicode decomposition strips the tone and vowel marks (``ế`` → ``e``) but
``đ`` is a letter of its own, not ``d`` plus a mark, so it is mapped explicitly. The PostgreSQL
function ``portal_normalise`` (migration 0002) does the same with ``unaccent``; a test keeps the two
in step on the demo catalogue.
"""

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+")
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFD", text.translate(_D_MAP))
    return unicodedata.normalize("NFC", "".join(ch for ch in text if not unicodedata.combining(ch)))


def normalise(text: str) -> str:
    """``"Đăng ký  KHAI-SINH!"`` → ``"dang ky khai sinh"``: no accents, lower case, single spaces."""
    return " ".join(_NON_WORD.sub(" ", strip_accents(text or "").lower()).split())


def words(text: str, *, keep_accents: bool = False, limit: int = 12) -> list[str]:
    """The distinct search words of ``text`` in order, at most ``limit`` (a pasted paragraph must not
    become a 300-term query)."""
    source = " ".join(_NON_WORD.sub(" ", (text or "").lower()).split()) if keep_accents else normalise(text)
    seen: dict[str, None] = {}
    for word in source.split():
        seen.setdefault(word, None)
    return list(seen)[:limit]
