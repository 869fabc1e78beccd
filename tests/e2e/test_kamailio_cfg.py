"""The reference pbx/kamailio.cfg enforces what extensions.csv says, end to end:
a real kamailio, real SIP clients (sipsak, sipp), data written by the apply path."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import need
from tests.e2e.conftest import CFG, Pbx, csv_text, row
from tests.e2e.sipclients import (
    sipp_answer,
    sipp_call_hold,
    sipp_invite,
    sipp_invite_auth,
    sipp_register,
    sipsak_register,
    wait_until,
)

pytestmark = pytest.mark.integration

LOCAL = "127.0.0.1/32"  # the office network: only the test's own address
OFFICE = row("2101", "Ann Office", allowed_ips=LOCAL)
DND = row("2102", "Bob Busy", username="bob", dnd="true", allowed_ips=LOCAL)
FWD = row("2103", "Cat Away", forward_number="+14155552671", allowed_ips=LOCAL)
OFF = row("2104", "Dan Gone", enabled="false", allowed_ips=LOCAL)
REMOTE = row("2105", "Eve Remote", remote="true")  # no allowed_ips: from anywhere
LIMITED = row("2106", "Fay Limited", username="fay", call_limit="1", allowed_ips=LOCAL)
ALL = (OFFICE, DND, FWD, OFF, REMOTE, LIMITED)

Factory = Callable[..., Pbx]


@pytest.fixture
def pbx(pbx_factory: Factory) -> Pbx:
    return pbx_factory(csv_text(*ALL))


def test_register_with_right_password_is_saved_to_location(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2101", pbx.password("2101"))
    assert res.rc == 0 and res.final == 200, res.messages
    assert len(pbx.location("2101")) == 1
    assert pbx.password("2101") not in res.messages
    assert pbx.password("2101") not in pbx.log.read_text(errors="replace")


def test_register_with_wrong_password_is_refused(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2101", "not-the-password-at-all")
    assert res.rc != 0
    assert res.final in (401, 403), res.messages
    assert pbx.location("2101") == []


def test_register_from_outside_allowed_ips_is_forbidden(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_register(pbx.port, "2101", pbx.password("2101"),
                           expect=403, workdir=tmp_path,
                        local_ip="127.0.0.2")
    assert res.rc == 0 and res.final == 403, res.messages
    assert pbx.location("2101") == []


def test_register_of_disabled_extension_is_forbidden(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2104", pbx.password("2104"))
    assert res.final == 403, res.messages
    assert pbx.location("2104") == []


def test_remote_extension_registers_from_anywhere(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_register(pbx.port, "2105", pbx.password("2105"),
                           expect=200, workdir=tmp_path,
                        local_ip="127.0.0.2")
    assert res.rc == 0 and res.final == 200, res.messages
    assert len(pbx.location("2105")) == 1


def test_invite_to_dnd_extension_is_busy(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_invite(pbx.port, "2102", 486, tmp_path)
    assert res.rc == 0 and res.final == 486, res.messages


def test_invite_to_forwarded_extension_redirects_to_the_number(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_invite(pbx.port, "2103", 302, tmp_path)
    assert res.rc == 0 and res.final == 302, res.messages
    contacts = res.header("Contact", 302)
    assert contacts and "sip:+14155552671@" in contacts[0], contacts


def test_invite_to_unknown_code_is_not_found(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_invite(pbx.port, "2999", 404, tmp_path)
    assert res.rc == 0 and res.final == 404, res.messages


def test_second_call_past_the_call_limit_is_busy(pbx: Pbx, tmp_path: Path) -> None:
    phone = sipp_answer(tmp_path)  # fay's phone: answers one call and holds it
    try:
        reg = sipp_register(pbx.port, "fay", pbx.password("fay"),
                           expect=200, workdir=tmp_path,
                            contact_port=phone.port)
        assert reg.final == 200, reg.messages
        first = sipp_call_hold(pbx.port, "2106", 5000, tmp_path)
        try:
            assert wait_until(lambda: phone.saw("ACK sip:"), 8), "first call not established"
            second = sipp_invite(pbx.port, "2106", 486, tmp_path)
            assert second.rc == 0 and second.final == 486, second.messages
        finally:
            held = first.wait(15)
        assert held.rc == 0 and 200 in held.statuses, held.messages
        answered = phone.wait(10)
        assert answered.rc == 0, answered.messages
    finally:
        phone.stop()


def test_reapplied_changes_take_effect_without_restart(pbx: Pbx, tmp_path: Path) -> None:
    pid = pbx.pid
    assert sipp_invite(pbx.port, "2102", 486, tmp_path).final == 486
    assert sipsak_register(pbx.port, "2101", pbx.password("2101")).final == 200
    far = sipp_register(pbx.port, "fay", pbx.password("fay"),
                           expect=403, workdir=tmp_path, local_ip="127.0.0.2")
    assert far.final == 403, far.messages
    assert "+14155552671@" in sipp_invite(pbx.port, "2103", 302, tmp_path).header("Contact", 302)[0]

    pbx.apply(csv_text(
        {**OFFICE, "enabled": "false"},
        {**DND, "dnd": "false"},
        {**FWD, "forward_number": "+442079460958"},
        OFF, REMOTE,
        {**LIMITED, "allowed_ips": f"{LOCAL};127.0.0.2/32"},
    ))

    assert pbx.alive() and pbx.pid == pid, "kamailio must keep running, never restarted"
    bob = sipp_invite(pbx.port, "2102", 480, tmp_path)  # no longer DND: not registered
    assert bob.final == 480, bob.messages
    ann = sipsak_register(pbx.port, "2101", pbx.password("2101"))
    assert ann.final == 403, ann.messages
    fay = sipp_register(pbx.port, "fay", pbx.password("fay"),
                           expect=200, workdir=tmp_path, local_ip="127.0.0.2")
    assert fay.final == 200, fay.messages
    cat = sipp_invite(pbx.port, "2103", 302, tmp_path)
    assert "sip:+442079460958@" in cat.header("Contact", 302)[0], cat.messages
    assert pbx.alive() and pbx.pid == pid
    logs = pbx.log.read_text(errors="replace") + "".join(
        p.read_text(errors="replace") for p in tmp_path.glob("sipp-*.log")
    )
    applied = "".join(pbx.outputs)
    assert "Applied to pbx" in applied
    for user in ("2101", "bob", "2103", "2104", "2105", "fay"):
        assert pbx.password(user) not in logs
        assert pbx.password(user) not in applied


def test_reads_during_a_write_are_retried_then_503(pbx: Pbx, tmp_path: Path) -> None:
    """db_sqlite has no busy timeout: the cfg retries a locked read for ~0.7 s."""
    writer = sqlite3.connect(pbx.db, isolation_level=None, check_same_thread=False)
    try:
        writer.execute("BEGIN EXCLUSIVE")  # as an apply's commit does, briefly
        release = threading.Timer(0.1, writer.execute, ("COMMIT",))
        release.start()
        res = sipp_invite(pbx.port, "2102", 486, tmp_path)
        release.join()
        assert res.final == 486, res.messages

        writer.execute("BEGIN EXCLUSIVE")  # a writer that does not let go
        res = sipp_invite(pbx.port, "2102", 503, tmp_path)
        writer.execute("COMMIT")
        assert res.final == 503, res.messages
    finally:
        writer.close()


def test_callers_outside_trusted_networks_must_authenticate(
    pbx_factory: Factory, tmp_path: Path
) -> None:
    # trust nobody on loopback but a test-net address: every INVITE needs digest auth
    pbx = pbx_factory(csv_text(*ALL), trusted="192.0.2.1/32")
    assert sipp_invite(pbx.port, "2102", 407, tmp_path).final == 407
    eve = sipp_invite_auth(pbx.port, "2102", "2105", pbx.password("2105"),
                           expect=486, workdir=tmp_path)
    assert eve.rc == 0 and eve.final == 486, eve.messages  # authenticated, then DND
    dan = sipp_invite_auth(pbx.port, "2102", "2104", pbx.password("2104"),
                           expect=403, workdir=tmp_path)
    assert dan.final == 403, dan.messages  # a disabled extension cannot call out
    ann = sipp_invite_auth(pbx.port, "2102", "2101", pbx.password("2101"),
                           expect=403, workdir=tmp_path,
                           local_ip="127.0.0.2")
    assert ann.final == 403, ann.messages  # outside its allowed_ips
    wrong = sipp_invite_auth(pbx.port, "2102", "2105", "not-the-password-at-all",
                             expect=407, workdir=tmp_path)
    assert wrong.final == 407, wrong.messages


def test_postgresql_database(pbx_factory: Factory, pg_db_url: str, tmp_path: Path) -> None:
    """The same cfg with -A WITH_POSTGRES against a target applied to PostgreSQL."""
    pbx = pbx_factory(csv_text(*ALL), pg_url=pg_db_url)
    pid = pbx.pid
    res = sipsak_register(pbx.port, "2101", pbx.password("2101"))
    assert res.final == 200, res.messages
    assert len(pbx.location("2101")) == 1
    assert sipp_invite(pbx.port, "2102", 486, tmp_path).final == 486
    assert sipp_invite(pbx.port, "2103", 302, tmp_path).final == 302
    pbx.apply(csv_text(*ALL[:1], {**DND, "dnd": "false"}, *ALL[2:]))
    bob = sipp_invite(pbx.port, "2102", 480, tmp_path)
    assert bob.final == 480, bob.messages
    assert pbx.alive() and pbx.pid == pid


@pytest.mark.parametrize("defines", [[], ["-A", "WITH_POSTGRES"]], ids=["sqlite", "postgres"])
def test_cfg_passes_kamailios_own_check_with_its_defaults(defines: list[str]) -> None:
    need("kamailio")
    done = subprocess.run(["kamailio", "-c", "-f", str(CFG), *defines],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
