"""FreeSWITCH's live registrations of one FusionPBX domain, over the event socket.

FreeSWITCH keeps them in its own core database (SQLite unless configured),
not in FusionPBX's tables; `sofia xmlstatus profile P reg` is the portable
way to read them. One XML element per registration: the loop below runs over
registrations (phones), never over the extension table.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from extctl.errors import TargetError
from pbx.esl import EslError, EventSocket

if TYPE_CHECKING:
    import pandas as pd

    from pbx.fusionpbx_flush import EventSocketConfig

# The columns of Target.read_registrations() (pbx/base.py REGISTRATION_COLUMNS).
COLUMNS = ("code", "username", "contact", "source_ip", "user_agent", "expires", "last_seen")
_EXPSECS = re.compile(r"expsecs\((\d+)\)", re.IGNORECASE)


def fetch(config: EventSocketConfig, target: str, password: str) -> str:
    try:
        with EventSocket(config.address, password) as esl:
            return esl.api(f"sofia xmlstatus profile {config.profile} reg")
    except EslError as exc:
        raise TargetError(f"target {target!r}: cannot read registrations from FreeSWITCH's "
                          f"event socket: {exc}") from None


def parse(xml: str, domain: str, rows: pd.DataFrame, now: datetime | None = None
          ) -> pd.DataFrame:
    """Registrations of `domain` as COLUMNS; `rows` are the domain's v_extensions
    rows (extension, number_alias, code, chosen) mapping a SIP user to its code."""
    import pandas as pd

    now = now or datetime.now(UTC)
    chosen = rows[rows["chosen"]]
    code_of = dict(zip(chosen["extension"].str.lower(), chosen["code"], strict=True))
    code_of.update((a.lower(), c) for a, c in zip(chosen["number_alias"], chosen["code"],
                                                  strict=True) if a)
    out: dict[str, list[object]] = {c: [] for c in COLUMNS}
    try:
        root = ElementTree.fromstring(xml.strip().encode("utf-8"))
    except ElementTree.ParseError:
        root = ElementTree.Element("profile")  # "Invalid Profile!" and the like: none
    for reg in root.iter("registration"):
        user, _, host = (reg.findtext("user") or "").partition("@")
        if host.lower() != domain.lower():
            continue
        secs = _EXPSECS.search(reg.findtext("status") or "")
        out["code"].append(code_of.get(user.lower(), ""))
        out["username"].append(user)
        out["contact"].append(reg.findtext("contact") or "")
        out["source_ip"].append(reg.findtext("network-ip") or "")
        out["user_agent"].append(reg.findtext("agent") or "")
        out["expires"].append(now + timedelta(seconds=int(secs.group(1))) if secs else None)
        out["last_seen"].append(None)  # FreeSWITCH does not report it
    frame = pd.DataFrame({c: pd.Series(out[c], dtype=object) for c in COLUMNS[:5]})
    for column in ("expires", "last_seen"):
        frame[column] = pd.to_datetime(pd.Series(out[column], dtype=object), utc=True)
    return frame
