"""The Asterisk PJSIP realtime target against SQLite and a real PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from extctl.errors import StalePlan
from extctl.policy import TargetConfig
from pbx.asterisk import AsteriskTarget, callerid, name_of
from pbx.base import STATE_COLUMNS
from schema.columns import COLUMNS
from tests.pbx.helpers import dump, execute, frame, request_for, row

WRITTEN = {
    "ps_endpoints": ("id", "transport", "aors", "auth", "context", "disallow", "allow",
                     "callerid", "deny", "permit", "device_state_busy_at"),
    "ps_auths": ("id", "auth_type", "password", "username"),
    "ps_aors": ("id", "max_contacts", "remove_existing"),
}


def target(url: str) -> AsteriskTarget:
    return AsteriskTarget(TargetConfig("ast", "asterisk", url, options=(("context", "office"),)))


def test_supported_columns_exclude_dnd_and_forwarding() -> None:
    assert AsteriskTarget.supported == frozenset(COLUMNS) - {"dnd", "forward_number"}


@pytest.mark.parametrize("name", ['Plain Name', 'Bob "the" Boss', "back\\slash", ""])
def test_callerid_escaping_round_trips(name: str) -> None:
    cid = callerid(pd.Series([name]), pd.Series(["2001"]))
    assert cid[0].endswith(" <2001>")
    assert name_of(cid)[0] == name


def test_round_trip_and_realtime_values(db_url: str) -> None:
    t = target(db_url)
    desired = frame([
        row("2001", allowed_ips="10.0.0.0/8;2001:db8::/32", call_limit="2"),
        row("2002", username="alice", name='Ann "Boss" Lee', enabled="false", transport="tls",
            remote="true", allowed_ips="", team="exec", owner="ann@example.com",
            high_risk="true", password_rotated="2024-05-01", notes="CEO"),
    ])
    secrets = {"2001": "Gen-2001-k2VqP9wX3nR7tL5y", "2002": "Gen-2002-k2VqP9wX3nR7tL5y"}
    t.apply(request_for(t, desired, secrets))
    expect = desired.assign(password=list(secrets.values()), managed="true",
                            password_source="auto")
    pd.testing.assert_frame_equal(t.read_state(),
                                  expect.loc[:, list(STATE_COLUMNS)].astype(str))
    endpoints = {r[0]: r for r in execute(
        db_url, "SELECT id, transport, aors, auth, context, disallow, allow, callerid, deny, "
                "permit, device_state_busy_at FROM ps_endpoints")}
    assert endpoints["2001"] == ("2001", "transport-udp", "2001", "2001", "office", "all",
                                 "ulaw,alaw", '"User 2001" <2001>', "0.0.0.0/0.0.0.0,::/0",
                                 "10.0.0.0/8,2001:db8::/32", 2)
    assert endpoints["2002"][1] == "transport-tls"
    assert execute(db_url, "SELECT id, auth_type, username FROM ps_auths ORDER BY id") == [
        ("2001", "userpass", "2001"), ("2002", "userpass", "alice")]
    assert execute(db_url, "SELECT id, max_contacts, remove_existing FROM ps_aors "
                           "ORDER BY id") == [("2001", 1, "yes"), ("2002", 0, "no")]
    # the SQLite realtime driver turns NULL into '' and drops what it cannot parse
    for table, cols in WRITTEN.items():
        for col in cols:
            bad = execute(db_url, f"SELECT count(*) FROM {table} WHERE {col} IS NULL OR "
                                  f"CAST({col} AS TEXT) = ''")
            assert bad == [(0,)], f"{table}.{col} holds NULL or ''"


def test_update_delete_and_stale(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001"), row("2002"), row("2003")])))
    pw = t.read_state().set_index("code")["password"]
    t.apply(request_for(t, frame([row("2001", call_limit="4"), row("2002", enabled="false")])))
    state = t.read_state().set_index("code")
    assert list(state.index) == ["2001", "2002"]
    assert state.loc["2001", ["call_limit", "password"]].tolist() == ["4", pw["2001"]]
    assert state.loc["2002", "enabled"] == "false"
    request = request_for(t, frame([row("2001"), row("2002")]))
    execute(db_url, "UPDATE ps_auths SET password = 'changed-by-hand-42' WHERE id = '2001'")
    before = dump(db_url)
    with pytest.raises(StalePlan, match="2001") as info:
        t.apply(request)
    assert "changed-by-hand-42" not in str(info.value)
    assert dump(db_url) == before


def test_unmanaged_endpoint_is_reported(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001")])))
    execute(db_url, "INSERT INTO ps_endpoints (id, transport, aors, auth, callerid) VALUES "
                    "('3000', 'transport-udp', '3000', 'auth3000', '\"Lobby\" <3000>')")
    execute(db_url, "INSERT INTO ps_auths (id, auth_type, password, username) VALUES "
                    "('auth3000', 'userpass', 'lobby-pass', 'lobby')")
    state = t.read_state().set_index("code")
    assert state.loc["3000", ["managed", "name", "username", "password", "enabled"]].tolist() \
        == ["false", "Lobby", "lobby", "lobby-pass", "true"]


def test_check_rows_reports_asterisk_limits() -> None:
    t = target("sqlite:///unused.sqlite")
    rows = frame([
        row("2001", name="A display name that is far too long"),
        row("2002", allowed_ips=";".join(f"10.{i}.0.0/16" for i in range(9))),
        row("2003", username="u" * 41),
        row("2004", password="p" * 81),
        row("2005", name="Short", password="auto"),
    ])
    found = t.check_rows(rows)
    assert [(c, col) for c, col, _ in found] == [
        ("2001", "name"), ("2002", "allowed_ips"), ("2003", "username"), ("2004", "password")]
    assert "40" in found[0][2] and "95" in found[1][2]
    assert all("p" * 81 not in msg for _, _, msg in found)
