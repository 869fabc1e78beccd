"""Job-summary text: the whole plan, as a reviewer of the deploy reads it
before approving the `production` environment."""

from __future__ import annotations

from pipeline.markdown import SUMMARY_BUDGET, caution, text_plan_block
from pipeline.risky import risk_counts
from plan.changes import Plan
from plan.render_markdown import cell
from plan.render_text import summary_line


def plan_summary(plan: Plan, *, title: str) -> str:
    lines = [f"## {cell(title)}", "", *caution(plan)]
    lines.append(f"**{summary_line(plan)}**" if plan.changes else "**No changes.**")
    counts = risk_counts(plan.changes)
    noted = [f"{n} {label}{'s' * (n != 1)}" for label, n in counts.items() if n]
    if noted:
        lines += ["", f"Needs a careful look: **{', '.join(noted)}**."]
    lines += ["", f"Target: `{cell(plan.target)}`", ""]
    return "\n".join(lines) + "\n" + text_plan_block(plan, SUMMARY_BUDGET)


def missing_plan_summary(path: str, *, title: str) -> str:
    return (f"## {cell(title)}\n\nNo plan was saved to `{cell(path)}`: the log of the step "
            "that makes it says why.\n")
