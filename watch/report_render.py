"""The monthly report as Markdown, CSV or one self-contained HTML file."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from watch import chart

if TYPE_CHECKING:
    import pandas as pd

    from watch.report import Report

# (title, attribute, columns shown)
SECTIONS = (
    ("Extensions without an owner", "no_owner", ("code", "name", "team")),
    ("Disabled extensions still on the PBX", "disabled", ("code", "name", "owner")),
    ("Remote extensions (blank allowed_ips first)", "remote",
     ("code", "name", "allowed_ips", "owner")),
    ("High-risk extensions and their rotation due date", "high_risk",
     ("code", "name", "password_rotated", "due", "overdue")),
    ("Unused extensions: disable?", "unused", ("code", "name", "last_seen", "command")),
)


def _intro(r: Report) -> str:
    live = f"; live data from target {r.live}" if r.live else ""
    state = "" if r.has_state else ("; no audit state given (--state), so no unused "
                                    "extensions are listed")
    findings = (f"; the file has {r.findings} structural finding(s): run extctl validate"
                if r.findings else "")
    return f"{r.rows} extensions on {r.today.isoformat()}{live}{state}{findings}."


def _team_rows(r: Report) -> pd.DataFrame:
    t = r.teams
    pct = (100.0 * t["used"] / t["capacity"].where(t["capacity"] > 0)).round(1)
    return t.assign(
        capacity=t["capacity"].astype(str).where(t["capacity"] > 0, "no range"),
        used_pct=pct.map(lambda v: f"{v:g}%", na_action="ignore").fillna(""),
    )


def _md_table(frame: pd.DataFrame, cols: tuple[str, ...]) -> list[str]:
    if frame.empty:
        return ["None."]
    # GitHub renders inline HTML in Markdown: a name is text, never markup
    cells = [frame[c].astype(str).str.replace("&", "&amp;", regex=False)
             .str.replace("<", "&lt;", regex=False).str.replace(">", "&gt;", regex=False)
             .str.replace("|", "\\|", regex=False) for c in cols]
    line = "| " + cells[0]
    for c in cells[1:]:
        line = line + " | " + c
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols), *(line + " |")]


def _title(r: Report, title: str, attr: str) -> str:
    if attr == "unused":
        return f"Unused extensions (no registration in {r.unused_days} days): disable?"
    return title


def markdown(r: Report) -> str:
    out = ["# Monthly extension review", "", _intro(r), ""]
    for title, attr, cols in SECTIONS:
        frame = getattr(r, attr)
        out += [f"## {_title(r, title, attr)} ({len(frame)})", "", *_md_table(frame, cols), ""]
    out += ["## Codes per team", "", *_md_table(_team_rows(r), ("team", "used", "capacity",
                                                                 "used_pct", "ranges")), ""]
    picture = chart.mermaid(r.teams)
    if picture:
        out += [picture]
    return "\n".join(out).rstrip("\n") + "\n"


def as_csv(r: Report) -> str:
    import pandas as pd

    parts = []
    for _, attr, cols in SECTIONS:
        frame = getattr(r, attr)
        detail = pd.Series("", index=frame.index)
        for c in cols[2:]:
            detail = detail + (c + "=" + frame[c].astype(str) + ";")
        parts.append(pd.DataFrame({"section": attr, "code": frame["code"],
                                   "name": frame["name"], "detail": detail.str.rstrip(";")}))
    t = _team_rows(r)
    parts.append(pd.DataFrame({"section": "team", "code": "", "name": t["team"],
                               "detail": "used=" + t["used"].astype(str) + ";capacity="
                               + t["capacity"] + ";ranges=" + t["ranges"]}))
    table = pd.concat(parts, ignore_index=True)
    # a leading = + - @ would run as a formula when the CSV is opened in a spreadsheet
    risky = table["name"].str.match(r"^[=+\-@]")
    table.loc[risky, "name"] = "'" + table.loc[risky, "name"]
    text: str = table.to_csv(index=False, lineterminator="\n")
    return text


def _html_table(frame: pd.DataFrame, cols: tuple[str, ...]) -> str:
    if frame.empty:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    row = "<tr><td>" + frame[cols[0]].astype(str).map(escape)
    for c in cols[1:]:
        row = row + "</td><td>" + frame[c].astype(str).map(escape)
    body = "\n".join(row + "</td></tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


STYLE = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
         "margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
         "th{background:#f4f6f7}")


def html(r: Report) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>Monthly extension review</title>", f"<style>{STYLE}</style></head><body>",
           "<h1>Monthly extension review</h1>", f"<p>{escape(_intro(r))}</p>"]
    for title, attr, cols in SECTIONS:
        frame = getattr(r, attr)
        out += [f"<h2>{escape(_title(r, title, attr))} ({len(frame)})</h2>",
                _html_table(frame, cols)]
    out += ["<h2>Codes per team</h2>", chart.svg(r.teams),
            _html_table(_team_rows(r), ("team", "used", "capacity", "used_pct", "ranges")),
            "</body></html>"]
    return "\n".join(out) + "\n"


def render(r: Report, fmt: str) -> str:
    return {"markdown": markdown, "csv": as_csv, "html": html}[fmt](r)
