"""Target.read_registrations on SQLite and a real PostgreSQL (Asterisk: MariaDB too):
rows written the way Kamailio's usrloc and Asterisk's realtime write them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from extctl.policy import TargetConfig
from pbx.asterisk import AsteriskTarget
from pbx.base import REGISTRATION_COLUMNS
from pbx.kamailio import KamailioTarget
from pbx.registrations_read import host_of, sql_times
from tests.pbx.helpers import engine, execute, frame, request_for, row

DOMAIN = "pbx.example"
UTC = "UTC"


def kamailio(url: str) -> KamailioTarget:
    return KamailioTarget(TargetConfig("kam", "kamailio", url, options=(("domain", DOMAIN),)))


def asterisk(url: str) -> AsteriskTarget:
    return AsteriskTarget(TargetConfig("ast", "asterisk", url))


def _times_are_utc(regs: pd.DataFrame) -> None:
    assert list(regs.columns) == list(REGISTRATION_COLUMNS)
    for c in ("expires", "last_seen"):
        assert isinstance(regs[c].dtype, pd.DatetimeTZDtype)
        assert str(regs[c].dtype.tz) == "UTC"


@pytest.mark.parametrize("kind", ["kamailio"])  # conftest drops kamailio x mariadb
def test_kamailio_location_rows(db_url: str, kind: str) -> None:
    t = kamailio(db_url)
    t.apply(request_for(t, frame([row("2001", username="alice"), row("2002")])))
    sqlite = db_url.startswith("sqlite")
    # db_sqlite stores DATETIME as a Julian-day REAL; db_postgres as a timestamp
    exp = "2461010.5" if sqlite else "'2025-12-01 00:00:00'"
    seen = "2461010.25" if sqlite else "'2025-11-30 18:00:00'"
    for ruid, user, contact, received in [
        ("r1", "alice", "sip:alice@10.1.2.3:5062;transport=udp", "sip:198.51.100.7:40000"),
        ("r2", "ghost", "sip:ghost@[2001:db8::5]:5060", None),
    ]:
        execute(db_url, f"INSERT INTO location (ruid, username, contact, received, expires, "
                        f"last_modified, user_agent, callid) VALUES (:r, :u, :c, :rc, {exp}, "
                        f"{seen}, 'Yealink T46U', 'cid')", r=ruid, u=user, c=contact, rc=received)
    regs = t.read_registrations().sort_values("username", ignore_index=True)
    _times_are_utc(regs)
    assert regs[["code", "username", "source_ip", "user_agent"]].values.tolist() == [
        ["2001", "alice", "198.51.100.7", "Yealink T46U"],
        ["", "ghost", "2001:db8::5", "Yealink T46U"],
    ]
    assert regs.loc[0, "expires"] == pd.Timestamp("2025-12-01T00:00Z")
    assert regs.loc[0, "last_seen"] == pd.Timestamp("2025-11-30T18:00Z")
    assert regs.loc[0, "contact"] == "sip:alice@10.1.2.3:5062;transport=udp"


def test_kamailio_without_database_or_location(tmp_path: object) -> None:
    t = kamailio(f"sqlite:///{tmp_path}/none.sqlite")
    regs = t.read_registrations()
    assert regs.empty
    _times_are_utc(regs)


@pytest.mark.parametrize("kind", ["asterisk"])
def test_asterisk_ps_contacts_rows(db_url: str, kind: str) -> None:
    t = asterisk(db_url)
    t.apply(request_for(t, frame([row("2001", username="alice"), row("2002")])))
    # as res_pjsip writes them: id "AOR;@hash", expiration_time epoch seconds
    # (text through the SQLite realtime driver), user_agent from the REGISTER
    for cid, uri, expiry in [
        ("2001;@0f3c9a61e5e1d0c4b7a2", "sip:alice@203.0.113.9:5062;ob", "1764547200"),
        ("9999;@aa11", "sip:9999@192.0.2.1:5060", "1764547200"),
    ]:
        execute(db_url, "INSERT INTO ps_contacts (id, uri, expiration_time, user_agent, "
                        "endpoint, qualify_frequency, qualify_timeout, via_addr, via_port, "
                        "prune_on_boot, authenticate_qualify, reg_server) VALUES (:i, :u, :e, "
                        "'Zoiper rv2.10', :p, 0, 3.0, '10.0.0.5', 5062, 'no', 'no', '')",
                # res_config_sqlite3 binds every value as text
                i=cid, u=uri, e=expiry if db_url.startswith("sqlite") else int(expiry),
                p=cid.split(";")[0])
    regs = t.read_registrations().sort_values("contact", ignore_index=True)
    _times_are_utc(regs)
    assert regs[["code", "username", "source_ip", "user_agent"]].values.tolist() == [
        ["", "9999", "192.0.2.1", "Zoiper rv2.10"],
        ["2001", "alice", "203.0.113.9", "Zoiper rv2.10"],
    ]
    assert regs.loc[1, "expires"] == pd.Timestamp("2025-12-01T00:00Z")
    assert regs["last_seen"].isna().all()


def test_sql_times_julian_text_and_local_zone() -> None:
    values = pd.Series(["2440587.5", "2461010.75", "2025-06-01 12:00:00", "", "junk",
                        "1970-01-01 00:00:00"])
    out = sql_times(values, "Europe/Berlin")
    assert out[0] is pd.NaT or pd.isna(out[0])  # the epoch: Kamailio's "never expires"
    assert out[1] == pd.Timestamp("2025-12-01T06:00Z")
    assert out[2] == pd.Timestamp("2025-06-01T10:00Z")  # CEST is UTC+2
    assert out[3:].isna().all()


def test_host_of_contacts_and_received() -> None:
    hosts = host_of(pd.Series(["sip:198.51.100.7:5060", "<sip:bob@10.0.0.2;ob>",
                               "sips:[2001:db8::1]:5061", "", "sip:carol@phone.example"]))
    assert hosts.tolist() == ["198.51.100.7", "10.0.0.2", "2001:db8::1", "", "phone.example"]


REFERENCE = (Path(__file__).resolve().parents[1] / "reference" / "asterisk"
             / "pjsip-realtime-22.10.1-postgres.sql")


def test_asterisk_contacts_on_asterisks_own_postgres_tables(pg_db_url: str) -> None:
    """The tables exactly as Asterisk 22's alembic leaves them (enums, bigint
    expiration_time), a contact row as res_pjsip's realtime writes it."""
    body = "\n".join(ln for ln in REFERENCE.read_text(encoding="utf-8").splitlines()
                     if not ln.startswith(("\\", "--")))
    eng = engine(pg_db_url)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(body)
    finally:
        eng.dispose()
    t = asterisk(pg_db_url)
    t.apply(request_for(t, frame([row("2001", username="alice")])))
    execute(pg_db_url, "INSERT INTO ps_contacts (id, uri, expiration_time, user_agent, endpoint, "
                       "authenticate_qualify, prune_on_boot, qualify_frequency, qualify_timeout, "
                       "via_addr, via_port, reg_server) VALUES ('2001;@8a7c2f', "
                       "'sip:alice@203.0.113.9:5062;transport=udp;ob', 1764547200, "
                       "'Zoiper rv2.10', '2001', 'no', 'no', 0, 3.0, '10.0.0.5', 5062, '')")
    regs = t.read_registrations()
    _times_are_utc(regs)
    assert regs[["code", "username", "source_ip"]].values.tolist() == [
        ["2001", "alice", "203.0.113.9"]]
    assert regs.loc[0, "expires"] == pd.Timestamp("2025-12-01T00:00Z")
