"""The drift suite's harness: a small PBX applied through the real plan/apply
path, hand edits as SQL, and "plan names it, apply converges" as one call.

A scenario is (id, SQL statements, what the plan must say). Statements may use
{domain}; they run outside extctl, as a person with a database shell would.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from extctl.policy import Safety, TargetConfig
from pbx.base import open_target
from plan.apply import execute, plan_for_target
from plan.changes import Plan
from plan.render_text import render_text
from schema.columns import COLUMNS
from tests.pbx.helpers import execute as sql

DOMAIN = "pbx.example"
LITERAL = "tQ7#vZ2m!Lp9Rx4k"  # 2301's literal password: never in a plan or message


def rows(*extra: dict[str, str]) -> pd.DataFrame:
    """The small PBX: three extensions, each on its own CSV line (2..)."""
    base = [
        {"code": "2300", "name": "Ann Auto", "allowed_ips": "10.0.0.0/8"},
        {"code": "2301", "name": "Bob Literal", "username": "bob.l", "password": LITERAL,
         "allowed_ips": "10.0.0.0/8", "call_limit": "2"},
        {"code": "2302", "name": "Cat Tls", "username": "cat", "transport": "tls",
         "remote": "true"},
        *extra,
    ]
    frame = pd.DataFrame([{c: r.get(c, "") for c in COLUMNS} for r in base],
                         columns=list(COLUMNS), dtype="str")
    frame["line"] = range(2, 2 + len(frame))
    frame.attrs["source"] = "extensions.csv"
    return frame


def config(kind: str, url: str, domain: str = DOMAIN, min_existing: int = 10) -> TargetConfig:
    return TargetConfig("pbx", kind, url, options=(("domain", domain),),
                        safety=Safety(min_existing=min_existing))


@dataclass
class Pbx:
    kind: str
    url: str
    domain: str = DOMAIN

    @property
    def config(self) -> TargetConfig:
        return config(self.kind, self.url, self.domain)

    def plan(self, desired: pd.DataFrame) -> Plan:
        target = open_target(self.config)
        return plan_for_target(desired, target, self.config)

    def apply(self, desired: pd.DataFrame) -> Plan:
        target = open_target(self.config)
        plan = plan_for_target(desired, target, self.config)
        if plan.changes:
            execute(plan, desired, target)
        return plan

    def sql(self, *statements: str) -> None:
        for statement in statements:
            sql(self.url, statement.format(domain=self.domain))

    def passwords(self) -> dict[str, str]:
        """code -> the password the PBX holds (read with extctl's own reader)."""
        state = open_target(self.config).read_state()
        return dict(zip(state["code"], state["password"], strict=True))

    def converge(self, desired: pd.DataFrame) -> str:
        """Plan, apply, and assert the second plan is empty; returns the first plan's text."""
        first = self.apply(desired)
        text = render_text(first)
        second = self.plan(desired)
        assert second.empty, f"not converged:\n{text}\nthen:\n{render_text(second)}"
        assert "No changes." in render_text(second)
        return text
