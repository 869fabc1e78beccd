"""extctl hr-sync against real HR exports (BOM, CRLF, mixed case, leavers, rehires)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.edit.helpers import HEADER, TODAY, repo, rows
from tests.helpers import run_cli as run

EXT = HEADER + (
    "2105,Mia Lopez,,auto,,,+14085550123,,true,,sales,Mia.Lopez@Example.com,,,,\n"
    "2106,Noah Smith,,auto,,,,10.0.0.0/8,,,sales,noah.smith@example.com,,,,\n"
    "2107,Ava Chen,,auto,,,,10.0.0.0/8,,false,sales,ava.chen@example.com,,,,\n"
    "2108,Omar Haddad,,auto,,,+14085550111,10.0.0.0/8,,,sales,omar.haddad@example.com,,,,\n"
    "2109,Zoe Kim,,auto,,,,10.0.0.0/8,,,sales,zoe.kim@example.com,,,,\n"
    "2200,Support Desk,,auto,,,,10.0.0.0/8,,,support,support-leads@example.com,,,,\n"
    "2201,Lobby,,auto,,,,10.0.0.0/8,,,,,,,,\n"
    "2202,Nora Novak,,auto,,,,10.0.0.0/8,,,,nora.novak@example.com,,,,\n"
)
# BOM, CRLF, upper-case e-mails and statuses, extra columns, a quoted comma.
HR = ("\ufeffEmployee ID,E-Mail,Status,Mobile,Department\r\n"
      "17,MIA.LOPEZ@EXAMPLE.COM,Terminated,+1 408 555 0123,Sales\r\n"
      "18,noah.smith@example.com,active,,\"Sales, East\"\r\n"
      "19,Ava.Chen@example.com,Active,,Sales\r\n"  # returning: her row is disabled
      "20,omar.haddad@example.com,ACTIVE,(408) 555-0199,Sales\r\n"  # changed mobile
      "21,support-leads@example.com,LEFT,,Support\r\n"  # a team mailbox: left alone
      "22,nora.novak@example.com,active,,Ops\r\n"
      "16,Noah.Smith@example.com,leaver,,Sales\r\n")  # an old row: rehired, still active
# zoe.kim is unknown to HR


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    csv = repo(tmp_path, EXT, "[safety]\nmin_existing = 100\n")
    hr = tmp_path / "hr.csv"
    hr.write_bytes(HR.encode("utf-8"))
    return csv, hr


def test_leaver_rehire_unknown_mobile(files: tuple[Path, Path]) -> None:
    csv, _ = files
    result = run("hr-sync", "hr.csv", "--email-column", "e-mail", "--region", "US",
                 "--today", TODAY)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.splitlines()[0] == "~ 2105 disable"
    assert "2105: owner mia.lopez@example.com is 'terminated' in HR (hr.csv line 2)" in out
    assert "2107: owner ava.chen@example.com is active in HR (hr.csv line 4)" in out
    assert "2109: owner zoe.kim@example.com is not in hr.csv" in out
    assert ("2108: forwards to +14085550111 but the owner's mobile in HR (hr.csv line 5) is "
            "+14085550199: check it, or run with --update-forwarding") in out
    assert "2105: forwards" not in out  # gone: her forwarding is moot
    assert "2200" not in out and "2201" not in out and "2202" not in out
    r = rows(csv)
    assert r["2105"]["enabled"] == "false" and r["2107"]["enabled"] == "false"
    assert r["2200"]["enabled"] == "" and r["2108"]["forward_number"] == "+14085550111"
    assert r["2106"]["enabled"] == ""  # one active HR row of two: not gone
    assert out.splitlines()[-1].startswith("extensions.csv: 0 to create, 0 to update, "
                                           "1 to disable")


def test_update_forwarding_rewrites_in_e164(files: tuple[Path, Path]) -> None:
    csv, _ = files
    data = csv.read_bytes()
    dry = run("hr-sync", "hr.csv", "--email-column", "E-MAIL", "--update-forwarding",
              "--region", "us", "--dry-run", "--today", TODAY)
    assert dry.exit_code == 0 and "~ 2108 update forward_number: +14085550111 -> " \
        "+14085550199" in dry.output and "(dry run, nothing written)" in dry.output
    assert csv.read_bytes() == data
    result = run("hr-sync", "hr.csv", "--email-column", "E-MAIL", "--update-forwarding",
                 "--region", "us", "--format", "json", "--today", TODAY)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [(c["action"], c["code"]) for c in out["changes"]] == [("disable", "2105"),
                                                                   ("update", "2108")]
    assert out["changes"][1]["fields"]["forward_number"] == {"old": "+14085550111",
                                                            "new": "+14085550199"}
    assert [i["code"] for i in out["unknown_owners"]] == ["2109"]
    assert rows(csv)["2108"]["forward_number"] == "+14085550199"


def test_national_mobile_without_region_is_not_guessed(files: tuple[Path, Path]) -> None:
    csv, _ = files
    result = run("hr-sync", "hr.csv", "--email-column", "e-mail", "--update-forwarding",
                 "--format", "markdown", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "not a valid phone number (a national number needs --region" in result.output
    assert rows(csv)["2108"]["forward_number"] == "+14085550111"
    assert result.output.startswith("### extctl hr-sync\n\n```diff\n~ 2105 disable\n```")


def test_truncated_export_disabling_most_rows_is_refused(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    body = "".join(f"{c},Agent {c},,auto,,,,10.0.0.0/8,,,,a{c}@example.com,,,,\n"
                   for c in range(3000, 3010))
    csv = repo(tmp_path, HEADER + body)
    hr = "email,status\n" + "".join(
        f"a{c}@example.com,{'inactive' if c < 3008 else 'active'}\n" for c in range(3000, 3010))
    (tmp_path / "hr.csv").write_text(hr)
    data = csv.read_bytes()
    result = run("hr-sync", "hr.csv", "--today", TODAY)
    assert result.exit_code == 1
    assert "refusing to change 8 of the 10 existing rows" in result.output
    assert "3000, 3001, 3002, 3003, 3004, 3005, 3006, 3007;" in result.output
    assert csv.read_bytes() == data
    assert run("hr-sync", "hr.csv", "--force", "--today", TODAY).exit_code == 0
    assert sum(r["enabled"] == "false" for r in rows(csv).values()) == 8


def test_gone_statuses_come_from_the_policy(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    csv = repo(tmp_path, EXT, '[hr]\ngone_statuses = ["Exited"]\nteam_owners = ["nora.*"]\n'
                              "[safety]\nmin_existing = 100\n")
    (tmp_path / "hr.csv").write_text("email;status\nzoe.kim@example.com;EXITED\n"
                                     "mia.lopez@example.com;terminated\n"
                                     "nora.novak@example.com;exited\n")
    result = run("hr-sync", "hr.csv", "--today", TODAY)
    assert result.exit_code == 0, result.output
    r = rows(csv)
    assert r["2109"]["enabled"] == "false" and r["2105"]["enabled"] == ""
    assert r["2202"]["enabled"] == ""  # matches [hr] team_owners


@pytest.mark.parametrize(("content", "message"), [
    (b"email,status\nx@example.com,active\ny@example.com\n",
     "hr.csv:3: 1 fields where the header has 2"),
    (b"mail,state\nx@example.com,active\n", "hr.csv:1: no column 'email'"),
    (b"email,status\nx@example.com,active\n\xff@example.com,left\n", "hr.csv:3: byte 0xff"),
    (b"email,status\n\"x@example.com,active\n", "hr.csv:2: malformed quoting"),
    (b"", "hr.csv: the HR file is empty"),
])
def test_broken_hr_file_is_a_clear_error(files: tuple[Path, Path], content: bytes,
                                         message: str) -> None:
    csv, hr = files
    hr.write_bytes(content)
    data = csv.read_bytes()
    result = run("hr-sync", "hr.csv", "--today", TODAY)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert csv.read_bytes() == data
