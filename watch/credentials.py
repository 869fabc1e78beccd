"""The setup card for one extension: what a softphone, desk phone or mobile app needs.

The password comes from the PBX (where `auto` passwords live). The card is a
frozen value; renderers (watch/card_render.py) decide whether the password is
shown or masked — the CLI tells them (a terminal, or --reveal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from extctl.errors import UsageError

if TYPE_CHECKING:
    from extctl.policy import Policy
    from pbx.base import SipIdentity

DEVICES = ("softphone", "desk", "mobile")


@dataclass(frozen=True)
class SipSettings:
    domain: str
    server: str
    udp_port: int = 5060
    tls_port: int = 5061
    stun: str = ""
    support: str = ""
    qr_format: str = "sessiontalk"
    provider_id: str = ""


@dataclass(frozen=True)
class Card:
    code: str
    name: str
    target: str
    kind: str
    sip_user: str
    auth_user: str
    password: str
    domain: str
    server: str
    transport: str  # what extensions.csv sets: udp, tcp or tls
    remote: bool
    settings: SipSettings
    identity: str = ""  # the target kind's SipIdentity.describe()

    @property
    def port(self) -> int:
        return self.settings.tls_port if self.transport == "tls" else self.settings.udp_port


def sip_settings(sip: dict[str, str], target_domain: str) -> SipSettings:
    domain = sip.get("domain") or target_domain
    return SipSettings(
        domain=domain, server=sip.get("server") or domain,
        udp_port=int(sip.get("udp_port", "5060")), tls_port=int(sip.get("tls_port", "5061")),
        stun=sip.get("stun", ""), support=sip.get("support", ""),
        qr_format=sip.get("qr_format", "sessiontalk"), provider_id=sip.get("provider_id", ""),
    )


def card_from_state(state_row: dict[str, str], *, target: str, kind: str,
                    settings: SipSettings, identity: SipIdentity | None = None) -> Card:
    if state_row.get("enabled") != "true":
        raise UsageError(f"extension {state_row['code']} is disabled on the PBX: it cannot "
                         "register, so there is no card; enable it in extensions.csv first")
    if not state_row.get("password"):
        raise UsageError(f"extension {state_row['code']} has no password on the PBX; apply "
                         "extensions.csv first")
    import pandas as pd

    from pbx.base import SIP_BY_USERNAME

    ident = identity or SIP_BY_USERNAME  # which column the phone uses, per target kind
    login = ident.logins(pd.DataFrame([{"code": state_row["code"],
                                        "username": state_row.get("username", "")}]))
    return Card(
        code=state_row["code"], name=state_row.get("name", ""), target=target, kind=kind,
        sip_user=str(login.loc[0, "sip_user"]), auth_user=str(login.loc[0, "auth_user"]),
        password=state_row["password"], domain=settings.domain,
        server=settings.server, transport=state_row.get("transport") or "udp",
        remote=state_row.get("remote") == "true", settings=settings,
        identity=ident.describe(),
    )


def load_card(policy: Policy, target_name: str | None, code: str) -> Card:
    """Read the PBX once and build the card for `code`."""
    from pbx.base import open_target, sip_identity

    config = policy.target(target_name)
    target = open_target(config)
    state = target.read_state()
    match = state[state["code"] == code]
    if match.empty:
        raise UsageError(f"extension {code} is not on target {config.name!r}; apply "
                         "extensions.csv first (or check the code)")
    row = {str(k): str(v) for k, v in match.iloc[0].to_dict().items()}
    settings = sip_settings(dict(policy.sip), config.option("domain", "pbx.local"))
    return card_from_state(row, target=config.name, kind=config.kind, settings=settings,
                           identity=sip_identity(target))
