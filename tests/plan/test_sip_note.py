"""The plan names the SIP login of new phone set-ups where it is not the username."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from extctl.main import cli

CSV = ("code,name,username,password,allowed_ips,remote\n"
       "3001,Ann Lee,ann,auto,,true\n"
       "3002,Bob Stone,,auto,127.0.0.1/32,false\n")


def plan(tmp_path: Path, kind: str, *args: str) -> str:
    (tmp_path / "extctl.toml").write_text(
        f'[targets.t]\nkind = "{kind}"\nurl = "sqlite:///{tmp_path}/pbx.sqlite"\n'
        "default = true\n")
    done = CliRunner().invoke(cli, [*args, "--file", str(tmp_path / "extensions.csv"),
                                    "--policy", str(tmp_path / "extctl.toml")],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return done.output


@pytest.fixture
def csv(tmp_path: Path) -> Path:
    path = tmp_path / "extensions.csv"
    path.write_text(CSV)
    return path


def test_asterisk_plan_says_the_phone_registers_as_the_code(tmp_path: Path, csv: Path) -> None:
    out = plan(tmp_path, "asterisk", "plan")
    notes = [line for line in out.splitlines() if line.startswith("Note: ")]
    assert notes == ["Note: SIP login on asterisk: the phone's SIP user is the code; it "
                     "authenticates with the username (digest auth id). New logins: 3001 "
                     "(SIP user 3001, auth id ann)."]
    assert "Note: SIP login" in plan(tmp_path, "asterisk", "plan", "--format", "markdown")
    plan(tmp_path, "asterisk", "apply", "--yes")
    assert "Note:" not in plan(tmp_path, "asterisk", "plan")  # nothing new to set up
    csv.write_text(CSV.replace(",ann,", ",ann.lee,"))
    assert "3001 (SIP user 3001, auth id ann.lee)" in plan(tmp_path, "asterisk", "plan")


def test_kamailio_plan_has_no_note(tmp_path: Path, csv: Path) -> None:
    assert "Note:" not in plan(tmp_path, "kamailio", "plan")


def test_the_pr_comment_carries_the_note() -> None:
    from pipeline.comment import plan_comment
    from plan.changes import Change, Plan, Safety

    note = "SIP login on asterisk: the phone's SIP user is the code"
    plan_ = Plan(target="ast", changes=(Change("create", "3001"),),
                 safety=Safety(False, 0, 0, 0.3), notes=(note,))
    assert f"Note: {note}" in plan_comment(plan_, title="Plan")
