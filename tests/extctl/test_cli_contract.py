"""Issue 8 items 6, 9-11: the CLI's own contract (saved plans bind secrets,
--policy, exit codes through real pipes, stdin, messages naming CSV lines)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import lab_repo
from tests.helpers import run_cli as run

SECRET = "tQ7#vZ2m!Lp9Rx4k"
OTHER = "k2VqP9wX3nR7tL5y"
HEADER = "code,name,password,call_limit,allowed_ips,enabled\n"
BASE = (HEADER + f"2105,Mia Lopez,{SECRET},2,10.0.0.0/8,true\n"
        "2300,Noah Smith,,3,10.0.0.0/8,true\n")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return lab_repo(tmp_path, BASE)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real shell pipeline; prints the exit status of extctl (the first command)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(["bash", "-c", command + '; echo "rc=${PIPESTATUS[0]}"'], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


EXTCTL = f"{sys.executable} -m extctl.main"


def test_saved_plan_binds_a_literal_password(repo: Path) -> None:
    """Item 6: the literal edited after `plan --out` makes the saved plan stale."""
    assert run("apply", "--yes").exit_code == 0
    (repo / "extensions.csv").write_text(BASE.replace(SECRET, OTHER))
    assert run("plan", "--out", "p.json").exit_code == 0
    text = (repo / "p.json").read_text()
    assert SECRET not in text and OTHER not in text and "2105" in json.loads(text)["bindings"]
    (repo / "extensions.csv").write_text(BASE.replace(SECRET, "Zq9vT4xW2mK7pR3n"))
    stale = run("apply", "p.json", "--yes")
    assert stale.exit_code == 1, stale.output
    assert "extensions.csv changed since it was made (the plan for 2105" in stale.output
    assert "Zq9vT4xW2mK7pR3n" not in stale.output and OTHER not in stale.output
    (repo / "extensions.csv").write_text(BASE.replace(SECRET, OTHER))
    assert run("apply", "p.json", "--yes").exit_code == 0  # the CSV it was made from


def test_explicit_policy_path_that_does_not_exist_is_exit_2(repo: Path) -> None:
    """Item 9: only the implicit ./extctl.toml may be absent."""
    for args in (["apply", "--yes"], ["plan"], ["validate"]):
        result = run(*args, "--policy", "prod.tml")
        assert result.exit_code == 2, result.output
        assert "prod.tml: policy file not found" in result.output
    assert not (repo / "pbx.sqlite").exists()
    (repo / "extctl.toml").unlink()
    assert run("validate").exit_code == 0  # the implicit one: defaults


def test_unsafe_plan_through_head_exits_1(repo: Path) -> None:
    """Item 10: the verdict does not depend on where stdout goes."""
    rows = "".join(f"{2400 + i},Agent {i},,,10.0.0.0/8,true\n" for i in range(12))
    (repo / "extensions.csv").write_text(HEADER + rows)
    assert run("apply", "--yes").exit_code == 0
    # 11 of 12 deleted (unsafe), and 40,000 creates: far more than a pipe buffers
    creates = "".join(f"{300000 + i},Agent {i},,,10.0.0.0/8,true\n" for i in range(40000))
    (repo / "extensions.csv").write_text(HEADER + rows.splitlines(keepends=True)[0] + creates)
    alone = shell(f"{EXTCTL} plan >/dev/null", repo)
    piped = shell(f"{EXTCTL} plan | head -1", repo)
    assert "rc=1" in alone.stdout and "rc=1" in piped.stdout, piped.stdout + piped.stderr
    assert piped.stdout.startswith("UNSAFE PLAN")


def test_plan_cut_short_by_a_closed_pipe_is_not_exit_0(repo: Path) -> None:
    rows = "".join(f"{300000 + i},Agent {i},,,10.0.0.0/8,true\n" for i in range(40000))
    (repo / "extensions.csv").write_text(HEADER + rows)
    reader = f'{sys.executable} -c "import sys; sys.stdin.buffer.read(100)"'
    cut = shell(f"{EXTCTL} plan | {reader}", repo)
    assert "rc=1" in cut.stdout, cut.stdout + cut.stderr
    assert "stdout was closed before the output was complete" in cut.stderr
    assert "Traceback" not in cut.stderr
    whole = shell(f"{EXTCTL} plan | tail -1", repo)
    assert "rc=0" in whole.stdout and "40000 to create" in whole.stdout
    detailed = shell(f"{EXTCTL} plan --detailed-exitcode | {reader}", repo)
    assert "rc=1" in detailed.stdout  # 1 = error there too, not 2 "changes"


def test_huge_field_is_too_large_not_malformed_quoting(repo: Path) -> None:
    """Item 11: a 50 MB field gets the right advice and the limit."""
    big = "a" * 50_000_000
    (repo / "extensions.csv").write_text(HEADER.strip() + ",notes\n"
                                         f"2105,Mia,,2,10.0.0.0/8,true,\"{big}\"\n")
    result = run("validate")
    assert result.exit_code == 1
    assert "extensions.csv:2: a field is longer than 131,072 characters" in result.output
    assert "[file-field-too-large]" in result.output and "quoting" not in result.output


def test_validate_dash_reads_stdin(repo: Path) -> None:
    ok = run("validate", "-", input=BASE)
    assert ok.exit_code == 0 and "ok: 1 file, 2 rows" in ok.output
    bad = run("validate", "-", "--format", "json", input=HEADER + "21,X,,,10.0.0.0/8,\n")
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["files"][0]["path"] == "<stdin>"
    assert report["files"][0]["findings"][0]["line"] == 2
    fmt = run("fmt", "-", input=HEADER + "2105,Mia,,2,10.0.0.0/8,YES\n")
    assert fmt.output.endswith("2105,Mia,,2,10.0.0.0/8,true\n")
    plan = run("plan", "--file", "-", input=BASE)
    assert plan.exit_code == 0 and "+ 2105 create" in plan.output
    asks = run("apply", "--file", "-", input=BASE)
    assert asks.exit_code == 2 and "add --yes" in asks.output


def test_target_refusal_names_csv_line_and_column(repo: Path) -> None:
    """Item 11: `target … cannot store these rows` points at the row's line."""
    (repo / "extctl.toml").write_text(
        f'[targets.lab]\nkind = "asterisk"\nurl = "sqlite:///{repo}/pbx.sqlite"\n'
        'unsupported = "warn"\n')
    (repo / "extensions.csv").write_text(
        BASE + "2106,\"Somebody With A Really Long Display Name\",,,10.0.0.0/8,true\n")
    result = run("plan")
    assert result.exit_code == 1, result.output
    assert "extensions.csv:4:name: 2106: the callerid" in result.output


def test_database_error_names_the_csv_row() -> None:
    """A database refusal the plan could not foresee still points at the row."""
    import pandas as pd

    from extctl.errors import TargetError
    from plan.changes import Change, Plan, Safety
    from plan.refusals import locate_error

    desired = pd.DataFrame({"code": ["2105", "2800"], "username": ["", "bob"],
                            "line": [2, 7]})
    desired.attrs["source"] = "ext.csv"
    plan = Plan("t", (Change("create", "2105"), Change("create", "2800")),
                Safety(False, 0, 0, 0.3))
    err = TargetError("target 'pbx': database error: duplicate key value violates unique "
                      "constraint (Key (username, domain)=(bob, pbx.local) already exists.)")
    located = locate_error(err, plan, desired)
    assert isinstance(located, TargetError)
    assert str(located).endswith("\n  at ext.csv:7:username: 2800")
    unrelated = TargetError("target 'pbx': the database is locked")
    assert locate_error(unrelated, plan, desired) is unrelated


def test_mysql_row_number_names_the_csv_row() -> None:
    """MariaDB's "Data too long for column 'callerid' at row 2" -> the 2nd written row."""
    import pandas as pd

    from extctl.errors import TargetError
    from plan.changes import Change, Plan, Safety
    from plan.refusals import locate_error

    desired = pd.DataFrame({"code": ["2300", "2105"], "username": ["", ""], "line": [3, 9]})
    plan = Plan("t", (Change("create", "2300"), Change("update", "2105")),
                Safety(False, 0, 0, 0.3))
    err = TargetError("target 'pbx': database error: (1406, \"Data too long for column "
                      "'callerid' at row 2\")")
    assert str(locate_error(err, plan, desired)).endswith("at extensions.csv:3:name: 2300")
