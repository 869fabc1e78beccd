"""The plan as terraform-like text for a terminal or a CI log."""

from __future__ import annotations

import re

from extctl.text import json_quoted, visible_lines
from plan.changes import Change, FieldChange, Plan

SYMBOL = {"create": "+", "delete": "-", "update": "~", "disable": "~", "enable": "~"}
MAX_UNSAFE_NAMED = 50
_PLAIN = re.compile(r"[A-Za-z0-9@.+:/_;-]+")


_PASSWORD_REASON = {
    "new": "set",
    "rotated": "regenerated: rotated",
    "now-auto": "regenerated: now auto",
    "literal": "changed",
}


def show(value: str) -> str:
    """A value as written in a plan: bare when unambiguous, else JSON-quoted
    (and visible: a plan is read in CI logs and on terminals)."""
    return value if _PLAIN.fullmatch(value) else json_quoted(value)


def describe_fields(change: Change) -> list[str]:
    """"col: old -> new" parts; the enabled flip is the action itself."""
    parts = []
    for col, value in change.fields:
        if col == "enabled" and change.action in ("disable", "enable"):
            continue
        if not isinstance(value, FieldChange):
            # Says why, never what: the value itself is never in a plan.
            parts.append(f"{col}: ({_PASSWORD_REASON.get(value.reason, 'changed')})")
        elif change.action == "create":
            parts.append(f"{col}: {show(value.new)}")
        else:
            parts.append(f"{col}: {show(value.old)} -> {show(value.new)}")
    return parts


def summary_line(plan: Plan) -> str:
    n = plan.counts()
    return (
        f"Plan: {n['create']} to create, {n['update']} to update, {n['disable']} to disable, "
        f"{n['enable']} to enable, {n['delete']} to delete."
    )


def named(codes: tuple[str, ...] | list[str], limit: int) -> str:
    shown = ", ".join(codes[:limit])
    more = len(codes) - limit
    return shown + (f" … and {more} more" if more > 0 else "")


def unsafe_banner(plan: Plan) -> list[str]:
    s = plan.safety
    if not s.unsafe:
        return []
    share = 100.0 * s.touched / s.managed if s.managed else 0.0
    return [
        f"UNSAFE PLAN: it would update or delete {s.touched} of {s.managed} managed extensions "
        f"({share:.1f}% > {100 * s.threshold:g}% allowed for this target).",
        f"Rows: {named(s.codes, MAX_UNSAFE_NAMED)}",
        "extctl apply refuses this plan without --force.",
    ]


def render_text(plan: Plan) -> str:
    lines = unsafe_banner(plan)
    if lines:
        lines.append("")
    lines.append(f"Target: {plan.target}")
    lines.extend(f"Warning: {w}" for w in plan.warnings)
    lines.extend(f"Note: {n}" for n in plan.notes)
    for change in plan.changes:
        head = f"{SYMBOL[change.action]} {change.code} {change.action}"
        if "managed" in change.field_map():
            head += " (adopt)"
        parts = [p for p in describe_fields(change) if not p.startswith("managed:")]
        lines.append(head + (" " + ", ".join(parts) if parts else ""))
    if plan.unmanaged:
        lines.append(
            f"Unmanaged on the PBX, left alone: {named(plan.unmanaged, MAX_UNSAFE_NAMED)}"
        )
    lines.append(summary_line(plan) if plan.changes else "No changes.")
    # Codes, warnings and unmanaged names come from the CSV or the PBX as well.
    return visible_lines(lines) + "\n"
