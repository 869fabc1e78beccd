"""What an editing command reports besides its changes, and the renderers.

The changes are written in the plan's own words (plan/render_text.py's
symbols and field descriptions, plan/render_json.py's dictionaries). No
password is in any of these: a plan's PasswordChange holds none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from edit.document import Edit
from plan.changes import Change
from plan.render_json import change_to_dict
from plan.render_text import SYMBOL, describe_fields

FORMATS = ("text", "json", "markdown")


@dataclass(frozen=True)
class Item:
    code: str  # "" when the item is about something other than one extension
    message: str


@dataclass(frozen=True)
class Section:
    key: str  # JSON key, kebab-free snake case
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Outcome:
    command: str
    edit: Edit | None  # None when the command only checked (rotate --check)
    sections: tuple[Section, ...] = ()
    failed: bool = False  # something needs a person: the CLI exits 1

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def change_line(change: Change) -> str:
    head = f"{SYMBOL[change.action]} {change.code} {change.action}"
    parts = describe_fields(change)
    return head + (" " + ", ".join(parts) if parts else "")


def summary(outcome: Outcome) -> str:
    edit = outcome.edit
    if edit is None:
        return f"{outcome.command}: checked only, nothing written."
    if not edit.changes:
        return f"{edit.path}: no changes."
    n = edit.counts()
    words = [f"{n['create']} to create", f"{n['update']} to update",
             f"{n['disable']} to disable", f"{n['enable']} to enable",
             f"{n['delete']} to delete"]
    done = "written" if edit.written else "dry run, nothing written"
    return f"{edit.path}: {', '.join(words)} ({done})."


def render_text(outcome: Outcome) -> str:
    lines: list[str] = []
    if outcome.edit is not None:
        lines.extend(change_line(c) for c in outcome.edit.changes)
    for s in outcome.sections:
        if s.items:
            lines.append(f"{s.title} ({len(s.items)}):")
            lines.extend(f"  {i.code + ': ' if i.code else ''}{i.message}" for i in s.items)
    lines.append(summary(outcome))
    return "\n".join(lines) + "\n"


def render_markdown(outcome: Outcome) -> str:
    lines = [f"### extctl {outcome.command}", ""]
    if outcome.edit is not None and outcome.edit.changes:
        lines += ["```diff", *(change_line(c) for c in outcome.edit.changes), "```", ""]
    for s in outcome.sections:
        if s.items:
            lines += [f"**{s.title}** ({len(s.items)})", ""]
            lines += [f"- {'`' + i.code + '` ' if i.code else ''}{_md(i.message)}"
                      for i in s.items]
            lines.append("")
    lines.append(summary(outcome))
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    # Values come from CSV and HR files: keep them from opening markup.
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def to_dict(outcome: Outcome) -> dict[str, Any]:
    edit = outcome.edit
    out: dict[str, Any] = {"command": outcome.command}
    if edit is not None:
        out.update(
            file=edit.path,
            changes=[change_to_dict(c) for c in edit.changes],
            summary=edit.counts(),
            written=edit.written,
            dry_run=edit.dry_run,
        )
    for s in outcome.sections:
        out[s.key] = [{"code": i.code, "message": i.message} for i in s.items]
    out["ok"] = not outcome.failed
    return out


def render(outcome: Outcome, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(to_dict(outcome), ensure_ascii=False, indent=1) + "\n"
    if fmt == "markdown":
        return render_markdown(outcome)
    return render_text(outcome)
