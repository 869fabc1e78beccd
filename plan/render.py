"""Render a plan in one of the `plan --format` formats (pure functions)."""

from __future__ import annotations

from extctl.errors import UsageError
from plan.changes import Plan

FORMATS = ("text", "markdown", "json")


def render(plan: Plan, fmt: str) -> str:
    if fmt == "text":
        from plan.render_text import render_text

        return render_text(plan)
    if fmt == "markdown":
        from plan.render_markdown import render_markdown

        return render_markdown(plan)
    if fmt == "json":
        from plan.render_json import render_json

        return render_json(plan)
    raise UsageError(f"unknown plan format {fmt!r}; use one of: {', '.join(FORMATS)}")
