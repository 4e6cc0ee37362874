"""Checks every e2e test runs on the pages it visits: axe-core (WCAG 2.1 A/AA) and the layout at any width.

`audit(page)` is the one call a journey makes after each page it reaches; the `page` fixtures then
verify at teardown that no page visited was left unaudited (see conftest.py).
"""

import os
from functools import cache
from pathlib import Path
from urllib.parse import urldefrag

from django.conf import settings
from playwright.sync_api import Page

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class AccessibilityError(AssertionError):
    pass


class LayoutError(AssertionError):
    pass


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(f"{AXE_JS} is missing: run `make test` (it runs `npm ci`) or `npm ci` at the repo root.")
    return AXE_JS.read_text(encoding="utf-8")


def audited_urls(page: Page) -> set[str]:
    """The URLs (without fragment) this page has been audited on; the fixtures compare with those visited."""
    if not hasattr(page, "_portal_audited"):
        page._portal_audited = set()
    return page._portal_audited


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v.get('impact') or 'n/a'}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            target = " ".join(" > ".join(t) if isinstance(t, list) else str(t) for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more element(s)")
    return "\n".join(lines)


def axe_check(page: Page) -> None:
    """Inject axe-core into the page (through the DevTools protocol, so a strict CSP cannot block it)
    and fail with a readable list if any WCAG 2.0/2.1 A or AA rule is violated."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const results = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    if violations:
        raise AccessibilityError(format_violations(page.url, violations))


# An element is "cut off" when part of it lies outside the viewport horizontally, or when it hides
# its own content (overflow hidden/clip with content wider than its box) without an ellipsis.
# Deliberate hiding is skipped: elements entirely off-screen to the left (skip link), 1px
# visually-hidden text, invisible elements, and the content of horizontal scroll containers.
_LAYOUT_JS = """
(deviceWidth) => {
  // A phone browser zooms out to fit a too-wide page, which widens window.innerWidth: compare
  // with the device width the context was opened with as well.
  const vw = Math.min(window.innerWidth, deviceWidth || window.innerWidth);
  const problems = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) s += "." + el.className.trim().split(/\\s+/).join(".");
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  const scrollsX = (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const reported = [];  // the outermost offenders only, not each of their children
  for (const el of document.body.querySelectorAll("*")) {
    if (reported.some((r) => r.contains(el))) continue;
    // Not rendered: display none, visibility hidden, or inside a closed <details>.
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const style = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    if (r.right <= 0) continue;
    let inScroller = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (scrollsX(a)) { inScroller = true; break; }
    }
    if (inScroller) continue;
    if (r.left < -1 || r.right > vw + 1) {
      problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px, viewport is ${vw}px`);
      reported.push(el);
      continue;
    }
    // A text box scrolls its own value sideways by design (a long address): not hidden content.
    const field = ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
    const clips = ["hidden", "clip"].includes(style.overflowX) && !field;
    if (clips && style.textOverflow !== "ellipsis" && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${describe(el)} hides content: ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
      reported.push(el);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: vw,
    problems: problems.slice(0, 20),
  };
}
"""


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page fits its viewport: no horizontal scrollbar and no element cut off at the sides."""
    result = page.evaluate(_LAYOUT_JS, (page.viewport_size or {}).get("width"))
    errors = []
    if result["scrollWidth"] > result["innerWidth"]:
        errors.append(
            f"horizontal scroll: the page is {result['scrollWidth']}px wide, the screen {result['innerWidth']}px"
        )
    errors.extend(result["problems"])
    if errors:
        raise LayoutError(f"layout problems on {page.url}:\n- " + "\n- ".join(errors))


# Pages exempted from the axe-core audit, each with the reason. Only staff use them; every public
# and citizen page is audited.
# - /admin/: Django admin's own markup and CSS (e.g. its filter sidebar and changelist table), which
#   we do not control; our back-office templates inside it reuse the portal's accessible field
#   partial. The layout check (no horizontal scroll) still runs on these pages.
AXE_EXEMPT_PATH_PREFIXES = ("/admin/",)


def _axe_exempt(url: str) -> bool:
    from urllib.parse import urlsplit

    return urlsplit(url).path.startswith(AXE_EXEMPT_PATH_PREFIXES)


def audit(page: Page) -> None:
    """Everything checked on every page a journey visits: accessibility and layout at this width."""
    if _axe_exempt(page.url):
        page.wait_for_load_state("load")  # axe_check waits for it on the other pages
    else:
        axe_check(page)
    assert_no_horizontal_scroll(page)
    audited_urls(page).add(urldefrag(page.url).url)


# --- Phone first (issue 19) -------------------------------------------------------------------
_SCROLLERS_JS = """
() => {
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const x = getComputedStyle(el).overflowX;
    if ((x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth + 1) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} is ${el.scrollWidth}px wide in ${el.clientWidth}px`);
    }
  }
  return wide;
}
"""


def assert_nothing_scrolls_sideways(page: Page) -> None:
    """Stricter than `assert_no_horizontal_scroll`: no table or box on the page needs a sideways
    scroll of its own either (a phone user would not find what is off to the right)."""
    assert_no_horizontal_scroll(page)
    wide = page.evaluate(_SCROLLERS_JS)
    if wide:
        raise LayoutError(f"content scrolls sideways on {page.url}:\n- " + "\n- ".join(wide))


def screens_down(page: Page, locator) -> float:
    """How far down the page the bottom of `locator` is, in screens (1.0 = the end of the first screen)."""
    box = locator.evaluate("el => { const r = el.getBoundingClientRect(); return r.bottom + window.scrollY; }")
    return box / page.viewport_size["height"]


def assert_within_screens(page: Page, locator, screens: float = 2.0) -> None:
    """The page's primary action can be reached in at most `screens` screens from the top."""
    where = screens_down(page, locator)
    if where > screens:
        raise LayoutError(f"the primary action of {page.url} ends {where:.2f} screens down (at most {screens})")


def save_screen(page: Page, name: str) -> None:
    """With PORTAL_SCREENS_DIR set (e.g. docs/screens), a full-page screenshot at CSS pixels."""
    folder = os.environ.get("PORTAL_SCREENS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, scale="css")
