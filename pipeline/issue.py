"""Bodies of the issues the scheduled jobs keep open (drift, audits).

One mechanism for every report: a heading, when and where it was found, the
report itself, cut to GitHub's limit. The workflow finds the open issue again
by its label and updates it instead of opening another.
"""

from __future__ import annotations

import datetime as dt

from pipeline.markdown import BODY_BUDGET, cap
from plan.changes import Plan
from plan.render_markdown import cell

_INTRO_BUDGET = 2_000


def issue_body(report: str, *, heading: str, when: dt.datetime,
               run_url: str | None = None, advice: str = "") -> str:
    """`report` (Markdown) under a heading saying what and when, capped."""
    head = [f"## {cell(heading)}", ""]
    seen = f"Last seen {when:%Y-%m-%d %H:%M} UTC"
    head.append(seen + (f" by [this run]({run_url})." if run_url else "."))
    if advice:
        head += ["", advice]
    intro = "\n".join(head) + "\n\n"
    return intro + cap(report, BODY_BUDGET - min(len(intro), _INTRO_BUDGET))


DRIFT_ADVICE = (
    "The live PBX no longer matches `extensions.csv` on the default branch: someone "
    "changed it by hand, or an apply failed. Either put the change into the CSV through a "
    "pull request, or run the deploy again so the PBX matches the CSV. This issue is "
    "updated every night and closed by the first clean night."
)


def drift_found(plan: Plan) -> bool:
    return bool(plan.changes) or plan.safety.unsafe


def drift_title(target: str) -> str:
    return f"PBX drift on {target}"
