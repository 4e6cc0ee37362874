"""Vietnamese alphabetical order, for lists sorted in Python.

PostgreSQL sorts in Vietnamese only with an ICU collation ("vi-x-icu"), which the embedded server
of `make run` and `make test` is built without (its default "C" order puts "Ấn Độ" and "Đà Nẵng"
after "Yên Bái"). Lists the portal builds in Python (the agency tree, the fields) use this key.

The order is the alphabet's, a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, letters
first and tones only to break ties (ngang, huyền, hỏi, ngã, sắc, nặng), as dictionaries do.
"""

import unicodedata

# Combining marks that make a letter of its own (breve, circumflex, horn) and the stroke of đ.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
# The five tone marks, in dictionary order after the level tone (no mark).
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_key(text: str) -> tuple:
    """A sort key: the letters (with ă, â, đ, ê, ô, ơ, ư after their base letter), then the tones."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", (text or "").casefold()):
        if char in _TONES:
            tones[-1:] = [_TONES[char]]
        elif char in _LETTER_MARKS and letters:
            base, _ = letters[-1]
            letters[-1] = (base, _LETTER_MARKS[char])
        elif char == "đ":
            letters.append(("d", 4))
            tones.append(0)
        elif not unicodedata.combining(char):
            letters.append((char, 0))
            tones.append(0)
    return (tuple(letters), tuple(tones))


# Longer names sort by their first characters only: the stored key stays far below the 2,700 bytes
# a btree index entry may hold.
SORT_KEY_CHARS = 250


def vietnamese_sort_key(text: str) -> str:
    """``vietnamese_key`` as one string whose plain byte order ("C" collation, which every
    PostgreSQL has, the embedded one included) is the Vietnamese alphabetical order: each letter as
    its base character and a digit for its mark (a0 ă1 â2 … d0 đ4), then a separator below every
    character, then a digit per tone. Stored and indexed, the database sorts by it (the catalogue's
    pages of procedures, ``Procedure.name_sort``)."""
    letters, tones = vietnamese_key((text or "")[:SORT_KEY_CHARS])
    return "".join(f"{char}{mark}" for char, mark in letters) + "\x01" + "".join(str(tone) for tone in tones)
