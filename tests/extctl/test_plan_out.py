"""Issue 7 items 13-14: a saved plan is private and never lands on another file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from extctl.main import cli
from tests.helpers import lab_repo
from tests.helpers import run_cli as run

CSV = "code,name,remote\n2105,Mia,true\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return lab_repo(tmp_path, CSV)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("name", ["extensions.csv", "extctl.toml", "./extensions.csv",
                                  "pbx.sqlite"])
def test_plan_out_never_overwrites_its_inputs(repo: Path, name: str) -> None:
    assert run("apply", "--yes").exit_code == 0  # pbx.sqlite exists
    before = {p: p.read_bytes() for p in repo.iterdir()}
    for extra in ([], ["--force"]):
        result = run("plan", "--out", name, *extra)
        assert result.exit_code == 2, result.output
        assert "an input of this command" in result.output
    assert {p: p.read_bytes() for p in repo.iterdir()} == before


def test_plan_out_refuses_a_link_to_the_csv(repo: Path) -> None:
    (repo / "alias.json").symlink_to(repo / "extensions.csv")
    assert run("plan", "--out", "alias.json", "--force").exit_code == 2
    assert (repo / "extensions.csv").read_text() == CSV


def test_plan_out_refuses_other_files_unless_forced(repo: Path) -> None:
    notes = repo / "notes.json"
    notes.write_text('{"mine": true}\n')
    result = run("plan", "--out", "notes.json")
    assert result.exit_code == 2 and "--force" in result.output
    assert notes.read_text() == '{"mine": true}\n'
    assert run("plan", "--out", "notes.json", "--force").exit_code == 0
    assert '"format": "extctl-plan"' in notes.read_text()


def test_plan_out_replaces_a_previous_plan_and_writes_it_0600(repo: Path) -> None:
    old = os.umask(0o022)
    try:
        assert run("plan", "--out", "plan.json").exit_code == 0
        assert mode(repo / "plan.json") == 0o600
        (repo / "plan.json").chmod(0o644)
        assert run("plan", "--out", "plan.json").exit_code == 0  # a plan: no --force
        assert mode(repo / "plan.json") == 0o600
    finally:
        os.umask(old)
    assert run("apply", "plan.json", "--yes").exit_code == 0


def test_embedded_database_and_journal_are_private(repo: Path) -> None:
    import sqlite3

    old = os.umask(0o022)
    try:
        result = run("apply", "--yes")
        assert result.exit_code == 0, result.output
        db = repo / "pbx.sqlite"
        assert mode(db) == 0o600
        with sqlite3.connect(db, isolation_level=None) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM subscriber")
            journal = repo / "pbx.sqlite-journal"
            assert journal.exists() and mode(journal) == 0o600
            conn.execute("ROLLBACK")
    finally:
        os.umask(old)


def test_existing_world_readable_database_is_left_as_is_with_a_warning(repo: Path) -> None:
    assert run("apply", "--yes").exit_code == 0
    db = repo / "pbx.sqlite"
    db.chmod(0o644)
    result = CliRunner().invoke(cli, ["plan"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "accessible to every local user (mode 0644)" in result.output
    assert mode(db) == 0o644
    db.chmod(0o640)
    assert "accessible" not in run("plan").output
