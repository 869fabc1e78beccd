"""The Kamailio target against SQLite and a real PostgreSQL (see conftest.db_url)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from extctl.errors import StalePlan, TargetError
from extctl.policy import TargetConfig
from pbx.base import STATE_COLUMNS
from pbx.kamailio import KamailioTarget, ddl
from tests.conftest import need
from tests.pbx.helpers import dump, execute, frame, many, request_for, row

DOMAIN = "pbx.example"


def target(url: str) -> KamailioTarget:
    return KamailioTarget(TargetConfig("kam", "kamailio", url, options=(("domain", DOMAIN),)))


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def statements(text: str) -> list[str]:
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    return [re.sub(r"\s+", " ", s).strip() for s in body.split(";") if s.strip()]


@pytest.mark.parametrize(("shipped", "installed"), [("sqlite", "db_sqlite"),
                                                     ("postgres", "postgres")])
def test_shipped_ddl_matches_installed_kamailio(shipped: str, installed: str) -> None:
    base = Path("/usr/share/kamailio") / installed
    files = [base / f"{m}-create.sql" for m in ("standard", "auth_db", "avpops", "usrloc")]
    need(*map(str, files))
    ours = Path("pbx/sql") / f"kamailio-{shipped}.sql"
    theirs = [s for f in files for s in statements(f.read_text())]
    assert statements(ours.read_text()) == theirs
    tables = {t for t, _ in ddl("sqlite" if shipped == "sqlite" else "postgresql")}
    assert tables == {"version", "subscriber", "usr_preferences", "location", "location_attrs"}


def test_read_of_missing_sqlite_file_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    state = target(f"sqlite:///{tmp_path}/pbx.sqlite").read_state()
    assert list(state.columns) == list(STATE_COLUMNS) and state.empty
    assert list(tmp_path.iterdir()) == []


def test_first_apply_creates_schema_with_version_rows(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001")])))
    versions = dict(execute(db_url, "SELECT table_name, table_version FROM version"))
    assert versions == {"version": 1, "subscriber": 7, "usr_preferences": 2, "location": 9,
                        "location_attrs": 1}


def test_round_trip_layout_and_ha1(db_url: str) -> None:
    t = target(db_url)
    desired = frame([
        row("2001", allowed_ips="10.0.0.0/8;2001:db8::/32"),
        row("2002", username="alice.b", name="Alice B", call_limit="3", dnd="true",
            forward_number="+14085550123", enabled="false", transport="tls", remote="true",
            allowed_ips="", team="sales", owner="a@example.com", high_risk="true",
            password_rotated="2024-01-02", notes="front desk", password="tQ7#vZ2m!Lp9Rx4k"),
    ])
    secrets = {"2001": "Gen-2001-k2VqP9wX3nR7tL5y", "2002": "tQ7#vZ2m!Lp9Rx4k"}
    t.apply(request_for(t, desired, secrets))
    state = t.read_state()
    expect = desired.assign(password=[secrets["2001"], secrets["2002"]], managed="true",
                            password_source=["auto", "literal"], repair="")
    pd.testing.assert_frame_equal(state, expect.loc[:, list(STATE_COLUMNS)].astype(str))

    subs = execute(db_url, "SELECT username, domain, password, ha1, ha1b FROM subscriber "
                           "ORDER BY username")
    for user, dom, pw, ha1, ha1b in subs:
        assert dom == DOMAIN
        assert ha1 == md5(f"{user}:{DOMAIN}:{pw}")
        assert ha1b == md5(f"{user}@{DOMAIN}:{DOMAIN}:{pw}")
    prefs = {(u, a): (ty, v) for u, a, ty, v in execute(
        db_url, "SELECT uuid, attribute, type, value FROM usr_preferences WHERE username = "
                "'alice.b'")}
    assert prefs == {("2002", "code"): (0, "2002"), ("2002", "name"): (0, "Alice B"),
                     ("2002", "enabled"): (1, "0"), ("2002", "dnd"): (1, "1"),
                     ("2002", "fwd"): (0, "+14085550123"), ("2002", "call_limit"): (1, "3"),
                     ("2002", "transport"): (0, "tls")}
    ips = execute(db_url, "SELECT value FROM usr_preferences WHERE uuid = '2001' AND "
                          "attribute = 'allowed_ips'")
    assert ips == [("10.0.0.0/8,2001:db8::/32",)]


def test_update_keeps_or_replaces_password_and_delete_removes(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001"), row("2002"), row("2003")])))
    before = t.read_state().set_index("code")["password"]
    desired = frame([row("2001", name="Renamed"), row("2002", username="bob")])
    t.apply(request_for(t, desired, secrets={"2002": "New-2002-k2VqP9wX3nR7tL5y"}))
    after = t.read_state().set_index("code")
    assert list(after.index) == ["2001", "2002"]
    assert after.loc["2001", "password"] == before["2001"]  # no secret: kept
    assert after.loc["2001", "name"] == "Renamed"
    assert after.loc["2002", ["username", "password"]].tolist() == [
        "bob", "New-2002-k2VqP9wX3nR7tL5y"]
    assert execute(db_url, "SELECT count(*) FROM usr_preferences WHERE uuid = '2003'") == [(0,)]
    assert execute(db_url, "SELECT count(*) FROM subscriber WHERE username = '2003'") == [(0,)]
    assert execute(db_url, "SELECT count(*) FROM extctl_managed") == [(2,)]


def test_unmanaged_is_reported_untouched_then_adopted(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001")])))
    execute(db_url, "INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                    "VALUES ('3000', :d, 'legacy-secret-3000', 'x', 'y')", d=DOMAIN)
    execute(db_url, "INSERT INTO usr_preferences (uuid, username, domain, attribute, type, "
                    "value) VALUES ('3000', '3000', :d, 'voicemail', 0, 'yes')", d=DOMAIN)
    state = t.read_state().set_index("code")
    assert state.loc["3000", ["managed", "password", "username", "enabled"]].tolist() == [
        "false", "legacy-secret-3000", "3000", "true"]
    t.apply(request_for(t, frame([row("2001", name="Still")])))  # 3000 not in CSV: untouched
    assert t.read_state().set_index("code").loc["3000", "managed"] == "false"
    t.apply(request_for(t, frame([row("2001"), row("3000", name="Adopted")])))
    state = t.read_state().set_index("code")
    assert state.loc["3000", ["managed", "name", "password"]].tolist() == [
        "true", "Adopted", "legacy-secret-3000"]
    # another tool's attribute survives the adoption
    assert execute(db_url, "SELECT value FROM usr_preferences WHERE uuid = '3000' AND "
                           "attribute = 'voicemail'") == [("yes",)]


def test_stale_plan_names_changed_code_and_writes_nothing(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001"), row("2002")])))
    request = request_for(t, frame([row("2001", name="New"), row("2002")]))
    execute(db_url, "UPDATE usr_preferences SET value = '1' WHERE uuid = '2002' AND "
                    "attribute = 'dnd'")
    before = dump(db_url)
    with pytest.raises(StalePlan, match="2002") as info:
        t.apply(request)
    assert "2001" not in str(info.value)
    assert dump(db_url) == before


def test_stale_message_names_at_most_twenty(db_url: str) -> None:
    t = target(db_url)
    request = request_for(t, many(3, start=5000))
    t.apply(request_for(t, many(25)))
    with pytest.raises(StalePlan, match=r"and 5 more") as info:
        t.apply(request)
    assert str(info.value).count("1000") == 20


def test_failure_mid_apply_rolls_back_everything(db_url: str) -> None:
    t = target(db_url)
    t.apply(request_for(t, frame([row("2001"), row("2002")])))
    execute(db_url, "INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                    "VALUES ('taken', :d, 'p', 'x', 'y')", d=DOMAIN)
    before = dump(db_url)
    # deletes 2002 and rewrites 2001 first; the create of 2005 then collides with
    # the unmanaged username 'taken' (UNIQUE username, domain)
    request = request_for(t, frame([row("2001", name="X"), row("2005", username="taken")]))
    with pytest.raises(TargetError) as info:
        t.apply(request)
    assert "\n" not in str(info.value)
    assert all(s not in str(info.value) for s in request.secrets.values())
    assert dump(db_url) == before


def test_unsupported_scheme_and_version_mismatch(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="unsupported URL scheme"):
        target("oracle://u:topsecret@h/db")
    url = f"sqlite:///{tmp_path}/k.sqlite"
    t = target(url)
    t.apply(request_for(t, frame([row("2001")])))
    execute(url, "UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'")
    with pytest.raises(TargetError, match="subscriber has schema version 6"):
        t.read_state()


def test_check_rows_flags_values_kamailio_cannot_store() -> None:
    t = target("sqlite:///unused.sqlite")
    long_ips = ";".join(f"10.{i}.0.0/16" for i in range(12))
    rows = frame([row("2001", allowed_ips=long_ips), row("2002", password="p" * 70),
                  row("2003")])
    found = t.check_rows(rows)
    assert [(c, col) for c, col, _ in found] == [("2001", "allowed_ips"), ("2002", "password")]
    assert all("p" * 70 not in msg for _, _, msg in found)


def test_sqlite_read_by_attribute_equals_the_pivot(tmp_path: Path) -> None:
    """Duplicate attribute rows (MAX wins), a code without its `code` row, an
    optional attribute on some codes only, and another domain's rows."""
    url = f"sqlite:///{tmp_path}/pbx.sqlite"
    t = target(url)
    t.apply(request_for(t, frame([row("2001", call_limit="3"), row("2002"),
                                  row("2003", forward_number="+14085550123")])))
    execute(url, "INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)"
                 f" VALUES ('2002', 'bob', '{DOMAIN}', 'name', 0, 'ZZ top'),"
                 f" ('2002', 'bob', '{DOMAIN}', 'dnd', 1, '1'),"
                 f" ('3001', 'carol', '{DOMAIN}', 'name', 0, 'Carol'),"
                 f" ('3001', 'alice', '{DOMAIN}', 'enabled', 1, '0'),"
                 " ('2001', 'x', 'other.example', 'name', 0, 'Elsewhere')")
    with t._engine.connect() as conn:
        by_attr = t._read_prefs_by_attribute(conn, DOMAIN)
        pivot = t._read_prefs_pivot(conn, DOMAIN)
    assert list(by_attr["code"]) == ["2001", "2002", "2003", "3001"]
    pd.testing.assert_frame_equal(by_attr, pivot)
    state = t.read_state().set_index("code")
    assert state.loc["2002", "name"] == "ZZ top" and state.loc["3001", "username"] == "carol"


def test_apply_adds_the_read_index_to_an_existing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/pbx.sqlite"
    t = target(url)
    t.apply(request_for(t, frame([row("2001")])))
    execute(url, "DROP INDEX extctl_usr_preferences_attr_idx")  # as an older extctl left it
    before = t.read_state()
    t.apply(request_for(t, frame([row("2001"), row("2002")])))
    indexes = {str(name) for (name,) in execute(
        url, "SELECT name FROM sqlite_master WHERE type = 'index' "
             "AND tbl_name = 'usr_preferences'")}
    assert indexes == {"usr_preferences_ua_idx", "usr_preferences_uda_idx",
                       "extctl_usr_preferences_attr_idx"}
    assert list(before["code"]) == ["2001"] and list(t.read_state()["code"]) == ["2001", "2002"]
