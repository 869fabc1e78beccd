"""Item 5: a change that makes a phone authenticate again removes its
registrations (kamailio `location`, asterisk `ps_contacts`) in the apply's
transaction; other extensions' registrations stay."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.pbx.drift_harness import Pbx, rows
from tests.pbx.helpers import execute

NEW_LITERAL = "k2VqP9wX3nR7tL5y"


def register(pbx: Pbx, code: str, username: str) -> None:
    if pbx.kind == "kamailio":  # usrloc with use_domain 0 stores no domain
        pbx.sql("INSERT INTO location (ruid, username, contact, received, path, expires, "
                "callid, user_agent, last_modified) VALUES "
                f"('ruid-{code}', '{username}', 'sip:{username}@192.0.2.{code[-1]}:5060', "
                "'', '', '2030-01-01 00:00:00', 'c', 'phone', '2026-01-01 00:00:00')")
    else:
        pbx.sql("INSERT INTO ps_contacts (id, uri, expiration_time, endpoint, user_agent) "
                f"VALUES ('{code};@abc{code}', 'sip:{code}@192.0.2.1', 1893456000, '{code}', "
                "'phone')")


def registered(pbx: Pbx) -> set[str]:
    if pbx.kind == "kamailio":
        return {str(r[0]) for r in execute(pbx.url, "SELECT username FROM location")}
    return {str(r[0]) for r in execute(pbx.url, "SELECT endpoint FROM ps_contacts")}


def edit(desired: pd.DataFrame, code: str, **values: str) -> pd.DataFrame:
    out = desired.copy()
    for column, value in values.items():
        out.loc[out["code"] == code, column] = value
    return out


CHANGES = {
    "username change": lambda d: edit(d, "2300", username="frontdesk"),
    "disable": lambda d: edit(d, "2300", enabled="false"),
    "delete": lambda d: d[d["code"] != "2300"],
    "literal password change": lambda d: edit(d, "2301", password=NEW_LITERAL),
    "rotation of an auto password": lambda d: edit(d, "2300", password_rotated="2026-01-02"),
}


@pytest.mark.parametrize("kind", ["kamailio", "asterisk"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_change_removes_the_extensions_registrations(kind: str, change: str,
                                                     sql_url: str) -> None:
    pbx = Pbx(kind, sql_url)
    desired = rows()
    pbx.apply(desired)
    names = {"2300": "2300", "2301": "bob.l", "2302": "cat"}
    for code, user in names.items():
        register(pbx, code, user)
    pbx.converge(CHANGES[change](desired))
    touched = "2301" if "literal" in change else "2300"
    gone = names[touched] if kind == "kamailio" else touched
    left = {names[c] if kind == "kamailio" else c for c in names} - {gone}
    assert registered(pbx) == left


def test_kamailio_username_swap_drops_both_and_keeps_no_stale_binding(sql_url: str) -> None:
    """The issue's case: 2300 and 2301 swap usernames; neither keeps the other's phone."""
    pbx = Pbx("kamailio", sql_url)
    desired = rows()
    pbx.apply(desired)
    register(pbx, "2300", "2300")
    register(pbx, "2301", "bob.l")
    register(pbx, "2302", "Cat")  # a registrar may store another case
    swapped = edit(edit(desired, "2300", username="bob.l"), "2301", username="2300")
    pbx.converge(swapped)
    assert registered(pbx) == {"Cat"}
    pbx.converge(edit(swapped, "2302", username="kitty"))
    assert registered(pbx) == set()


def test_plain_update_keeps_registrations(sql_url: str) -> None:
    pbx = Pbx("kamailio", sql_url)
    desired = rows()
    pbx.apply(desired)
    register(pbx, "2300", "2300")
    pbx.converge(edit(desired, "2300", name="Ann Renamed", call_limit="3"))
    assert registered(pbx) == {"2300"}
