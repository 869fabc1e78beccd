"""Issue 8 item 5 end to end: after a username change the old registration is
gone and the phone must register again (a real kamailio with the reference
cfg, real sipp/sipsak clients, the database written by the real `extctl apply`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Pbx, csv_text, row
from tests.e2e.sipclients import sipp_invite, sipp_register, sipsak_register

pytestmark = pytest.mark.integration

LOCAL = "127.0.0.1/32"
DESK = row("2400", "Front Desk", username="frontdesk", allowed_ips=LOCAL)
LOBBY = row("2501", "Lobby Phone", username="lobby", allowed_ips=LOCAL)

Factory = Callable[..., Pbx]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_swapped_usernames_drop_registrations_and_phones_register_again(
        pbx_factory: Factory, tmp_path: Path, engine: str,
        request: pytest.FixtureRequest) -> None:
    pg = request.getfixturevalue("pg_db_url") if engine == "postgresql" else None
    pbx = pbx_factory(csv_text(DESK, LOBBY), pg_url=pg)
    desk_password = pbx.password("frontdesk")
    desk = sipp_register(pbx.port, "frontdesk", desk_password, expect=200, workdir=tmp_path,
                         contact_port=45999)
    assert desk.final == 200, desk.messages
    assert len(pbx.location("frontdesk")) == 1
    assert sipsak_register(pbx.port, "lobby", pbx.password("lobby")).final == 200

    # the case: swap the two usernames
    pbx.apply(csv_text({**DESK, "username": "lobby"}, {**LOBBY, "username": "frontdesk"}))

    assert pbx.location("frontdesk") == [] and pbx.location("lobby") == []
    # 2501 now answers to "frontdesk": the front desk's old binding must not ring
    for code in ("2501", "2400"):
        res = sipp_invite(pbx.port, code, 480, tmp_path)
        assert res.final == 480, res.messages  # not registered: the PBX says so itself
    # the desk phone's old credentials no longer work for its old name ...
    stale = sipsak_register(pbx.port, "frontdesk", desk_password)
    assert stale.final in (401, 403), stale.messages
    # ... and it registers again under its new username with its (kept) password
    assert pbx.password("lobby") == desk_password
    again = sipp_register(pbx.port, "lobby", desk_password, expect=200, workdir=tmp_path)
    assert again.final == 200, again.messages
    assert len(pbx.location("lobby")) == 1
    applied = "".join(pbx.outputs)
    assert desk_password not in applied
