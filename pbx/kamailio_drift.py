"""What the Kamailio target's read finds broken in an extension (its `repair`).

An extension works when it has its subscriber row (with an ha1 that matches
its password) and its usr_preferences attributes, in the target's domain. A
hand edit that breaks any of that is drift the plan must show and repair:
these functions name what is missing, and find a managed extension whose rows
are in another domain (the target's `domain` changed: a move).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Protocol

from pbx import registrations, sql

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

# Attributes every extension has (pbx/kamailio.py ATTRIBUTES "always written").
ALWAYS = ("code", "name", "enabled", "dnd", "transport")
MOVED = registrations.REKEYING + " domain "


class _Reader(Protocol):
    domain: str
    _moved: dict[str, str]

    def _read_domain(self, conn: Connection, domain: str) -> pd.DataFrame: ...


def md5_column(values: pd.Series) -> list[str]:
    # hashlib per value: there is no vectorised MD5, and 10^6 digests take ~1 s.
    return [hashlib.md5(v.encode()).hexdigest() for v in values.tolist()]


def repairs(out: pd.DataFrame, domain: str) -> pd.Series:
    """The repair text of each row of prefs outer-joined with subscriber
    (`_side` from the merge's indicator; NaN where a side is absent)."""
    import numpy as np
    import pandas as pd

    side = out["_side"].astype(str).to_numpy()
    no_sub, no_prefs = side == "left_only", side == "right_only"
    both = ~no_sub & ~no_prefs
    masks: list[tuple[np.ndarray, str]] = [(no_sub, "subscriber missing"),
                                           (no_prefs, "usr_preferences missing")]
    for attr in ALWAYS:
        col = out[f"a_{attr}"]
        gone = (col.isna() | (col == "")).to_numpy(dtype=bool) & ~no_prefs
        masks.append((gone, f"usr_preferences {attr} missing"))
    masks.append(((out["dups"] == "1").to_numpy(dtype=bool) & ~no_prefs,
                  "usr_preferences duplicated"))
    password = out["password"].fillna("").astype(str)
    blank = both & (password == "").to_numpy()
    masks.append((blank, "subscriber password blank"))
    check = both & ~blank
    if check.any():
        users = out.loc[check, "username"].astype(str)
        ha1 = md5_column(users + f":{domain}:" + password[check])
        wrong = np.zeros(len(out), dtype=bool)
        wrong[np.flatnonzero(check)] = (
            np.asarray(ha1, dtype=object) != out.loc[check, "ha1"].fillna("").to_numpy())
        masks.append((wrong, "subscriber ha1 does not match the password"))
    text = pd.Series("", index=out.index, dtype=object)
    anything = np.logical_or.reduce([m for m, _ in masks])
    if anything.any():  # the few broken rows only
        rows = np.flatnonzero(anything)
        parts = [[what for m, what in masks if m[i]] for i in rows.tolist()]
        text.iloc[rows] = pd.Series([_merge(p) for p in parts], index=text.index[rows])
    return text


def _merge(parts: list[str]) -> str:
    """"usr_preferences name missing, usr_preferences dnd missing" -> one phrase."""
    attrs = [p.split()[1] for p in parts if p.startswith("usr_preferences ")
             and p.endswith(" missing") and len(p.split()) == 3]
    rest = [p for p in parts if not (p.startswith("usr_preferences ")
                                     and p.endswith(" missing") and len(p.split()) == 3)]
    if attrs:
        rest.append(f"usr_preferences {', '.join(attrs)} missing")
    return "; ".join(rest)


def reconcile(target: _Reader, conn: Connection, frame: pd.DataFrame, meta: pd.DataFrame
              ) -> pd.DataFrame:
    """Give managed extensions found only partly, or in another domain, their code."""
    import pandas as pd

    lost = meta.loc[~sql.isin(meta["code"], frame["code"].astype(str)).to_numpy()]
    if lost.empty:
        return frame
    # a subscriber whose usr_preferences are gone reads as code = username
    by_user = dict(zip(lost["username"], lost["code"], strict=True))
    alone = (frame["_side"].astype(str) == "right_only") & frame["username"].isin(list(by_user))
    if alone.any():
        frame = frame.copy()
        frame.loc[alone, "code"] = frame.loc[alone, "username"].map(by_user)
        lost = lost[~lost["code"].isin(frame["code"].tolist())]
    if lost.empty:
        return frame
    others = sql.read_frame(conn, "SELECT DISTINCT domain FROM usr_preferences WHERE "
                            "attribute = 'code' AND domain <> :d", {"d": target.domain})
    found = [frame]
    wanted = dict(zip(lost["code"], lost["username"], strict=True))
    for domain in sorted(others["domain"].tolist()):
        part = target._read_domain(conn, domain)
        keep = part["code"].isin(list(wanted)) & (part["username"] == part["code"].map(wanted))
        keep &= part["_side"].astype(str) != "right_only"
        if not keep.any():
            continue
        part = part[keep].copy()
        moved = f"{MOVED}{domain}"
        part["repair"] = part["repair"].where(part["repair"] == "", "; " + part["repair"])
        part["repair"] = moved + part["repair"]
        for code in part["code"].tolist():
            target._moved[code] = domain
            wanted.pop(code, None)
        found.append(part)
    return pd.concat(found, ignore_index=True) if len(found) > 1 else frame
