"""Charts drawn on the server as inline SVG: no script, no CDN, readable without colour
(each bar's figures are in the table beside it and in its tooltip).

Bars are laid out in percentages of the SVG's width and the text in pixels, so the chart
fills a phone's width or a desk's without its words shrinking to nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

COLOURS = {"not_started": "#c9ced6", "in_progress": "#e0a526", "finished": "#2f855a"}
ROW, BAR, FONT = 46, 18, 14  # pixels
LEGEND_GAP = 28


@dataclass(frozen=True)
class Row:
    label: str
    counts: Mapping[str, int]  # state → people
    shown: Mapping[str, str]  # state → the figure as printed (「少於 5 人」 below 5)


def _text_width(text: str) -> float:
    """Roughly how wide `text` is at FONT pixels: CJK characters are square, Latin ones narrower."""
    return sum(FONT if ord(c) > 0x2E80 else FONT * 0.6 for c in text)


def stacked_bars(rows: Sequence[Row], states: Sequence[str], legend: Mapping[str, str], title: str) -> Markup:
    """One horizontal bar per row (a bundle), split by state, widths by share of the row's people."""
    height = ROW * len(rows) + 30
    parts = [
        f'<svg class="chart" width="100%" height="{height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    x = 0.0
    for state in states:  # the legend on top
        parts.append(f'<rect x="{x:.0f}" y="4" width="12" height="12" fill="{COLOURS[state]}"/>')
        parts.append(f'<text x="{x + 17:.0f}" y="15" fill="#222">{escape(legend[state])}</text>')
        x += 17 + _text_width(legend[state]) + LEGEND_GAP
    for i, row in enumerate(rows):
        top = 30 + i * ROW
        parts.append(f'<text x="0" y="{top + 13}" fill="#222">{escape(row.label)}</text>')
        total = sum(row.counts.get(s, 0) for s in states)
        if not total:
            parts.append(f'<rect x="0" y="{top + 19}" width="100%" height="{BAR}" fill="#f1f3f5"/>')
            continue
        left = 0.0
        for state in states:
            n = row.counts.get(state, 0)
            if not n:
                continue
            share = 100 * n / total
            parts.append(
                f'<rect x="{left:.2f}%" y="{top + 19}" width="{share:.2f}%" height="{BAR}" fill="{COLOURS[state]}">'
                f"<title>{escape(legend[state])}: {escape(row.shown[state])}</title></rect>"
            )
            left += share
    parts.append("</svg>")
    return Markup("".join(parts))
