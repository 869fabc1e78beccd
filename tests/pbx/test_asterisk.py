"""The Asterisk PJSIP realtime target against SQLite, a real PostgreSQL and MariaDB."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from extctl.errors import StalePlan, TargetError
from extctl.policy import TargetConfig
from pbx.asterisk import AsteriskTarget, callerid, name_of
from pbx.base import STATE_COLUMNS
from pbx.sql import empty_state
from schema.columns import COLUMNS
from tests.fixtures.postgres import free_port
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
                            password_source="auto", repair="")
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
    text = "CHAR" if db_url.startswith("mysql") else "TEXT"  # MySQL has no CAST AS TEXT
    for table, cols in WRITTEN.items():
        for col in cols:
            bad = execute(db_url, f"SELECT count(*) FROM {table} WHERE {col} IS NULL OR "
                                  f"CAST({col} AS {text}) = ''")
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


def test_failed_apply_rolls_back_everything(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001"), row("2003")])))
    # a constraint Asterisk's schema does not have: the ps_auths insert fails after
    # the deletes and the ps_endpoints insert of the same apply already ran
    execute(db_url, "CREATE UNIQUE INDEX auth_user_uniq ON ps_auths (username)")
    before, state_before = dump(db_url), t.read_state()
    bad = request_for(t, frame([row("2001", name="Renamed"), row("2002", username="2001")]))
    assert any(c.action == "delete" and c.code == "2003" for c in bad.plan.changes)
    with pytest.raises(TargetError) as info:
        t.apply(bad)
    assert "\n" not in str(info.value)
    assert dump(db_url) == before
    pd.testing.assert_frame_equal(t.read_state(), state_before)


def test_mariadb_tables_are_innodb_utf8mb4(mariadb_db_url: str) -> None:
    """The server runs on its compiled-in latin1 default; names outside Latin-1
    must still round-trip, and every table must be transactional."""
    t = target(mariadb_db_url)
    desired = frame([row("2001", name="Zoë 张伟"), row("2002", name="Ann")])
    t.apply(request_for(t, desired))
    assert t.read_state().set_index("code").loc["2001", "name"] == "Zoë 张伟"
    tables = execute(mariadb_db_url, "SELECT table_name, engine, table_collation FROM "
                                     "information_schema.tables WHERE table_schema = DATABASE()")
    assert sorted(r[0] for r in tables) == ["extctl_managed", "ps_aors", "ps_auths",
                                           "ps_contacts", "ps_endpoints"]
    assert {(r[1], r[2]) for r in tables} == {("InnoDB", "utf8mb4_bin")}


@pytest.mark.parametrize("scheme", ["mysql", "mariadb", "mariadb+pymysql"])
def test_mariadb_lock_held_elsewhere_fails_cleanly(mariadb_db_url: str, scheme: str) -> None:
    url = scheme + mariadb_db_url.removeprefix("mysql+pymysql")
    t = AsteriskTarget(TargetConfig("ast", "asterisk", url, options=(("busy_timeout", "1"),)))
    t.apply(request_for(t, frame([row("2001")])))
    request = request_for(t, frame([row("2001", name="Other")]))
    password = str(sa.make_url(url).password)
    eng = sa.create_engine(mariadb_db_url)
    try:
        with eng.connect() as holder:  # another apply, as far as the lock is concerned
            assert holder.execute(sa.text("SELECT GET_LOCK('extctl-apply', 5)")).scalar() == 1
            with pytest.raises(TargetError, match="another apply holds the lock") as info:
                t.apply(request)
            assert password not in str(info.value) and "\n" not in str(info.value)
            assert t.read_state().loc[0, "name"] == "User 2001"  # readers are not blocked
    finally:
        eng.dispose()
    t.apply(request)  # the holder's session ended, and with it the lock
    assert t.read_state().loc[0, "name"] == "Other"


def test_mariadb_unreachable_and_wrong_password(mariadb_db_url: str) -> None:
    secret = "hunter2-Very-Secret"
    down = target(f"mysql://extctl:{secret}@127.0.0.1:{free_port()}/pbx")
    with pytest.raises(TargetError, match="cannot connect") as info:
        down.read_state()
    assert secret not in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(TargetError) as info:
        down.apply(request_for(down, frame([row("2001")]), state=empty_state()))
    assert secret not in str(info.value) and "\n" not in str(info.value)
    wrong = sa.make_url(mariadb_db_url).set(password=secret).render_as_string(
        hide_password=False)
    with pytest.raises(TargetError, match="Access denied") as info:
        target(wrong).read_state()
    assert secret not in str(info.value) and "\n" not in str(info.value)
