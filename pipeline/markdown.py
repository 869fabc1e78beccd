"""Markdown pieces shared by the comment, the summary and the issue bodies."""

from __future__ import annotations

import re

from plan.changes import Plan
from plan.render_markdown import cell
from plan.render_text import render_text, unsafe_banner

# GitHub rejects a comment or issue body over 65,536 characters; keep room for
# the sticky-comment action's hidden header.
BODY_LIMIT = 65_536
BODY_BUDGET = 60_000
# A job summary may hold 1 MiB per step.
SUMMARY_BUDGET = 900_000
TAIL_RESERVE = 600  # room for the "… and N more" row and the closing lines


def caution(plan: Plan) -> list[str]:
    banner = unsafe_banner(plan)
    return ["> [!CAUTION]", *(f"> **{cell(line)}**" for line in banner), ""] if banner else []


def fenced(text: str, lang: str = "") -> str:
    """`text` in a code fence longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip(chr(10))}\n{fence}\n"


def text_plan_block(plan: Plan, budget: int) -> str:
    """The terminal plan (no colour) as a ```diff block: + green, - red on GitHub."""
    text = render_text(plan)
    if len(text) > budget:
        # Cut at a line end within the budget; the summary line (last) stays.
        cut = text.rfind("\n", 0, budget - 200) + 1
        last = text.rstrip("\n").rsplit("\n", 1)[-1]
        left = text.count("\n", cut) - 1
        text = (f"{text[:cut]}… {left} more lines (extctl plan prints them all)\n"
                f"{last}\n")
    return fenced(text, "diff")


def cap(text: str, limit: int = BODY_BUDGET) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 40] + "\n\n… (cut to GitHub's size limit)\n"
