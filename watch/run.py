"""One library call per watch command, so the CLI stays options -> call -> print."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extctl.errors import UsageError

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from extctl.policy import Policy
    from watch.audit import AuditResult

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """"24h", "90m", "2d", "1w" -> seconds; UsageError otherwise."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise UsageError(f"--max-unregistered {text!r}: give a duration like 24h, 90m, 2d or 1w")
    return float(m.group(1)) * _UNITS[m.group(2)]


def utc_now(value: dt.datetime | None) -> pd.Timestamp:
    import pandas as pd

    if value is None:
        return pd.Timestamp.now(tz="UTC").floor("s")
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


@dataclass(frozen=True)
class AuditRun:
    result: AuditResult
    state_written: bool


def run_audit(policy: Policy, target_name: str | None, *, limit_seconds: float,
              now: pd.Timestamp, state_path: str | None) -> AuditRun:
    import pandas as pd

    from pbx.base import open_target
    from watch import state
    from watch.audit import audit

    previous = state.load(state_path)
    config = policy.target(target_name)
    target = open_target(config)
    pbx_state = target.read_state()
    regs = target.read_registrations()
    result = audit(pbx_state, regs, previous, now=now,
                   limit=pd.Timedelta(seconds=limit_seconds), target=config.name)
    if state_path is not None:
        state.save(state_path, result.last_seen, now)
    return AuditRun(result, state_path is not None)
