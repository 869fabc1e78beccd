"""Issue 7 items 1 and 5 through the CLI, against the embedded Kamailio SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from extctl.errors import UsageError
from extctl.policy import Policy, parse_policy
from schema.rules import RELAXABLE, RULES
from tests.helpers import run_cli as run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_uppercase_auto_is_generated_not_stored_literally(repo: Path) -> None:
    (repo / "extensions.csv").write_text(
        "code,name,remote,password\n2105,Mia,true,AUTO\n2106,Bob,true,Auto\n")
    assert run("validate").exit_code == 0
    applied = run("apply", "--yes")
    assert applied.exit_code == 0, applied.output
    with sqlite3.connect(repo / "pbx.sqlite") as db:
        stored = [r[0] for r in db.execute("SELECT password FROM subscriber")]
        sources = {r[0] for r in db.execute("SELECT password_source FROM extctl_managed")}
    assert len(stored) == 2 and not {"AUTO", "Auto"} & set(stored)
    assert all(len(p) == 32 for p in stored)
    assert sources == {"auto"}
    again = run("plan")  # and the next plan keeps them
    assert again.exit_code == 0 and "No changes." in again.output


@pytest.mark.parametrize("level", ["off", "warning"])
def test_structural_rule_cannot_be_relaxed(repo: Path, level: str) -> None:
    (repo / "extctl.toml").write_text(f'[severity]\ncode-format = "{level}"\n')
    (repo / "extensions.csv").write_text("code,name,remote\nabc,Mia,true\n 2105,Bob,true\n")
    for command in (["validate"], ["plan"], ["apply", "--yes"]):
        res = run(*command)
        assert res.exit_code == 2, (command, res.output)
        assert "severity.code-format" in res.output
    assert not (repo / "pbx.sqlite").exists()


def test_relaxable_rules_are_the_organisational_ones() -> None:
    organisational = {"code-team-range", "team-format", "owner-format", "owner-required",
                      "rotation-overdue", "password-literal"}
    assert organisational == RELAXABLE
    for rule in RULES:
        if rule in RELAXABLE:
            assert parse_policy({"severity": {rule: "off"}}).severity_of(rule, "error") == "off"
        else:
            with pytest.raises(UsageError, match=f"severity.{rule}"):
                parse_policy({"severity": {rule: "off"}})
            assert parse_policy({"severity": {rule: "error"}})  # saying the default is fine


def test_a_policy_built_in_code_still_cannot_relax_a_structural_rule() -> None:
    # Defence in depth: Policy() bypasses parse_policy, the schema still errs.
    policy = Policy(severity=(("code-format", "off"), ("team-format", "off")))
    assert policy.severity_of("code-format", "error") == "error"
    assert policy.severity_of("team-format", "error") == "off"


def test_readme_finds_literal_passwords_in_history_without_printing_them(
    repo: Path,
) -> None:
    import os
    import re
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [snippet] = [b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "rev-list" in b]
    secret = "tQ7#vZ2m!Lp9Rx4k"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                              capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    # A local policy hiding the rule must not hide it from the search.
    (repo / "extctl.toml").write_text('[severity]\npassword-literal = "off"\n')
    (repo / "extensions.csv").write_text(
        f"code,name,remote,password\n2105,Mia,true,{secret}\n2106,Bob,true,auto\n")
    git("add", "-A")
    git("commit", "-qm", "literal")
    leaked = git("rev-parse", "HEAD")
    (repo / "extensions.csv").write_text(
        "code,name,remote,password\n2105,Mia,true,auto\n2106,Bob,true,auto\n")
    git("commit", "-qam", "now auto")
    out = subprocess.run(["bash", "-c", snippet], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.stdout.split("\n") == [f"{leaked[:12]} line 2", ""], out.stderr
    assert secret not in out.stdout + out.stderr
