"""Test helpers: desired rows and ApplyRequests built directly from plan.changes.

Not a diff engine: every desired code present on the PBX becomes an `update`,
absent ones `create`, managed codes missing from `desired` a `delete`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from pbx.base import ApplyRequest, Target, fingerprint, state_digests
from plan.changes import Change, PasswordChange, Plan, Safety
from schema.columns import COLUMNS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

KEY = "0123456789abcdef"


def row(code: str, **over: str) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update(code=code, name=f"User {code}", password="auto", dnd="false", remote="false",
                enabled="true", high_risk="false", transport="udp",
                allowed_ips="10.0.0.0/8", username=code)
    base.update(over)
    return base


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(COLUMNS), dtype=object)


def many(n: int, start: int = 100000) -> pd.DataFrame:
    codes = pd.Series(range(start, start + n)).astype(str)
    data = {c: pd.Series([""] * n, dtype=object) for c in COLUMNS}
    data.update(code=codes, name="User " + codes, username=codes, password="auto",
                call_limit="2", dnd="false", allowed_ips="10.0.0.0/8;192.168.1.0/24",
                remote="false", enabled="true", team="sales", owner="ops@example.com",
                high_risk="false", transport="udp")
    return pd.DataFrame(data, columns=list(COLUMNS))


def plan_for(state: pd.DataFrame, desired: pd.DataFrame, key: str = KEY,
             fresh_password: bool = True) -> Plan:
    present = set(state["code"])
    managed = set(state.loc[state["managed"] == "true", "code"])
    codes = list(desired["code"])
    changes = [Change("delete", c) for c in sorted(managed - set(codes))]
    pw = (("password", PasswordChange("new")),)
    for c in sorted(codes):
        if c in present:
            changes.append(Change("update", c))
        else:
            changes.append(Change("create", c, pw if fresh_password else ()))
    digests = state_digests(state, key)
    return Plan(target="t", changes=tuple(changes), safety=Safety(False, len(managed), 0, 0.3),
                fingerprint=fingerprint(digests), state_digests=tuple(digests.items()))


def request_for(target: Target, desired: pd.DataFrame,
                secrets: Mapping[str, str] | None = None,
                state: pd.DataFrame | None = None) -> ApplyRequest:
    """A request that creates/updates `desired` and deletes other managed codes."""
    state = target.read_state() if state is None else state
    plan = plan_for(state, desired)
    if secrets is None:
        new = [c.code for c in plan.changes if c.action == "create"]
        secrets = {c: f"Sx{c}-k2VqP9wX3nR7tL5y" for c in new}
    return ApplyRequest(plan=plan, rows=desired.set_index("code", drop=False),
                        secrets=dict(secrets), digest_key=KEY)


def engine(url: str) -> Engine:
    """An engine for a target URL as users write it (plain scheme, our drivers)."""
    import sqlalchemy as sa

    from pbx.sql import _DRIVERS

    parsed = sa.make_url(url)
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    return sa.create_engine(parsed)


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted: 'the same content' for rollback tests."""
    import sqlalchemy as sa

    eng = engine(url)
    try:
        with eng.connect() as conn:
            quote = conn.dialect.identifier_preparer.quote
            names = sorted(sa.inspect(conn).get_table_names())
            return {n: sorted(tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {quote(n)}")))
                    for n in names}
    finally:
        eng.dispose()


def execute(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    import sqlalchemy as sa

    eng = engine(url)
    try:
        with eng.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        eng.dispose()
