"""Accessible bar charts drawn on the server as SVG (no chart service, no JavaScript).

Each chart carries a <title> and <desc> and is labelled with role="img"; the page shows the
same figures in a table beside it, which is the text alternative screen-reader users get.
Colours are paired with a stroke pattern so series are told apart without colour vision.
"""

from dataclasses import dataclass
from html import escape

PALETTE = [
    ("#1f5f99", ""),  # blue, solid
    ("#2f7d32", "4 2"),  # green, dashed outline
    ("#7a5c00", "6 3"),  # ochre
    ("#b3261e", "1 2"),  # red, dotted outline (4th: the statistics' "late")
    ("#5b3a8c", "2 1"),  # purple
]


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float]


def bar_chart(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    width: int = 720,
    chart_id: str = "chart",
) -> str:
    """Grouped horizontal bars: one group per category (agency or month), one bar per series.

    ``chart_id`` prefixes the ids of the title and description: give each chart of a page its own.
    """
    # Room for the longest category label (at most about 9 px a character at 13 px), within limits.
    label_width = min(max(max((len(_shorten(c)) for c in categories), default=0) * 9 + 16, 80), 300)
    bar_height = 14
    gap = 10
    legend_height = 24 * ((len(series) + 2) // 3)
    group_height = bar_height * len(series) + gap
    height = 40 + legend_height + group_height * max(len(categories), 1) + 10
    plot_width = width - label_width - 60
    peak = max([v for s in series for v in s.values] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)]
        x = 10 + (i % 3) * (width // 3)
        y = 14 + (i // 3) * 24
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="14" height="14" fill="{colour}" stroke="#111" '
            f'stroke-dasharray="{dash}"/><text x="{x + 20}" y="{y + 2}" font-size="13">{escape(s.label)}</text>'
        )
    top = 30 + legend_height
    for c, category in enumerate(categories):
        gy = top + c * group_height
        parts.append(
            f'<text x="{label_width - 8}" y="{gy + group_height / 2}" font-size="13" text-anchor="end">'
            f"{escape(_shorten(category))}</text>"
        )
        for i, s in enumerate(series):
            value = s.values[c] if c < len(s.values) else 0
            colour, dash = PALETTE[i % len(PALETTE)]
            w = 0 if peak == 0 else plot_width * value / peak
            y = gy + i * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height - 2}" fill="{colour}" '
                f'stroke="#111" stroke-width="0.5" stroke-dasharray="{dash}"/>'
                f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height - 3}" font-size="11">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
