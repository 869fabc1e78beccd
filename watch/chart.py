"""The per-team picture: a Mermaid xychart for Markdown (GitHub renders it) and
an inline SVG for the self-contained HTML. Teams without a range in the policy
have no percentage and are left out of the picture (the table lists them)."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BAR_WIDTH, ROW, LABEL = 320, 28, 140


def _with_range(teams: pd.DataFrame) -> pd.DataFrame:
    ranged = teams[teams["capacity"] > 0]
    return ranged.assign(pct=(100.0 * ranged["used"] / ranged["capacity"]).round(1))


def mermaid(teams: pd.DataFrame) -> str:
    t = _with_range(teams)
    if t.empty:
        return ""
    labels = ", ".join(json.dumps(str(n)) for n in t["team"])
    values = ", ".join(f"{v:g}" for v in t["pct"])
    top = max(100, int(t["pct"].max()) + 1)
    return ("```mermaid\nxychart-beta\n    title \"Codes used per team (% of its range)\"\n"
            f"    x-axis [{labels}]\n    y-axis \"% of range used\" 0 --> {top}\n"
            f"    bar [{values}]\n```\n")


def svg(teams: pd.DataFrame) -> str:
    t = _with_range(teams)
    if t.empty:
        return ""
    height = ROW * len(t) + 40
    width = LABEL + BAR_WIDTH + 140
    parts = [f'<svg id="team-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" role="img" aria-label="Codes used per team">',
             '<text x="0" y="16" font-size="14" font-weight="bold">Codes used per team '
             '(% of its range)</text>']
    for i, (team, used, cap, pct) in enumerate(zip(t["team"], t["used"], t["capacity"],
                                                   t["pct"], strict=True)):
        y = 30 + i * ROW
        full = min(pct, 100.0) / 100.0 * BAR_WIDTH
        colour = "#c0392b" if pct >= 90 else "#2e86c1"
        parts += [
            f'<text x="0" y="{y + 15}" font-size="13">{escape(str(team))}</text>',
            f'<rect x="{LABEL}" y="{y}" width="{BAR_WIDTH}" height="20" fill="#eaeded"/>',
            f'<rect class="bar" x="{LABEL}" y="{y}" width="{full:.1f}" height="20" '
            f'fill="{colour}"><title>{escape(str(team))}: {used} of {cap}</title></rect>',
            f'<text x="{LABEL + BAR_WIDTH + 8}" y="{y + 15}" font-size="13">{used} / {cap} '
            f'({pct:g}%)</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
