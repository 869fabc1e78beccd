"""A real Asterisk 22 with PJSIP realtime on SQLite, its tables written by the real
`extctl apply`: phones register as the code (From user) with the username as
the digest auth id, wrong passwords and disabled extensions are refused, a
username change and a disable act without a reload, and registrations are
stored in ps_contacts.

PostgreSQL is covered at the table level only (tests/pbx/test_asterisk_tables.py):
the relocatable build has no realtime driver for it (README, "Asterisk").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.asterisk_server import AsteriskServer, state_dir
from tests.e2e.conftest import csv_text, row
from tests.e2e.sipclients import sipp_register, sipsak_register
from tests.fixtures.pbxbuilds import asterisk_home

pytestmark = pytest.mark.integration

LOCAL = "127.0.0.1/32"
ANN = row("3001", "Ann Lee", username="ann", allowed_ips=LOCAL)   # auth id differs from code
BOB = row("3002", "Bob Stone", allowed_ips=LOCAL)                 # username blank = the code
CAT = row("3003", "Cat Road", username="cat.road", remote="true")  # from anywhere
DAN = row("3004", "Dan Gone", username="dan", enabled="false", allowed_ips=LOCAL)
EVE = row("3005", "Eve Wrong", username="eve", allowed_ips=LOCAL)  # wrong password
FAY = row("3006", "Fay Moves", username="fay", allowed_ips=LOCAL)  # renamed, then disabled
BASE = (ANN, BOB, CAT, DAN, EVE, FAY)
ENABLED = (ANN, BOB, CAT, EVE, FAY)


def auth_id(r: dict[str, str]) -> str:
    return r.get("username") or r["code"]


@pytest.fixture(scope="module")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AsteriskServer]:
    need("sipsak", "sipp")
    server = AsteriskServer(asterisk_home(), state_dir(tmp_path_factory.mktemp("asterisk")))
    try:
        server.configure()
        server.apply(csv_text(*BASE))  # the tables exist before Asterisk first reads them
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def ast(asterisk: AsteriskServer) -> Iterator[AsteriskServer]:
    """The shared server; a test that edits the CSV puts BASE back afterwards."""
    before = len(asterisk.outputs)
    yield asterisk
    if len(asterisk.outputs) > before:
        asterisk.apply(csv_text(*BASE))


@pytest.mark.parametrize("ext", ENABLED, ids=lambda r: r["code"])
def test_applied_extension_registers_as_code_with_username_as_auth_id(
    ast: AsteriskServer, ext: dict[str, str]
) -> None:
    code = ext["code"]
    res = sipsak_register(ast.port, code, ast.password(code), auth_user=auth_id(ext))
    assert res.rc == 0 and res.final == 200, res.messages + ast.tail()
    # stored in ps_contacts by Asterisk itself, every column it writes accepted
    stored = ast.contacts(code)
    assert len(stored) == 1, stored
    uri, expires, agent, q2xx = stored[0]
    assert str(uri).startswith(f"sip:{code}@127.0.0.1:")
    assert int(str(expires)) > time.time() and "sipsak" in str(agent) and q2xx in ("no", "false")


def test_the_username_is_not_the_sip_user_on_asterisk(ast: AsteriskServer) -> None:
    """Registering as `ann` (the auth id) finds no endpoint: the SIP user is the code."""
    res = sipsak_register(ast.port, "ann", ast.password("3001"), auth_user="ann")
    assert res.final != 200 and res.rc != 0, res.messages
    assert ast.query("SELECT count(*) FROM ps_contacts WHERE uri LIKE 'sip:ann@%'") == [(0,)]


def test_wrong_password_is_refused(ast: AsteriskServer) -> None:
    before = ast.contacts("3005")
    res = sipsak_register(ast.port, "3005", "not-the-password-at-all", auth_user="eve")
    assert res.rc != 0 and res.final in (401, 403), res.messages
    assert ast.contacts("3005") == before


def test_disabled_extension_is_refused(ast: AsteriskServer) -> None:
    res = sipsak_register(ast.port, "3004", ast.password("3004"), auth_user="dan")
    assert res.rc != 0 and res.final != 200, res.messages
    assert ast.contacts("3004") == []


def test_register_from_outside_allowed_ips_is_refused(ast: AsteriskServer,
                                                      tmp_path: Path) -> None:
    # sipp sends From user = auth id, so use the extension whose username is its code
    res = sipp_register(ast.port, "3002", ast.password("3002"), expect=401, workdir=tmp_path,
                        local_ip="127.0.0.2")
    assert res.final in (401, 403), res.messages
    assert all("127.0.0.2" not in str(c[0]) for c in ast.contacts("3002"))


def test_username_change_and_disable_act_without_reload(ast: AsteriskServer) -> None:
    fay = ast.password("3006")
    assert sipsak_register(ast.port, "3006", fay, auth_user="fay").final == 200
    # rename fay's auth id, disable ann: one apply, no reload of any kind
    ast.apply(csv_text(*[
        {**r, "username": "fay.new"} if r is FAY else {**r, "enabled": "false"} if r is ANN
        else r for r in BASE]))
    assert ast.password("3006") == fay  # an auto password is kept on a rename
    old = sipsak_register(ast.port, "3006", fay, auth_user="fay")
    assert old.final != 200, old.messages
    new = sipsak_register(ast.port, "3006", fay, auth_user="fay.new")
    assert new.rc == 0 and new.final == 200, new.messages + ast.tail()
    off = sipsak_register(ast.port, "3001", ast.password("3001"), auth_user="ann")
    assert off.final != 200, off.messages
    assert "reload" not in ast.tail(10_000).lower()


def test_no_secret_in_what_extctl_or_asterisk_printed(ast: AsteriskServer) -> None:
    assert sipsak_register(ast.port, "3002", ast.password("3002")).final == 200
    printed = "\n".join(ast.outputs) + ast.tail(100_000)
    for r in BASE:
        assert ast.password(r["code"]) not in printed


def test_asterisk_parses_every_row_extctl_wrote(ast: AsteriskServer) -> None:
    """No NULL read back as '' (res_config_sqlite3), no contact refused for a column."""
    shown = ast.rx("pjsip show endpoints")
    assert all(f" {r['code']}/" in shown or f" {r['code']} " in shown for r in BASE), shown
    log = ast.tail(100_000)
    assert "Error parsing" not in log and "Unable to bind contact" not in log, log
