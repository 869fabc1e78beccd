"""extctl generate on real files: the documentation's example, refusals
that leave the file byte-for-byte unchanged, a free block in a fragmented range."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.edit.helpers import BASE, HEADER, TODAY, repo, rows
from tests.helpers import run_cli as run

DOC_EXAMPLE = ["generate", "--count", "10", "--start", "2300", "--name", "Support {code}",
               "--username", "{code}", "--call-limit", "2"]


def test_documentation_example_gives_ten_valid_rows(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = rows(csv)
    result = run(*DOC_EXAMPLE, "--today", TODAY)
    assert result.exit_code == 0, result.output
    after = rows(csv)
    new = sorted(set(after) - set(before))
    assert new == [str(c) for c in range(2300, 2310)]
    for code in new:
        r = after[code]
        assert (r["name"], r["username"], r["password"], r["call_limit"]) == (
            f"Support {code}", code, "auto", "2")
        assert r["allowed_ips"] == "10.20.30.0/24" and r["remote"] == "false"
    assert {c: after[c] for c in before} == before  # untouched rows keep their content
    assert run("validate", "--today", TODAY).exit_code == 0
    assert run("fmt", "--check").exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith('+ 2300 create name: "Support 2300", username: 2300')
    assert "password: (set)" in lines[0]
    assert lines[-1] == ("extensions.csv: 10 to create, 0 to update, 0 to disable, "
                         "0 to enable, 0 to delete (written).")


def test_dry_run_and_json_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    data = csv.read_bytes()
    result = run(*DOC_EXAMPLE, "--dry-run", "--format", "json", "--today", TODAY)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["summary"]["create"] == 10 and out["written"] is False
    assert out["changes"][0]["fields"]["password"] == {"changed": True}
    assert csv.read_bytes() == data


REFUSALS = [
    (["--count", "2", "--start", "2104", "--name", "N {code}", "--allowed-ips", "10.0.0.0/8"],
     "code 2105 is already in extensions.csv (line 2)"),
    (["--count", "1", "--start", "210", "--name", "N {code}", "--allowed-ips", "10.0.0.0/8"],
     "210 is a prefix of 2105"),
    (["--count", "1", "--start", "21050", "--name", "N {code}", "--allowed-ips", "10.0.0.0/8"],
     "2105 is a prefix of 21050"),
    (["--count", "1", "--start", "9110", "--name", "N {code}", "--allowed-ips", "10.0.0.0/8"],
     "reserved code 911"),
    (["--count", "2", "--start", "2349", "--team", "support", "--name", "N {code}"],
     "codes 2350 are outside team support's range (2200-2200, 2300-2349)"),
    (["--count", "2", "--start", "2300", "--name", "=Support {code}"], "[name-formula]"),
    (["--count", "2", "--start", "2300", "--name", "S {code}", "--username", "agent"],
     "all 2 rows would share one username"),
    (["--count", "5", "--start", "2300", "--name", "S {code}", "--username", "210{n}"],
     "code 2304: username: "),  # 2105 is another row's code
    (["--count", "1", "--start", "2300", "--name", "S {code}", "--username", "FrontDesk"],
     "[username-duplicate]"),
    (["--count", "1", "--start", "2300", "--name", "S {code}", "--username", "a b{code}"],
     "[username-format]"),
    (["--count", "2", "--start", "2300", "--name", "S {code}", "--username", "ravi.patel{n}"],
     None),  # control: valid
]


@pytest.mark.parametrize(("args", "reason"), REFUSALS)
def test_refusals_leave_the_file_byte_for_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               args: list[str], reason: str | None) -> None:
    csv = repo(tmp_path, policy='reserved_codes = ["911"]\n[teams.support]\n'
                                'codes = ["2200-2200", "2300-2349"]\n')
    monkeypatch.chdir(tmp_path)
    data = csv.read_bytes()
    os.chmod(csv, 0o640)
    result = run("generate", *args, "--today", TODAY)
    if reason is None:
        assert result.exit_code == 0, result.output
        assert csv.read_bytes() != data and (csv.stat().st_mode & 0o777) == 0o640
        return
    assert result.exit_code == 1, result.output
    assert reason in result.output and "nothing was written" in result.output
    assert csv.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_prefix_between_new_codes_is_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path, HEADER, policy="reserved_codes = []\n")
    monkeypatch.chdir(tmp_path)
    result = run("generate", "--count", "902", "--start", "100", "--name", "N {code}",
                 "--allowed-ips", "10.0.0.0/8")
    assert result.exit_code == 1
    assert "code 1000 collides with the new code 100" in result.output
    assert csv.read_text() == HEADER


def test_unknown_placeholder_is_a_usage_error(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    data = csv.read_bytes()
    result = run("generate", "--count", "1", "--start", "2300", "--name", "S {id}")
    assert result.exit_code == 2 and "{id}" in result.output
    assert csv.read_bytes() == data


def test_team_finds_first_free_block_in_fragmented_range(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = [2300, 2301, 2302, 2305, 2310]
    body = "".join(f"{c},Agent {c},,auto,,false,,10.20.30.0/24,false,true,support,,false,,udp,\n"
                   for c in taken)
    # 23 would be a prefix of 2300..2399: the team's other range starts with a clash.
    csv = repo(tmp_path, HEADER + body,
               policy='[teams.support]\ncodes = ["2300-2319", "2500-2599"]\n')
    monkeypatch.chdir(tmp_path)
    result = run("generate", "--count", "5", "--team", "support", "--name", "Agent {n}",
                 "--today", TODAY)
    assert result.exit_code == 0, result.output
    new = sorted(set(rows(csv)) - {str(c) for c in taken})
    assert new == ["2311", "2312", "2313", "2314", "2315"]  # 2303-04 and 2306-09 too short
    assert rows(csv)["2311"]["name"] == "Agent 1" and rows(csv)["2311"]["team"] == "support"
    result = run("generate", "--count", "9", "--team", "support", "--name", "Agent {code}",
                 "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert "+ 2500 create" in result.output and "+ 2508 create" in result.output
    result = run("generate", "--count", "200", "--team", "support", "--name", "A {code}")
    assert result.exit_code == 1 and "no 200 consecutive free codes" in result.output


def test_remote_rows_need_no_allowed_ips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run("generate", "--count", "2", "--start", "2600", "--name", "Field {n}",
                 "--remote", "--transport", "tls", "--owner", "field@example.com",
                 "--notes", "Mobile app", "--today", TODAY)
    assert result.exit_code == 0, result.output
    r = rows(csv)["2601"]
    assert (r["remote"], r["allowed_ips"], r["transport"], r["owner"], r["notes"]) == (
        "true", "", "tls", "field@example.com", "Mobile app")


def test_invalid_file_is_refused_untouched(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    csv = repo(tmp_path, BASE + "2105,Dup,,auto,,,,10.0.0.0/8,,,,,,,,\n")
    monkeypatch.chdir(tmp_path)
    data = csv.read_bytes()
    result = run(*DOC_EXAMPLE)
    assert result.exit_code == 1
    assert "[code-duplicate]" in result.output and "nothing was changed" in result.output
    assert csv.read_bytes() == data
