"""The registration audit: which enabled extensions have been silent too long.

Whole-column work only: the extension list and the registrations are joined
and grouped by pandas; `ipaddress` runs once per distinct (allowed_ips,
source address) pair of the registrations that have both.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

OVERDUE_COLUMNS = ("code", "name", "username", "remote", "allowed_ips", "last_seen", "silent")
UNKNOWN_COLUMNS = ("username", "contact", "source_ip", "user_agent")
FOREIGN_COLUMNS = ("code", "username", "source_ip", "allowed_ips", "contact")


@dataclass(frozen=True)
class AuditResult:
    target: str
    now: pd.Timestamp
    limit: pd.Timedelta
    checked: int  # enabled extensions looked at
    registered: int  # of them, registered right now
    overdue: pd.DataFrame  # OVERDUE_COLUMNS, watched-first order; last_seen NaT = never
    unknown: pd.DataFrame  # registrations of no extension on the PBX
    foreign: pd.DataFrame  # registrations from outside the extension's allowed_ips
    last_seen: pd.Series  # code -> UTC time, for the state file (codes on the PBX only)

    @property
    def clean(self) -> bool:
        return self.overdue.empty and self.unknown.empty and self.foreign.empty


def seen_at(regs: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """When each registration last counted as registered: while it has not expired
    the phone is registered (now); after that, when it expired. A row without
    times is a registration the PBX holds, so: now."""
    end = regs["expires"].where(regs["expires"].notna(), now)
    end = end.where(end.isna() | (regs["last_seen"].isna()) | (end > regs["last_seen"]),
                    regs["last_seen"])
    return end.where(end < now, now)


def outside_allowed(allowed: pd.Series, source: pd.Series) -> pd.Series:
    """True where `source` lies in none of the `;`-separated networks of `allowed`.

    Blank lists (register from anywhere) and unknown/unparsable sources are False.
    """
    import pandas as pd

    out = pd.Series(False, index=allowed.index)
    check = (allowed != "") & (source != "")
    if not check.any():
        return out
    pairs = pd.DataFrame({"a": allowed[check], "s": source[check]})
    distinct = pairs.drop_duplicates()
    verdicts = [_outside(a, s) for a, s in zip(distinct["a"], distinct["s"], strict=True)]
    distinct = distinct.assign(v=verdicts)
    merged = pairs.merge(distinct, on=["a", "s"], how="left")
    out[check] = merged["v"].to_numpy(dtype=bool)
    return out


def _outside(allowed: str, source: str) -> bool:
    try:
        ip = ipaddress.ip_address(source)
    except ValueError:
        return False  # a host name in the contact: nothing to compare
    for net in allowed.replace(",", ";").split(";"):
        try:
            if net.strip() and ip in ipaddress.ip_network(net.strip(), strict=False):
                return False
        except ValueError:
            continue
    return True


def _isin(values: pd.Index | pd.Series, pool: pd.Index | pd.Series) -> np.ndarray:
    """values.isin(pool) as a pyarrow hash lookup: pandas' isin on arrow strings
    converts each value in Python (seconds at 10^5 codes)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(v: pd.Index | pd.Series) -> pa.Array:
        return pa.array(pd.Series(v, dtype=object).astype(str), type=pa.large_string())

    out: np.ndarray = pc.is_in(arrow(values), value_set=arrow(pool)).to_numpy(
        zero_copy_only=False)
    return out


def audit(state: pd.DataFrame, regs: pd.DataFrame, previous: pd.Series, *,
          now: pd.Timestamp, limit: pd.Timedelta, target: str = "") -> AuditResult:
    """`state`: the PBX's extensions (STATE_COLUMNS); `regs`: REGISTRATION_COLUMNS;
    `previous`: code -> last seen from the state file."""
    import pandas as pd

    # only the columns the audit reads: every filter below copies what it keeps
    state = state.loc[:, ["code", "name", "username", "remote", "allowed_ips", "enabled"]]
    regs = regs.loc[:, ["code", "username", "contact", "source_ip", "user_agent", "expires",
                        "last_seen"]]
    regs = regs.assign(seen=seen_at(regs, now))
    known = regs["code"] != ""
    current = regs[known].groupby("code", sort=False)["seen"].max()
    codes = pd.Index(state["code"])
    current = current[_isin(current.index, codes)]
    prev = previous[_isin(previous.index, codes)]
    both = pd.concat([prev, current])
    last = both.groupby(level=0, sort=False).max() if not both.empty else both

    ext = state[state["enabled"] == "true"]
    ext_last = ext["code"].map(last)
    ext_last = pd.to_datetime(ext_last, utc=True) if len(ext_last) else ext_last.astype(
        "datetime64[ns, UTC]")
    silent = now - ext_last
    late = ext_last.isna() | (silent > limit)
    overdue = ext[late].assign(last_seen=ext_last[late], silent=silent[late])
    watched = (overdue["remote"] == "true") & (overdue["allowed_ips"] == "")
    # never seen counts as silent the longest
    order = overdue.assign(_w=~watched, _s=overdue["silent"].fillna(pd.Timedelta.max))
    overdue = order.sort_values(["_w", "_s", "code"], ascending=[True, False, True],
                                kind="stable")
    overdue = overdue.loc[:, list(OVERDUE_COLUMNS)].reset_index(drop=True)

    unknown = regs.loc[~known, list(UNKNOWN_COLUMNS)].sort_values(
        ["username", "contact"], kind="stable").reset_index(drop=True)
    joined = regs[known].merge(state[["code", "allowed_ips"]], on="code", how="inner")
    bad = outside_allowed(joined["allowed_ips"], joined["source_ip"])
    foreign = joined.loc[bad.to_numpy(), list(FOREIGN_COLUMNS)].sort_values(
        ["code", "source_ip"], kind="stable").reset_index(drop=True)
    registered = int(_isin(ext["code"], current[current >= now].index).sum())
    return AuditResult(target=target, now=now, limit=limit, checked=len(ext),
                       registered=registered, overdue=overdue, unknown=unknown,
                       foreign=foreign, last_seen=last.sort_index())
