"""`extctl ci …`: one-line workflow steps; errors are messages, never tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from extctl.main import cli


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_is_tip_needs_a_ref_outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_REF_NAME", raising=False)
    code, out = run("ci", "is-tip", "--commit", "abc")
    assert code == 2 and "--ref is required" in out


def test_issue_body_from_a_missing_report(tmp_path: Path) -> None:
    code, out = run("ci", "issue-body", str(tmp_path / "nope.md"), "--heading", "x",
                    "--out", str(tmp_path / "body.md"))
    assert code == 2 and "nope.md: cannot read the report" in out and "Traceback" not in out


def test_issue_body_sets_heading_and_run_link(tmp_path: Path) -> None:
    report = tmp_path / "audit.md"
    report.write_text("| code | seen |\n|---|---|\n| 2300 | never |\n")
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/pbx",
           "GITHUB_RUN_ID": "42"}
    code, _ = run("ci", "issue-body", str(report), "--heading", "Audit", "--out",
                  str(tmp_path / "body.md"), env=env)
    body = (tmp_path / "body.md").read_text()
    assert code == 0 and body.startswith("## Audit\n")
    assert "https://github.com/acme/pbx/actions/runs/42" in body and "| 2300 | never |" in body


def test_summary_of_a_missing_plan_says_so(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    code, _ = run("ci", "summary", str(tmp_path / "plan.json"), "--append", str(summary))
    assert code == 0 and "No plan was saved" in summary.read_text()


def test_summary_of_a_bad_plan_file_is_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json")
    code, out = run("ci", "summary", str(bad), "--append", str(tmp_path / "s.md"))
    assert code == 2 and "not a plan file" in out
