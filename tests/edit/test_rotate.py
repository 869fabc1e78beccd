"""extctl rotate on real files, and rotate -> apply on a real Kamailio SQLite database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.edit.helpers import HEADER, TODAY, repo, rows
from tests.helpers import run_cli as run

LITERAL = "tQ7#vZ2m!Lp9Rx4k"
ROWS = HEADER + (
    "3001,Exec One,,auto,,,,,true,,exec,,true,2026-01-10,tls,\n"      # overdue (183 days)
    "3002,Exec Two,,auto,,,,,true,,exec,,true,2026-06-20,tls,\n"      # due 2026-12-20
    "3003,Exec Three,,auto,,,,,true,,exec,,true,2026-11-01,tls,\n"    # fine
    f"3004,Desk Four,,{LITERAL},,,,10.0.0.0/8,,,desk,,true,2026-01-05,,\n"  # overdue, literal
    "3005,Desk Five,,auto,,,,10.0.0.0/8,,,desk,,false,,,\n"
)


@pytest.fixture
def csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # rotation-overdue as a warning: the file must be editable while overdue
    return repo(tmp_path, ROWS, '[severity]\nrotation-overdue = "warning"\n'
                                '[safety]\nmin_existing = 100\n')


def test_codes_set_today_in_the_plans_words(csv: Path) -> None:
    result = run("rotate", "3005", "3002", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "~ 3002 update password: (regenerated: rotated), password_rotated: 2026-06-20 -> "
        "2026-11-26",
        '~ 3005 update password: (regenerated: rotated), password_rotated: "" -> 2026-11-26',
    ]
    r = rows(csv)
    assert r["3002"]["password_rotated"] == r["3005"]["password_rotated"] == TODAY
    assert r["3001"]["password_rotated"] == "2026-01-10"


def test_overdue_check_exits_1_and_writes_nothing(csv: Path) -> None:
    data = csv.read_bytes()
    result = run("rotate", "--overdue", "--check", "--today", TODAY)
    assert result.exit_code == 1
    assert "3001: last rotated 2026-01-10, due 2026-07-12" in result.output
    assert "3004" in result.output and "3002" not in result.output
    within = run("rotate", "--overdue", "--within", "30", "--check", "--format", "json",
                 "--today", TODAY)
    assert [i["code"] for i in json.loads(within.output)["overdue"]] == ["3001", "3002", "3004"]
    assert csv.read_bytes() == data
    assert run("rotate", "3001", "--today", TODAY).exit_code == 0
    fine = run("rotate", "--overdue", "--check", "--team", "exec", "--today", TODAY)
    assert fine.exit_code == 0, fine.output


def test_literal_password_is_refused_with_the_fix(csv: Path) -> None:
    data = csv.read_bytes()
    result = run("rotate", "--overdue", "--today", TODAY)
    assert result.exit_code == 1
    assert "3004: the password is a literal" in result.output and "--to-auto" in result.output
    assert LITERAL not in result.output
    assert csv.read_bytes() == data
    result = run("rotate", "--overdue", "--to-auto", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "~ 3004 update password: (regenerated: now auto), password_rotated: 2026-01-05 -> " \
           "2026-11-26" in result.output
    assert LITERAL not in result.output + csv.read_text()
    assert rows(csv)["3001"]["password_rotated"] == TODAY


def test_unknown_code_is_a_usage_error(csv: Path) -> None:
    result = run("rotate", "9999")
    assert result.exit_code == 2 and "9999" in result.output


def _passwords(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT username, password FROM subscriber").fetchall())


def test_rotate_then_apply_regenerates_exactly_those(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    body = "".join(f"{c},Agent {c},,auto,,,,10.0.0.0/8,,,,,,2026-05-01,,\n"
                   for c in range(4000, 4012))
    repo(tmp_path, HEADER + body, f'[targets.lab]\nkind = "kamailio"\n'
                                  f'url = "sqlite:///{tmp_path}/pbx.sqlite"\n')
    assert run("apply", "--yes", "--today", "2026-06-01").exit_code == 0
    before = _passwords(tmp_path / "pbx.sqlite")
    result = run("rotate", "4003", "4007", "--today", "2026-06-02")
    assert result.exit_code == 0, result.output
    plan = run("plan", "--today", "2026-06-02")
    assert "~ 4003 update password: (regenerated: rotated), password_rotated: 2026-05-01 -> " \
           "2026-06-02" in plan.output
    applied = run("apply", "--yes", "--today", "2026-06-02")
    assert applied.exit_code == 0, applied.output
    after = _passwords(tmp_path / "pbx.sqlite")
    assert sorted(c for c in before if before[c] != after[c]) == ["4003", "4007"]
    for pw in after.values():
        assert pw not in result.output + plan.output + applied.output
    assert run("plan", "--today", "2026-06-02").output.endswith("No changes.\n")
