"""The reference pbx/kamailio.cfg enforces what extensions.csv says, end to end:
a real kamailio, real SIP clients (sipsak, sipp), data written by the apply path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Pbx, csv_text
from tests.e2e.sipclients import (
    sipp_answer,
    sipp_call_hold,
    sipp_invite,
    sipp_register,
    sipsak_register,
    wait_until,
)

pytestmark = pytest.mark.integration

# code,name,username,password,call_limit,dnd,forward_number,allowed_ips,remote,enabled,...
OFFICE = "2101,Ann Office,,auto,,false,,127.0.0.1/32,false,true,,,false,,udp,"
DND = "2102,Bob Busy,bob,auto,,true,,127.0.0.1/32,false,true,,,false,,udp,"
FWD = "2103,Cat Away,,auto,,false,+14155552671,127.0.0.1/32,false,true,,,false,,udp,"
OFF = "2104,Dan Gone,,auto,,false,,127.0.0.1/32,false,false,,,false,,udp,"
REMOTE = "2105,Eve Remote,,auto,,false,,,true,true,,,false,,udp,"
LIMITED = "2106,Fay Limited,fay,auto,1,false,,127.0.0.1/32,false,true,,,false,,udp,"
ALL = (OFFICE, DND, FWD, OFF, REMOTE, LIMITED)

Factory = Callable[[str], Pbx]


@pytest.fixture
def pbx(pbx_factory: Factory) -> Pbx:
    return pbx_factory(csv_text(*ALL))


def test_register_with_right_password_is_saved_to_location(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2101", pbx.password("2101"))
    assert res.rc == 0 and res.final == 200, res.messages
    assert len(pbx.location("2101")) == 1
    assert pbx.password("2101") not in res.messages


def test_register_with_wrong_password_is_refused(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2101", "not-the-password-at-all")
    assert res.rc != 0
    assert res.final in (401, 403), res.messages
    assert pbx.location("2101") == []


def test_register_from_outside_allowed_ips_is_forbidden(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_register(pbx.port, "2101", pbx.password("2101"), 403, tmp_path,
                        local_ip="127.0.0.2")
    assert res.rc == 0 and res.final == 403, res.messages
    assert pbx.location("2101") == []


def test_register_of_disabled_extension_is_forbidden(pbx: Pbx) -> None:
    res = sipsak_register(pbx.port, "2104", pbx.password("2104"))
    assert res.final == 403, res.messages
    assert pbx.location("2104") == []


def test_remote_extension_registers_from_anywhere(pbx: Pbx, tmp_path: Path) -> None:
    res = sipp_register(pbx.port, "2105", pbx.password("2105"), 200, tmp_path,
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
