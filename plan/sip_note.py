"""The plan's note on which SIP user a phone registers as, where that is not the username.

On Asterisk the endpoint id is the code: a phone set up with the CSV username
as its SIP user finds no endpoint. The plan says so for exactly the
extensions whose phone configuration is new (created, or username changed)
and whose SIP user differs from their auth id; elsewhere it says nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from pbx.base import SipIdentity

NAMED = 5


def sip_login_note(identity: SipIdentity, kind: str, desired: pd.DataFrame,
                   state: pd.DataFrame) -> str | None:
    if identity.user == identity.auth:
        return None
    # only code and username matter; logins() resolves a blank username to the code
    want = identity.logins(desired)
    want = want[want["sip_user"] != want["auth_user"]]
    if want.empty:
        return None
    have = identity.logins(state) if not state.empty else want.iloc[:0]
    merged = want.merge(have, on="code", how="left", suffixes=("", "_now"))
    new = merged[merged["auth_user_now"].isna() | (merged["auth_user_now"] != merged["auth_user"])
                 | (merged["sip_user_now"] != merged["sip_user"])]
    if new.empty:
        return None
    shown = new.head(NAMED)
    examples = ", ".join(f"{c} (SIP user {u}, auth id {a})" for c, u, a in zip(
        shown["code"], shown["sip_user"], shown["auth_user"], strict=True))
    more = f" and {len(new) - NAMED} more" if len(new) > NAMED else ""
    return f"SIP login on {kind}: {identity.describe()}. New logins: {examples}{more}."
