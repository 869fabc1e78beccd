"""The shared read -> validate -> change -> validate -> atomic write path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from edit.document import FileChanged, UnsafeEdit, finish, load
from extctl.errors import CheckFailed
from extctl.policy import Policy
from tests.edit.helpers import BASE, HEADER, repo

TODAY = dt.date(2026, 11, 26)


def test_file_changed_between_read_and_write_is_refused(tmp_path: Path) -> None:
    csv = repo(tmp_path)
    loaded = load(csv, Policy(), TODAY)
    new = loaded.frame.drop(columns="line").astype(object)
    new.loc[new["code"] == "2200", "name"] = "Renamed"
    someone_else = BASE.replace("Front Desk", "Lobby")
    csv.write_text(someone_else)  # a colleague's edit lands meanwhile
    with pytest.raises(FileChanged, match="changed on disk"):
        finish(loaded, new, dry_run=False, force=False)
    assert csv.read_text() == someone_else
    assert {p.name for p in tmp_path.iterdir()} == {"extensions.csv", "extctl.toml"}  # no temp


def test_write_is_canonical_and_keeps_mode_and_other_rows(tmp_path: Path) -> None:
    # Not canonical: rows out of order, YES for a boolean, CRLF, a BOM.
    text = (HEADER + "2400,Desk,,auto,,YES,,10.0.0.0/8,no,1,,,,,,\n"
            "2200,Lead,,,,,,10.0.0.0/8,,,,,,,,\n")
    csv = tmp_path / "extensions.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    csv.chmod(0o600)
    loaded = load(csv, Policy(), TODAY)
    new = loaded.frame.drop(columns="line").astype(object)
    new.loc[new["code"] == "2200", "call_limit"] = "3"
    edit = finish(loaded, new, dry_run=False, force=False)
    assert [(c.action, c.code) for c in edit.changes] == [("update", "2200")]
    out = csv.read_text()
    assert out.splitlines()[1:] == ["2200,Lead,,,3,,,10.0.0.0/8,,,,,,,,",
                                    "2400,Desk,,auto,,true,,10.0.0.0/8,false,true,,,,,,"]
    assert "\r" not in out and not out.startswith("\ufeff")
    assert csv.stat().st_mode & 0o777 == 0o600


def test_result_the_schema_rejects_is_not_written(tmp_path: Path) -> None:
    csv = repo(tmp_path)
    data = csv.read_bytes()
    loaded = load(csv, Policy(), TODAY)
    new = loaded.frame.drop(columns="line").astype(object)
    new.loc[new["code"] == "2200", "forward_number"] = "+1 408 555"
    with pytest.raises(CheckFailed, match=r"code 2200: forward_number: .*nothing was written"
                       r"|nothing was written:\n  code 2200: forward_number"):
        finish(loaded, new, dry_run=False, force=False)
    assert csv.read_bytes() == data


def test_safety_threshold_names_rows_and_force_passes(tmp_path: Path) -> None:
    body = "".join(f"{c},A {c},,auto,,,,10.0.0.0/8,,,,,,,,\n" for c in range(3000, 3010))
    csv = repo(tmp_path, HEADER + body)
    data = csv.read_bytes()
    loaded = load(csv, Policy(), TODAY)
    new = loaded.frame.drop(columns="line").astype(object)
    new.loc[new["code"] < "3004", "enabled"] = "false"  # 4 of 10 > 30%
    with pytest.raises(UnsafeEdit, match=r"3000, 3001, 3002, 3003; .*--force"):
        finish(loaded, new, dry_run=False, force=False)
    assert csv.read_bytes() == data
    edit = finish(loaded, new, dry_run=False, force=True)
    assert [c.action for c in edit.changes] == ["disable"] * 4 and edit.written


def test_to_bytes_is_exactly_what_fmt_writes() -> None:
    import pandas as pd

    from edit.document import to_bytes
    from schema.columns import COLUMNS
    from validate.fmt import canonical_bytes

    cells = ['Quote "x", y', "multi\nline", "Café — x", " lead", "trail ", "", "p;q"]
    frame = pd.DataFrame({c: [f"{i}" if c == "code" else cells[(i + k) % len(cells)]
                              for i in (2300, 210, 99999, 2105, 12, 400)]
                          for k, c in enumerate(COLUMNS)}, dtype=object)
    header = ("code", "name", "notes", "owner")
    data = to_bytes(frame, header)
    assert data == canonical_bytes(data, "x")
    assert data.splitlines()[1].startswith(b"12,") and data.count(b"\n2300,") == 1
    assert to_bytes(frame.iloc[:0], header) == b"code,name,owner,notes\n"
