"""Plain-text form templates (mẫu đơn, tờ khai) rendered as printable A4 PDF pages.

Why Pillow: it is already a dependency; a font with every Vietnamese glyph (DejaVu Sans, free
licence, shipped under ``procedures/demo/fonts/``) makes the pages correct on a fresh machine
that has no fonts installed. The output is deterministic (fixed dates), so re-importing the same
template is recognised as "unchanged".
"""

from __future__ import annotations

import io
import time
import unicodedata
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).resolve().parent / "demo" / "fonts"
DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
FONT_SIZE = 18  # ~8.6 pt monospace: ~97 characters a line, so space-aligned columns stay aligned
TITLE_SIZE = 22
LINE_HEIGHT = 28
_FIXED_DATE = time.gmtime(1735689600)  # 2025-01-01: fixed so the bytes are reproducible


@cache
def _font(bold: bool = False) -> ImageFont.FreeTypeFont:
    if bold:
        return ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), TITLE_SIZE)
    return ImageFont.truetype(str(FONT_DIR / "DejaVuSansMono.ttf"), FONT_SIZE)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.rstrip().expandtabs(4)
        if font.getlength(paragraph) <= width:  # keep the author's spacing (aligned columns)
            lines.append(paragraph)
            continue
        indent = paragraph[: len(paragraph) - len(paragraph.lstrip())]
        current = indent
        for word in paragraph.split():
            candidate = f"{current} {word}" if current.strip() else f"{current}{word}"
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if current.strip():
                lines.append(current)
            current = indent + word
            while font.getlength(current) > width:  # a word wider than the page (dotted lines)
                cut = len(current)
                while cut > 1 and font.getlength(current[:cut]) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


def text_to_pdf(text: str, *, title: str = "") -> bytes:
    """Render ``text`` (UTF-8, lines kept, long lines wrapped) on as many A4 pages as needed.
    The first non-empty line is the form's title and is set in bold, centred."""
    font, bold = _font(), _font(bold=True)
    width = PAGE[0] - 2 * MARGIN
    raw_lines = unicodedata.normalize("NFC", text).strip("\n").splitlines() or [""]
    heading, body = raw_lines[0].strip(), "\n".join(raw_lines[1:])
    lines = [("title", line) for line in _wrap(heading, bold, width)] + [
        ("body", line) for line in _wrap(body, font, width)
    ]
    per_page = (PAGE[1] - 2 * MARGIN) // LINE_HEIGHT
    pages: list[Image.Image] = []
    for start in range(0, len(lines), per_page):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        y = MARGIN
        for kind, line in lines[start : start + per_page]:
            if kind == "title":
                x = (PAGE[0] - bold.getlength(line)) / 2
                draw.text((x, y), line, font=bold, fill=0)
            else:
                draw.text((MARGIN, y), line, font=font, fill=0)
            y += LINE_HEIGHT
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(
        buffer,
        format="PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=DPI,
        title=title or heading,
        creationDate=_FIXED_DATE,
        modDate=_FIXED_DATE,
    )
    return buffer.getvalue()
