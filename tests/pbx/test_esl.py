"""The event socket client's own rules (the protocol itself runs against the
real FreeSWITCH in tests/e2e/test_freeswitch_fusionpbx.py)."""

from __future__ import annotations

import pytest

from extctl.errors import TargetError
from pbx.esl import EslAddress, EslError, EventSocket, parse_esl_url
from tests.fixtures.postgres import free_port


@pytest.mark.parametrize(("url", "shown"), [
    ("127.0.0.1", "127.0.0.1:8021"), ("fs.example:9000", "fs.example:9000"),
    ("tcp://10.0.0.5:8021", "10.0.0.5:8021"), ("esl://fs:8022", "fs:8022"),
])
def test_parse(url: str, shown: str) -> None:
    assert parse_esl_url("t", url).shown == shown


@pytest.mark.parametrize("url", ["http://fs:8021", "tcp://fs:notaport", "tcp:///x", "fs:8021/x"])
def test_parse_refuses(url: str) -> None:
    with pytest.raises(TargetError, match="esl_url"):
        parse_esl_url("t", url)


def test_password_in_url_refused_and_not_echoed() -> None:
    with pytest.raises(TargetError) as err:
        parse_esl_url("t", "tcp://admin:Cl00Con-secret@fs:8021")
    assert "Cl00Con-secret" not in str(err.value)


def test_unreachable_is_an_esl_error_without_the_password() -> None:
    with pytest.raises(EslError) as err:
        EventSocket(EslAddress("127.0.0.1", free_port()), "pw-not-shown", timeout=2)
    assert "cannot connect to 127.0.0.1:" in str(err.value)
    assert "pw-not-shown" not in str(err.value)
