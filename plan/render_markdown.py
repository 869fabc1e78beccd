"""The plan as Markdown for a pull-request comment.

GitHub rejects comments over 65,536 characters, so the output is capped at
MAX_CHARS however big the plan: rows past the budget become "… and N more".
Cell text is escaped so a display name can neither break the table nor
@-mention anybody.
"""

from __future__ import annotations

import html

from extctl.text import visible
from plan.changes import Change, Plan
from plan.render_text import SYMBOL, describe_fields, named, summary_line, unsafe_banner

MAX_CHARS = 60_000
DETAILS_AFTER = 50  # more changes than this fold the table into <details>
_TAIL_RESERVE = 400  # room kept for the closing lines and the "and N more" row


def cell(text: str) -> str:
    # "->" reads better as an arrow than as the escaped "-&gt;".
    text = visible(text).replace(" -> ", " → ")
    escaped = html.escape(text, quote=False).replace("|", "\\|").replace("@", "&#64;")
    return escaped.replace("\r", " ").replace("\n", " ").replace("`", "&#96;")


def row(change: Change) -> str:
    """One table row; the bookkeeping `managed` field shows as "(adopt)" instead."""
    parts = [p for p in describe_fields(change) if not p.startswith("managed:")]
    action = change.action + (" (adopt)" if "managed" in change.field_map() else "")
    symbol = SYMBOL[change.action]
    return f"| `{symbol}` {action} | {cell(change.code)} | {cell('; '.join(parts))} |"


def table(changes: list[Change], budget: int,
          more: str = "see `extctl plan` output") -> tuple[list[str], int]:
    """Table lines within `budget` characters, and how many rows were left out
    (the last row then says how many, and `more` where to find them)."""
    lines = ["| action | code | changes |", "|---|---|---|"]
    used = sum(len(x) + 1 for x in lines)
    for i, change in enumerate(changes):
        line = row(change)
        if used + len(line) + 1 > budget:
            left = len(changes) - i
            lines.append(f"| … | … and {left} more | {more} |")
            return lines, left
        lines.append(line)
        used += len(line) + 1
    return lines, 0


def render_markdown(plan: Plan) -> str:
    head = [f"**{summary_line(plan)}**" if plan.changes else "**No changes.**", ""]
    head.append(f"Target: `{cell(plan.target)}`")
    banner = unsafe_banner(plan)
    if banner:
        head += ["", "> [!CAUTION]", *(f"> **{cell(line)}**" for line in banner)]
    deletes = [c.code for c in plan.changes if c.action == "delete"]
    if deletes:
        head += ["", f"**Deletes ({len(deletes)}):** {cell(named(deletes, 100))}"]
    for w in plan.warnings:
        head += ["", f"Warning: {cell(w)}"]
    for n in plan.notes:
        head += ["", f"Note: {cell(n)}"]
    if plan.unmanaged:
        head += ["", f"Unmanaged on the PBX, left alone: {cell(named(plan.unmanaged, 100))}"]
    lines = head
    changes = list(plan.changes)
    if changes:
        used = sum(len(x) + 1 for x in lines)
        budget = MAX_CHARS - used - _TAIL_RESERVE
        rows, _ = table(changes, budget)
        if len(changes) > DETAILS_AFTER:
            lines += ["", f"<details><summary>All {len(changes)} changes</summary>", "",
                      *rows, "", "</details>"]
        else:
            lines += ["", *rows]
    text = "\n".join(lines) + "\n"
    # The head itself is bounded (named() caps lists), but keep the promise
    # whatever the input: never exceed the cap.
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 20] + "\n… (truncated)\n"
