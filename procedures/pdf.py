"""Plain-text form templates (mẫu đơn, tờ khai) as printable A4 PDFs with selectable text.

The creation date is fixed, so the same template gives the same bytes and re-importing it is
recognised as "unchanged".
"""

from __future__ import annotations

from datetime import UTC, datetime

from core import pdf as core_pdf

FIXED_DATE = datetime(2025, 1, 1, tzinfo=UTC)
MARGIN = 15  # mm
LINE_HEIGHT = 4.7  # mm
# 8.5 pt monospace: ~97 characters a line, so the author's space-aligned columns stay aligned.
BODY_SIZE = 8.5
TITLE_SIZE = 11


def text_to_pdf(text: str, *, title: str = "") -> bytes:
    """``text`` (lines kept, long lines wrapped) on as many A4 pages as needed. The first line is
    the form's title, set in bold and centred."""
    lines = core_pdf.nfc(text).strip("\n").splitlines() or [""]
    heading = lines[0].strip()
    pdf = core_pdf.document(title=title or heading, created=FIXED_DATE)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_page()
    pdf.set_font(core_pdf.SANS, "B", TITLE_SIZE)
    pdf.multi_cell(0, LINE_HEIGHT * 1.4, heading, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(core_pdf.MONO, "", BODY_SIZE)
    for line in lines[1:]:
        pdf.multi_cell(0, LINE_HEIGHT, line.rstrip().expandtabs(4), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
