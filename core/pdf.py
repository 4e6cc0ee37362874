"""PDF documents with Vietnamese text: fpdf2 and the one copy of the fonts the portal ships.

DejaVu Sans (regular and bold) has every Vietnamese letter and a free licence
(``core/fonts/LICENSE.txt``): a PDF comes out the same on a fresh machine with no fonts installed.
DejaVu Sans Mono lacks a few precomposed letters (ố, ử, Ủ…): they are drawn from DejaVu Sans.
The fonts hold precomposed letters, so text is normalised to NFC first (``nfc``).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVu"
MONO = "DejaVuMono"
_FONTS = ((SANS, "", "DejaVuSans.ttf"), (SANS, "B", "DejaVuSans-Bold.ttf"), (MONO, "", "DejaVuSansMono.ttf"))


def nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text if text is not None else ""))


def label_rows(pdf: FPDF, rows, *, width: float, label_width: float) -> None:
    """Two columns, a bold label and its value (each may wrap; "—" for an empty value), one row
    under the other: the layout every receipt of the portal uses."""
    for label, value in rows:
        pdf.set_font(SANS, "B", 10)
        y = pdf.get_y()
        pdf.multi_cell(label_width, 6, nfc(label), new_x="RIGHT", new_y="TOP")
        pdf.set_font(SANS, "", 10)
        pdf.multi_cell(width - label_width, 6, nfc(value or "—"), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + 6) + 1)


def document(*, title: str = "", creator: str = "", created: datetime | None = None) -> FPDF:
    """An A4 document (millimetres) with the fonts registered as ``SANS`` and ``MONO``.
    ``created``: the creation date written into the file (default: now); a fixed one makes the
    same content give the same bytes."""
    pdf = FPDF(format="A4", unit="mm")
    for family, style, filename in _FONTS:
        pdf.add_font(family, style, str(FONT_DIR / filename))
    pdf.set_fallback_fonts([SANS], exact_match=False)
    if created is not None:
        pdf.set_creation_date(created)
    if title:
        pdf.set_title(nfc(title))
    if creator:
        pdf.set_creator(nfc(creator))
    return pdf
