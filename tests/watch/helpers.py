"""Frames for the watch tests: a PBX state and registrations, built by hand."""

from __future__ import annotations

import pandas as pd

from pbx.base import REGISTRATION_COLUMNS, STATE_COLUMNS

NOW = pd.Timestamp("2026-12-01T06:00:00Z")


def state(*rows: dict[str, str]) -> pd.DataFrame:
    base = {c: "" for c in STATE_COLUMNS}
    base.update(enabled="true", remote="false", dnd="false", high_risk="false",
                transport="udp", managed="true", password_source="auto",
                allowed_ips="10.0.0.0/8", password="Secret-Not-Shown-9x")
    out = []
    for r in rows:
        full = {**base, "name": f"Agent {r['code']}", "username": r["code"], **r}
        out.append(full)
    return pd.DataFrame(out, columns=list(STATE_COLUMNS), dtype=object)


def regs(*rows: dict[str, object]) -> pd.DataFrame:
    data = []
    for r in rows:
        full: dict[str, object] = {"code": "", "username": "", "contact": "sip:x@10.0.0.1",
                                   "source_ip": "10.0.0.1", "user_agent": "UA",
                                   "expires": pd.NaT, "last_seen": pd.NaT}
        full.update(r)
        if not full["username"]:
            full["username"] = full["code"]
        data.append(full)
    frame = pd.DataFrame(data, columns=list(REGISTRATION_COLUMNS))
    for c in ("expires", "last_seen"):
        frame[c] = pd.to_datetime(frame[c], utc=True).astype("datetime64[ns, UTC]")
    return frame
