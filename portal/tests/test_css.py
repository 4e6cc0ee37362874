"""Guards for layout fixes in static/css/portal.css that only a phone-sized browser shows.

The 360 px citizen journey (portal/tests/e2e/test_citizen_journey.py) is what proves them; these
checks keep the rules from being dropped in a suite run without a browser.
"""

import re
from pathlib import Path

from django.conf import settings

CSS = re.sub(
    r"/\*.*?\*/",
    "",
    (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text(encoding="utf-8"),
    flags=re.S,
)


def declarations(selector: str) -> str:
    """The declarations of every rule whose selector list contains `selector`."""
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        if selector in [s.strip() for s in selectors.split(",")]:
            found.append(body)
    assert found, f"no rule for {selector}"
    return " ".join(found)


def test_a_scrolling_table_contains_its_visually_hidden_text():
    """Regression: the hidden text of the last column's link ("Tải mẫu: <document>") is absolutely
    positioned; without a positioned wrapper it escaped the scroll box and widened the page to 390 px."""
    assert "position: relative" in declarations(".table-wrap")


def test_a_long_dossier_code_wraps_at_its_hyphens_in_headings():
    """Regression: the code in the success page's large display and the detail page's heading did
    not wrap (white-space: nowrap) and made a 360 px page scroll sideways."""
    for selector in (".dossier-code-large", "h1 .dossier-code"):
        assert "white-space: normal" in declarations(selector)
