"""Charts drawn on the server as inline SVG: no script, no CDN, readable without colour
(each bar carries its figures as text too)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

COLOURS = {"not_started": "#c9ced6", "in_progress": "#e0a526", "finished": "#2f855a"}
WIDTH, ROW, BAR, LABEL = 600, 46, 18, 16


@dataclass(frozen=True)
class Row:
    label: str
    counts: Mapping[str, int]  # state → people
    shown: Mapping[str, str]  # state → the figure as printed (「少於 5 人」 below 5)


def stacked_bars(rows: Sequence[Row], states: Sequence[str], legend: Mapping[str, str], title: str) -> Markup:
    """One horizontal bar per row (a bundle), split by state, widths by share of the row's people."""
    height = ROW * len(rows) + 34
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{LABEL - 3}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0
    for state in states:  # the legend on top
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLOURS[state]}"/>')
        parts.append(f'<text x="{x + 17}" y="15" fill="#222">{escape(legend[state])}</text>')
        x += 17 + 14 * len(legend[state]) + 18
    for i, row in enumerate(rows):
        top = 34 + i * ROW
        parts.append(f'<text x="0" y="{top + 12}" fill="#222">{escape(row.label)}</text>')
        total = sum(row.counts.get(s, 0) for s in states)
        left = 0.0
        for state in states:
            n = row.counts.get(state, 0)
            if not total or not n:
                continue
            width = WIDTH * n / total
            parts.append(
                f'<rect x="{left:.1f}" y="{top + 18}" width="{width:.1f}" height="{BAR}" fill="{COLOURS[state]}">'
                f"<title>{escape(legend[state])}: {escape(row.shown[state])}</title></rect>"
            )
            left += width
        if not total:
            parts.append(f'<rect x="0" y="{top + 18}" width="{WIDTH}" height="{BAR}" fill="#f1f3f5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
