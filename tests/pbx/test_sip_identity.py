"""Which SIP user a phone registers as, per target kind (issue 8 item 8)."""

from __future__ import annotations

import pandas as pd

from pbx.asterisk import AsteriskTarget
from pbx.base import SIP_BY_USERNAME, SipIdentity, sip_identity
from pbx.kamailio import KamailioTarget

ROWS = pd.DataFrame({"code": ["2001", "2002"], "username": ["ann", ""]})


def test_asterisk_phone_registers_as_the_code_and_authenticates_with_the_username() -> None:
    ident = sip_identity(AsteriskTarget)
    assert (ident.user, ident.auth) == ("code", "username")
    assert ident.logins(ROWS).to_dict("records") == [
        {"code": "2001", "sip_user": "2001", "auth_user": "ann"},
        {"code": "2002", "sip_user": "2002", "auth_user": "2002"},
    ]
    assert "SIP user is the code" in ident.describe()


def test_kamailio_phone_registers_and_authenticates_as_the_username() -> None:
    ident = sip_identity(KamailioTarget)
    assert ident == SIP_BY_USERNAME
    assert ident.logins(ROWS)["sip_user"].tolist() == ["ann", "2002"]
    assert ident.describe() == "the phone registers and authenticates as the username"


def test_a_kind_accepting_either_says_so() -> None:  # FusionPBX: username or code
    ident = SipIdentity(user="username", also=("code",))
    assert ident.describe().startswith("the phone's SIP user is the username or the code")


def test_a_target_without_a_declaration_defaults_to_the_username() -> None:
    class Bare:
        pass

    assert sip_identity(Bare) == SIP_BY_USERNAME  # type: ignore[arg-type]


def test_logins_without_a_username_column_use_the_code() -> None:
    ident = sip_identity(AsteriskTarget)
    got = ident.logins(pd.DataFrame({"code": ["2001"]}))
    assert got.to_dict("records") == [{"code": "2001", "sip_user": "2001", "auth_user": "2001"}]
