"""plan/apply end to end through the CLI, against a real Kamailio SQLite database."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need
from tests.helpers import lab_repo
from tests.helpers import run_cli as run

SECRET = "tQ7#vZ2m!Lp9Rx4k"
HEADER = "code,name,password,call_limit,allowed_ips,enabled\n"
BASE = (HEADER + f"2105,Mia Lopez,{SECRET},2,10.0.0.0/8,true\n"
        "2300,Noah Smith,,3,10.0.0.0/8,true\n")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return lab_repo(tmp_path, BASE)


def secrets_in_db(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT password FROM subscriber")]


def no_secrets(text: str, db: Path) -> None:
    assert SECRET not in text
    if db.exists():
        for pw in secrets_in_db(db):
            assert pw not in text


def test_plan_apply_plan_no_changes(repo: Path) -> None:
    first = run("plan")
    assert first.exit_code == 0, first.output
    assert "+ 2105 create" in first.output and "+ 2300 create" in first.output
    assert "Plan: 2 to create, 0 to update" in first.output
    applied = run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert "Applied to lab: 2 created" in applied.output
    db = repo / "pbx.sqlite"
    stored = secrets_in_db(db)
    assert SECRET in stored and len(stored) == 2
    generated = next(p for p in stored if p != SECRET)
    assert len(generated) >= 24
    again = run("plan")
    assert again.exit_code == 0 and again.output.splitlines()[-1] == "No changes."
    for out in (first.output, applied.output, again.output):
        no_secrets(out, db)


def test_detailed_exitcode(repo: Path) -> None:
    assert run("plan", "--detailed-exitcode").exit_code == 2
    assert run("apply", "--yes").exit_code == 0
    assert run("plan", "--detailed-exitcode").exit_code == 0
    (repo / "extensions.csv").write_text(HEADER + "2105,=cmd,,2,10.0.0.0/8,true\n")
    bad = run("plan", "--detailed-exitcode")
    assert bad.exit_code == 1
    assert "no plan was made" in bad.output


def test_invalid_csv_prints_findings_and_exits_1(repo: Path) -> None:
    (repo / "extensions.csv").write_text(HEADER + "2105,A,,2,10.0.0.0/8,true\n2105,B,,2,,\n")
    result = run("plan")
    assert result.exit_code == 1
    assert "extensions.csv:3" in result.output and "no plan was made" in result.output
    assert run("apply", "--yes").exit_code == 1
    assert not (repo / "pbx.sqlite").exists()


def test_base_and_target_together_is_a_usage_error(repo: Path) -> None:
    result = run("plan", "--base", "HEAD", "--target", "lab")
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_unknown_target_is_exit_2(repo: Path) -> None:
    result = run("plan", "--target", "nope")
    assert result.exit_code == 2 and "unknown target 'nope'" in result.output


def test_apply_asks_and_aborts_without_yes(repo: Path) -> None:
    result = run("apply", input="n\n")
    assert result.exit_code == 1
    assert "+ 2105 create" in result.output and "Apply these changes to lab?" in result.output
    db = repo / "pbx.sqlite"
    assert not db.exists() or secrets_in_db(db) == []
    assert run("plan", "--detailed-exitcode").exit_code == 2  # nothing was applied
    yes = run("apply", input="y\n")
    assert yes.exit_code == 0 and "2 created" in yes.output


def test_saved_plan_applies_then_stale_after_another_apply(repo: Path) -> None:
    assert run("apply", "--yes").exit_code == 0
    (repo / "extensions.csv").write_text(BASE.replace("Noah Smith,,3", "Noah Smith,,4"))
    saved = run("plan", "--out", "plan.json")
    assert saved.exit_code == 0 and "call_limit: 3 -> 4" in saved.output
    text = (repo / "plan.json").read_text()
    no_secrets(text, repo / "pbx.sqlite")
    assert json.loads(text)["summary"]["update"] == 1
    # Somebody else changes 2105 on the PBX first.
    (repo / "extensions.csv").write_text(BASE.replace("Mia Lopez,", "Mia L,"))
    assert run("apply", "--yes").exit_code == 0
    (repo / "extensions.csv").write_text(BASE.replace("Noah Smith,,3", "Noah Smith,,4"))
    stale = run("apply", "plan.json", "--yes")
    assert stale.exit_code == 1
    assert "PBX changed" in stale.output and "2105" in stale.output


def test_saved_plan_refused_when_csv_changed_then_applies_when_current(repo: Path) -> None:
    assert run("apply", "--yes").exit_code == 0
    (repo / "extensions.csv").write_text(BASE.replace("Noah Smith,,3", "Noah Smith,,4"))
    assert run("plan", "--out", "plan.json").exit_code == 0
    (repo / "extensions.csv").write_text(BASE.replace("Noah Smith,,3", "Noah Smith,,5"))
    changed = run("apply", "plan.json", "--yes")
    assert changed.exit_code == 1 and "extensions.csv changed" in changed.output
    (repo / "extensions.csv").write_text(BASE.replace("Noah Smith,,3", "Noah Smith,,4"))
    ok = run("apply", "plan.json", "--yes")
    assert ok.exit_code == 0 and "1 updated" in ok.output
    assert run("plan").output.splitlines()[-1] == "No changes."


def test_unsafe_plan_exit_1_and_apply_needs_force(repo: Path) -> None:
    rows = "".join(f"{3000 + i},P{i},,2,10.0.0.0/8,true\n" for i in range(10))
    (repo / "extensions.csv").write_text(HEADER + rows)
    assert run("apply", "--yes").exit_code == 0
    (repo / "extensions.csv").write_text(HEADER + rows.replace(",true\n", ",false\n", 4))
    p = run("plan")
    assert p.exit_code == 1 and p.output.startswith("UNSAFE PLAN")
    assert "3000, 3001, 3002, 3003" in p.output
    refused = run("apply", "--yes")
    assert refused.exit_code == 1 and "--force" in refused.output
    forced = run("apply", "--yes", "--force")
    assert forced.exit_code == 0 and "4 disabled" in forced.output


def test_markdown_and_json_formats(repo: Path) -> None:
    md = run("plan", "--format", "markdown")
    assert md.output.startswith("**Plan: 2 to create")
    js = json.loads(run("plan", "--format", "json").output)
    assert js["summary"]["create"] == 2 and js["target"] == "lab"
    assert js["changes"][0]["fields"]["password"] == {"changed": True}
    no_secrets(md.output + json.dumps(js), repo / "pbx.sqlite")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


def test_plan_base_against_a_git_ref(repo: Path) -> None:
    need("git")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "extensions.csv")
    git(repo, "commit", "-qm", "base")
    (repo / "extensions.csv").write_text(
        BASE.replace("Noah Smith,,3", "Noah Smith,,4")
        .replace(SECRET, "k2VqP9wX3nR7tL5y") + "2400,Emma Rossi,,1,10.0.0.0/8,false\n"
    )
    result = run("plan", "--base", "main", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    out = result.output
    assert "Target: git:main" in out
    assert "+ 2400 create" in out
    assert "call_limit: 3 -> 4" in out
    assert "~ 2105 update password: (changed)" in out
    assert "k2VqP9wX3nR7tL5y" not in out and SECRET not in out
    assert not (repo / "pbx.sqlite").exists()  # no PBX involved
    unknown = run("plan", "--base", "nope")
    assert unknown.exit_code == 2 and "unknown git ref" in unknown.output
    (repo / "extensions.csv").unlink()
    git(repo, "rm", "-q", "--cached", "extensions.csv")
    git(repo, "commit", "-qm", "gone")
    (repo / "extensions.csv").write_text(BASE)
    everything = run("plan", "--base", "HEAD")
    assert "Plan: 2 to create" in everything.output


def test_pbx_read_beside_validation_reports_each_failure_in_order(repo: Path) -> None:
    # The PBX is read in a thread while the CSV validates: an invalid CSV is
    # still reported first, and a PBX that cannot be read is a clean exit 2.
    (repo / "adir").mkdir()
    (repo / "extctl.toml").write_text(
        f'[targets.lab]\nkind = "kamailio"\nurl = "sqlite:///{repo}/adir"\n')
    result = run("plan")
    assert result.exit_code == 2 and "cannot connect to or use the database" in result.output
    (repo / "extensions.csv").write_text(HEADER + "2105,A,,2,10.0.0.0/8,true\n2105,B,,2,,\n")
    result = run("plan")
    assert result.exit_code == 1 and "extensions.csv:3" in result.output
