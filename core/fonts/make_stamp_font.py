"""Makes DejaVuSans-Stamp.ttf, the font of the signature stamp on signed results (core/signing.py):
DejaVu Sans reduced to Latin and Vietnamese letters, without hinting, scaled to 1000 units per em.

pyHanko writes a font's glyph widths in the font's own units, which a PDF reader takes as
thousandths of an em: with DejaVu's 2048 units the letters were drawn twice as far apart. Hinting
instructions do not survive the scaling (readers then lose the dots of i and :), so they go.
Run from the project folder: ``.venv/bin/python core/fonts/make_stamp_font.py``.
"""

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

FOLDER = Path(__file__).resolve().parent
LATIN = [*range(0x20, 0x7F), *range(0xA0, 0x100)]
VIETNAMESE = [0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0]
VIETNAMESE += [*range(0x300, 0x324), *range(0x1EA0, 0x1EFA)]
PUNCTUATION = [0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x20AB]


def main() -> None:
    font = TTFont(FOLDER / "DejaVuSans.ttf")
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=LATIN + VIETNAMESE + PUNCTUATION)
    subsetter.subset(font)
    scale_upem(font, 1000)
    font.save(FOLDER / "DejaVuSans-Stamp.ttf")


if __name__ == "__main__":
    main()
