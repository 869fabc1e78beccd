"""Frames for plan tests: all-string rows in the CSV / PBX state shapes."""

from __future__ import annotations

from typing import Any

import pandas as pd

from extctl.policy import Safety
from pbx.base import STATE_COLUMNS
from plan.changes import Plan
from plan.diff import make_plan
from schema.columns import COLUMNS

KEY = "0123456789abcdef"
SECRET = "Zq9vT4xW2mK7pR3n"  # a literal password that must never be echoed


def desired(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in rows],
                        columns=list(COLUMNS), dtype="str")


def state(*rows: dict[str, str]) -> pd.DataFrame:
    """PBX rows: managed, auto password with a generated secret, defaults stored."""
    out = []
    for r in rows:
        row = {c: "" for c in STATE_COLUMNS}
        row.update(dnd="false", remote="false", enabled="true", high_risk="false",
                   transport="udp", managed="true", password_source="auto",
                   password=f"gen{r['code']}xxxxxxxxxxxxxxxxxxxx")
        row["username"] = r["code"]
        row.update(r)
        out.append(row)
    return pd.DataFrame(out, columns=list(STATE_COLUMNS), dtype="str")


def plan(want: pd.DataFrame, have: pd.DataFrame, **kw: Any) -> Plan:
    args: dict[str, Any] = {"target_name": "pbx", "supported": frozenset(COLUMNS),
                            "safety": Safety(), "digest_key": KEY}
    args.update(kw)
    return make_plan(want, have, **args)
