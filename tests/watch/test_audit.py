"""The audit's logic on hand-made frames: overdue, never, disabled, unknown, order,
registrations from outside allowed_ips, and the state file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from extctl.errors import UsageError
from tests.watch.helpers import NOW, regs, state
from watch import state as state_file
from watch.audit import audit, outside_allowed
from watch.audit_render import render
from watch.run import parse_duration

DAY = pd.Timedelta(hours=24)
NO_STATE = state_file.load(None)


def h(hours: float) -> pd.Timestamp:
    return NOW - pd.Timedelta(hours=hours)


def test_overdue_never_disabled_and_order() -> None:
    pbx = state(
        {"code": "2001"},  # registered now
        {"code": "2002"},  # expired 30 h ago
        {"code": "2003"},  # never seen
        {"code": "2004", "enabled": "false"},  # disabled, never seen: no alert
        {"code": "2005", "remote": "true", "allowed_ips": ""},  # watched, 26 h
        {"code": "2006"},  # expired 23 h ago: within the limit
        {"code": "2007", "remote": "true", "allowed_ips": "10.0.0.0/8"},  # remote, ips: 40 h
    )
    r = regs({"code": "2001", "expires": NOW + pd.Timedelta(minutes=5), "last_seen": h(0.1)},
             {"code": "2002", "expires": h(30), "last_seen": h(31)},
             {"code": "2005", "expires": h(26), "last_seen": h(27)},
             {"code": "2006", "expires": h(23), "last_seen": h(24)},
             {"code": "2007", "expires": h(40), "last_seen": h(41)})
    result = audit(pbx, r, NO_STATE, now=NOW, limit=DAY, target="t")
    assert result.overdue["code"].tolist() == ["2005", "2003", "2007", "2002"]
    assert result.overdue.loc[1, "last_seen"] is pd.NaT or pd.isna(result.overdue.loc[1,
                                                                                     "last_seen"])
    assert result.checked == 6 and result.registered == 1
    assert not result.clean and result.unknown.empty and result.foreign.empty
    out = render(result, "text")
    assert "2004" not in out and "last seen never" in out and "[remote, no allowed_ips]" in out
    assert "Secret-Not-Shown" not in out + render(result, "json") + render(result, "markdown")


def test_state_file_remembers_what_the_pbx_forgot(tmp_path: Path) -> None:
    pbx = state({"code": "2001"}, {"code": "2002"})
    path = tmp_path / "state.json"
    first = audit(pbx, regs({"code": "2001", "expires": NOW + pd.Timedelta(hours=1)},
                            {"code": "2002", "expires": NOW + pd.Timedelta(hours=1)}),
                  NO_STATE, now=NOW, limit=DAY)
    assert first.clean
    state_file.save(path, first.last_seen, NOW)
    assert json.loads(path.read_text())["last_seen"] == {"2001": "2026-12-01T06:00:00Z",
                                                         "2002": "2026-12-01T06:00:00Z"}
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    # the registrations are gone from the PBX; 20 h later the state keeps both quiet
    later = audit(pbx, regs(), state_file.load(path), now=NOW + pd.Timedelta(hours=20),
                  limit=DAY)
    assert later.clean
    # 30 h later both are overdue, last seen at the first run (not "never")
    late = audit(pbx, regs({"code": "2001", "expires": NOW + pd.Timedelta(hours=31)}),
                 state_file.load(path), now=NOW + pd.Timedelta(hours=30), limit=DAY)
    assert late.overdue["code"].tolist() == ["2002"]
    assert late.overdue.loc[0, "last_seen"] == NOW


def test_state_file_drops_codes_gone_from_the_pbx(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"last_seen": {"2001": "2026-11-30T00:00:00Z", "9999": '
                    '"2026-11-30T00:00:00Z"}}')
    result = audit(state({"code": "2001"}), regs(), state_file.load(path), now=NOW, limit=DAY)
    assert list(result.last_seen.index) == ["2001"]


@pytest.mark.parametrize("body", ["{", '{"last_seen": 3}', '{"last_seen": {"1": "soon"}}',
                                  "[]"])
def test_bad_state_file_is_a_usage_error(tmp_path: Path, body: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(body)
    with pytest.raises(UsageError, match=r"s\.json"):
        state_file.load(path)


def test_state_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"last_seen": {}}')

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(UsageError, match="No space left"):
        state_file.save(path, pd.Series([NOW], index=["2001"]), NOW)
    assert path.read_text() == '{"last_seen": {}}'
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp file left


def test_unknown_registrations_are_alerts() -> None:
    result = audit(state({"code": "2001"}),
                   regs({"code": "2001", "expires": NOW + pd.Timedelta(hours=1)},
                        {"code": "", "username": "ghost", "source_ip": "203.0.113.5"}),
                   NO_STATE, now=NOW, limit=DAY)
    assert result.overdue.empty and not result.clean
    assert result.unknown["username"].tolist() == ["ghost"]
    assert "ghost" in render(result, "text")


def test_registrations_from_outside_allowed_ips() -> None:
    pbx = state({"code": "2001", "allowed_ips": "10.0.0.0/8;2001:db8::/32"},
                {"code": "2002", "remote": "true", "allowed_ips": ""},
                {"code": "2003", "allowed_ips": "192.168.1.0/24"})
    live = NOW + pd.Timedelta(hours=1)
    result = audit(pbx, regs({"code": "2001", "source_ip": "2001:db8::7", "expires": live},
                             {"code": "2002", "source_ip": "198.51.100.1", "expires": live},
                             {"code": "2003", "source_ip": "198.51.100.2", "expires": live},
                             {"code": "2003", "source_ip": "phone.example", "expires": live}),
                   NO_STATE, now=NOW, limit=DAY)
    assert result.foreign[["code", "source_ip"]].values.tolist() == [["2003", "198.51.100.2"]]
    assert "outside allowed_ips" in render(result, "text")


def test_outside_allowed_vectorised_matches_per_row() -> None:
    allowed = pd.Series(["10.0.0.0/8", "10.0.0.0/8", "", "::1/128;10.1.0.0/16", "bogus"])
    source = pd.Series(["10.2.3.4", "11.0.0.1", "1.1.1.1", "10.1.9.9", "10.0.0.1"])
    assert outside_allowed(allowed, source).tolist() == [False, True, False, False, True]


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("90m", 5400), ("2d", 172800),
                                               ("1.5h", 5400), ("30s", 30)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "0h", "-1h", "1y"])
def test_bad_duration(text: str) -> None:
    with pytest.raises(UsageError, match="max-unregistered"):
        parse_duration(text)


def test_state_file_is_read_only_from_a_regular_file(tmp_path: Path) -> None:
    # A state path pointing at a device or a FIFO must not hang or grow memory.
    fifo = tmp_path / "state.json"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="regular"):
        state_file.load(fifo)
    with pytest.raises(UsageError):
        state_file.load("/dev/zero")
