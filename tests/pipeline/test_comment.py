"""The pull-request comment, the job summary and the issue bodies."""

from __future__ import annotations

import datetime as dt

from pipeline.comment import findings_comment, plan_comment
from pipeline.issue import issue_body
from pipeline.markdown import BODY_LIMIT, fenced
from pipeline.risky import risky_first
from pipeline.summary import plan_summary
from plan.changes import Change, FieldChange, PasswordChange, Plan, Safety
from validate.findings import FileReport, Finding

SAFE = Safety(unsafe=False, managed=10, touched=1, threshold=0.3)


def _update(code: str, name: str) -> Change:
    return Change("update", code, (("name", FieldChange("Agent", name)),))


def _plan(changes: list[Change], safety: Safety = SAFE) -> Plan:
    return Plan("git:origin/main", tuple(changes), safety)


def test_risky_rows_come_first_in_reviewer_order() -> None:
    changes = [_update("2300", "Renamed"), Change("create", "2301"),
               Change("update", "2302", (("password", PasswordChange("literal")),)),
               Change("disable", "2303", (("enabled", FieldChange("true", "false")),)),
               Change("delete", "2304")]
    order = [c.code for c in risky_first(changes)]
    assert order == ["2304", "2303", "2302", "2300", "2301"]
    body = plan_comment(_plan(changes), title="t")
    positions = [body.index(f"| {code} |") for code in order]
    assert positions == sorted(positions)
    assert "1 delete, 1 disable, 1 password change" in body


def test_unsafe_banner_opens_the_comment() -> None:
    unsafe = Safety(unsafe=True, managed=10, touched=5, threshold=0.3, codes=("2300",))
    body = plan_comment(_plan([Change("delete", "2300")], unsafe), title="t")
    assert body.index("UNSAFE PLAN") < body.index("Plan:") < body.index("| 2300 |")


def test_a_5000_row_change_fits_with_counts_risky_rows_and_a_pointer() -> None:
    changes = [_update(str(10000 + i), "A much longer display name " * 3) for i in range(4000)]
    changes += [Change("delete", str(20000 + i)) for i in range(1000)]
    body = plan_comment(_plan(changes), title="t", details_url="https://github.com/a/b/runs/1")
    assert len(body) < BODY_LIMIT
    assert "Plan: 0 to create, 4000 to update, 0 to disable, 0 to enable, 1000 to delete." in body
    assert "| 20000 |" in body and "| 20999 |" in body  # every delete is shown
    assert "not shown here" in body and "https://github.com/a/b/runs/1" in body
    assert "<details>" in body  # the routine rows fold away


def test_findings_replace_the_plan_with_lines_and_no_secret() -> None:
    findings = tuple(
        Finding(line=i + 2, column="password", rule="password-weak", severity="error",
                message=f"password too short on row {i}", value="***")
        for i in range(80)
    )
    report = FileReport("extensions.csv", 80, findings)
    body = findings_comment([report], title="t")
    assert "80 errors" in body and "| 2 | password | error |" in body
    assert "| 51 |" in body and "| 52 |" not in body  # the first fifty
    assert "and 30 more" in body and "***" not in body


def test_summary_fence_survives_backticks_in_values() -> None:
    plan = _plan([_update("2300", "```oops```")])
    summary = plan_summary(plan, title="t")
    assert "````diff" in summary and summary.rstrip().endswith("````")
    assert fenced("a").startswith("```\n")


def test_issue_body_is_capped_and_says_when() -> None:
    body = issue_body("x" * 200_000, heading="PBX drift on pbx",
                      when=dt.datetime(2026, 12, 1, 3, 17), run_url="https://r")
    assert len(body) < BODY_LIMIT and "2026-12-01 03:17 UTC" in body
    assert "cut to GitHub's size limit" in body


def test_a_huge_summary_is_cut_at_a_line_and_keeps_the_summary_last() -> None:
    changes = [_update(str(100000 + i), "x" * 40) for i in range(30000)]
    summary = plan_summary(_plan(changes), title="t")
    assert len(summary) < 1_000_000
    lines = summary.rstrip().split("\n")
    assert lines[-1] == "```" and lines[-2].startswith("Plan: 0 to create, 30000 to update")
    assert lines[-3].startswith("… ") and lines[-3].endswith("more lines (extctl plan prints "
                                                             "them all)")
    assert all(line.startswith(("~ ", "Target", "##", "**", "", "```")) for line in lines[:-3])
