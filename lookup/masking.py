"""Public answers carry no personal data beyond a masked applicant name."""

import unicodedata


def mask_person_name(full_name: str) -> str:
    """Keep the family name, reduce the other names to initials: "Nguyễn Văn An" → "Nguyễn V. A."

    Enough for a citizen to recognise their own dossier, too little to identify a stranger's.
    """
    words = [w for w in (full_name or "").split() if w]
    if not words:
        return ""
    if len(words) == 1:
        return f"{_initial(words[0])}."
    return " ".join([words[0], *(f"{_initial(w)}." for w in words[1:])])


def _initial(word: str) -> str:
    return unicodedata.normalize("NFC", word)[0].upper()
