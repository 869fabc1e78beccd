"""The body of the ONE pull-request comment (sticky, updated on every push).

It opens with what a reviewer must not miss (the UNSAFE banner, then deletes,
disables, password changes), then the rest. However large the change, it
stays under GitHub's 65,536-character limit: rows that do not fit are counted
and the reader is sent to the job summary (the whole plan, up to 1 MiB).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.markdown import BODY_BUDGET, TAIL_RESERVE, caution
from pipeline.risky import risk_counts, risk_rank, risky_first
from plan.changes import Plan
from plan.render_markdown import cell, table
from plan.render_text import summary_line
from validate.findings import FileReport, Finding

FINDINGS_SHOWN = 50


def _pointer(details_url: str | None) -> str:
    where = f"[the job summary]({details_url})" if details_url else "the job summary"
    return f"The full plan is in {where}; `extctl plan --base` prints it all."


def plan_comment(plan: Plan, *, title: str, details_url: str | None = None,
                 commit: str | None = None, budget: int = BODY_BUDGET) -> str:
    lines = [f"### {cell(title)}", ""]
    lines += caution(plan)
    if not plan.changes:
        lines.append("**No changes.**")
    else:
        lines.append(f"**{summary_line(plan)}**")
        counts = risk_counts(plan.changes)
        noted = [f"{n} {label}{'s' * (n != 1)}" for label, n in counts.items() if n]
        if noted:
            lines += ["", f"Needs a careful look: **{', '.join(noted)}** (listed first)."]
    for w in plan.warnings:
        lines += ["", f"Warning: {cell(w)}"]
    for n in plan.notes:  # e.g. which SIP user new phones register as (plan/sip_note.py)
        lines += ["", f"Note: {cell(n)}"]
    changes = risky_first(plan.changes)
    if changes:
        used = sum(len(x) + 1 for x in lines)
        rows, left = table(changes, budget - used - TAIL_RESERVE, "see the job summary")
        risky = sum(risk_rank(c) < 3 for c in changes)
        shown = len(changes) - left
        if risky < shown and shown > 50:
            # The risky rows stay open; the routine ones fold away.
            split = 2 + risky
            rows = [*rows[:split], "", "<details><summary>The other changes</summary>", "",
                    *rows[:2], *rows[split:], "", "</details>"]
        lines += ["", *rows]
        if left:
            lines += ["", f"{left} of {len(changes)} changes are not shown here. "
                      + _pointer(details_url)]
    if details_url and not (changes and left):
        lines += ["", f"[Job summary and log]({details_url})"]
    if commit:
        lines += ["", f"<sub>Plan for commit {cell(commit[:12])}.</sub>"]
    return "\n".join(lines) + "\n"


def _finding_row(report: FileReport, f: Finding) -> str:
    level = "error" if f.severity == "error" else "warning"
    return (f"| {f.line or ''} | {cell(f.column or '')} | {level} | "
            f"{cell(f.message)} | {cell(f.rule)} |")


def findings_comment(reports: Sequence[FileReport], *, title: str,
                     details_url: str | None = None, commit: str | None = None) -> str:
    """What replaces the plan while the CSV is invalid: the first findings,
    errors before warnings, by line. Messages never hold a password."""
    errors = sum(r.errors for r in reports)
    warnings = sum(r.warnings for r in reports)
    lines = [f"### {cell(title)}", "",
             f"**The CSV is invalid: {errors} error{'s' * (errors != 1)}, {warnings} "
             f"warning{'s' * (warnings != 1)}. No plan until it validates.**", ""]
    unreadable = [r for r in reports if not r.readable]
    for r in unreadable:
        lines += [f"`{cell(r.path)}` cannot be read as a table.", ""]
    found = [(r, f) for r in reports for f in r.findings]
    found.sort(key=lambda rf: (rf[1].severity != "error", rf[0].path, rf[1].line or 0))
    lines += ["| line | column | level | problem | rule |", "|---|---|---|---|---|"]
    lines += [_finding_row(r, f) for r, f in found[:FINDINGS_SHOWN]]
    if len(found) > FINDINGS_SHOWN:
        lines += ["", f"… and {len(found) - FINDINGS_SHOWN} more: run `extctl validate` "
                  "or read the check's annotations."]
    if details_url:
        lines += ["", f"[Check log]({details_url})"]
    if commit:
        lines += ["", f"<sub>Checked commit {cell(commit[:12])}.</sub>"]
    return "\n".join(lines) + "\n"
