"""One library call per watch command, so the CLI stays options -> call -> print."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extctl.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from extctl.policy import Policy
    from watch.audit import AuditResult
    from watch.report import Report

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


def build_report(policy: Policy, file: str, today: dt.date, *, state_path: str | None,
                 target_name: str | None, unused_days: int) -> Report:
    import pandas as pd

    from watch import report, state
    from watch.audit import seen_at

    frame, findings = read_rows(file)
    # a first month without an audit state file yet: no "unused" list, not "never" for all
    from pathlib import Path

    known = state_path is not None and Path(state_path).exists()
    last_seen = state.load(state_path) if known else None
    pbx = pbx_seen = None
    live = ""
    if target_name is not None:
        from pbx.base import open_target

        config = policy.target(target_name)
        target = open_target(config)
        pbx = target.read_state()
        regs = target.read_registrations()
        now = pd.Timestamp.now(tz="UTC")
        regs = regs.assign(seen=seen_at(regs, now))
        pbx_seen = regs[regs["code"] != ""].groupby("code")["seen"].max()
        live = config.name
    return report.build(frame, policy, today, findings=findings,
                        last_seen=last_seen, pbx=pbx, pbx_seen=pbx_seen, live=live,
                        unused_days=unused_days, file=file)


def read_rows(file: str) -> tuple[pd.DataFrame, int]:
    """The CSV's canonical rows with their line, and its file-level findings count.

    Parsed, not validated: the review lists what the file says (an overdue
    rotation is an error for `validate` and a line of this report), and the
    row checks (zxcvbn, libphonenumber) would cost most of the budget.
    """

    import pandas as pd

    from extctl.errors import CheckFailed
    from extctl.files import read_file
    from schema.columns import COLUMNS
    from validate.fmt import normalise
    from validate.reader import read_table

    try:
        data = read_file(file)  # regular files only, size-capped (threat model)
    except OSError as exc:
        raise UsageError(f"{file}: cannot read: {exc.strerror}") from None
    table, findings = read_table(data)
    if table is None:
        raise CheckFailed(f"{file} cannot be read as a table: run extctl validate {file}")
    n = len(table.frame)
    full = {c: table.frame[c] if c in table.frame.columns else pd.Series([""] * n, dtype=str)
            for c in COLUMNS}
    frame = pd.DataFrame(full)
    frame.index = pd.RangeIndex(n)
    frame["line"] = table.lines
    return normalise(frame), len(findings)
