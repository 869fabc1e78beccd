"""Validate extensions.csv: read it, run the pandera schema, collect findings.

Every problem is collected before anything fails (a person fixes them all in
one pass), with the physical line of the row and the column.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

# Imported here rather than where first used: the CLI imports this module
# while the file is still being parsed in a thread, so pandera's import
# (0.4 s) overlaps the parse instead of following it.
import pandera.pandas as pa

from extctl.errors import UsageError
from extctl.policy import Policy
from schema.checks import canonical_forward, forward_items, guess_items
from schema.columns import COLUMNS, MASK, SECRET_COLUMNS
from schema.derive import add_derived
from schema.messages import Context, message
from schema.model import build_schema
from schema.offload import CURRENT, Offload
from schema.rules import RULES
from validate.findings import FileReport, Finding
from validate.fmt import normalise
from validate.parse import Parsed, Prefetch
from validate.reader import read_table

_COLUMN_ORDER = {c: i for i, c in enumerate(COLUMNS)}


def _unreadable(path: str, exc: OSError) -> UsageError:
    if isinstance(exc, FileNotFoundError):
        return UsageError(f"{path}: file not found")
    return UsageError(f"{path}: cannot read: {exc.strerror}")


def validate_path(path: str, policy: Policy, today: dt.date) -> FileReport:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    return validate_bytes(data, path, policy, today)


def validate_prefetched(
    job: Prefetch, policy: Policy, today: dt.date, *, keep_frame: bool = True
) -> FileReport:
    """Validate a file whose reading and parsing already started in a thread."""
    try:
        parsed = job.result()
    except OSError as exc:
        raise _unreadable(job.path, exc) from None
    return validate_bytes(parsed.data, job.path, policy, today, parsed, keep_frame=keep_frame)


def _with_severity(findings: list[Finding], policy: Policy) -> list[Finding]:
    out = []
    for f in findings:
        sev = policy.severity_of(f.rule, RULES[f.rule][0])
        if sev != "off":
            out.append(Finding(f.line, f.column, f.rule, sev, f.message, f.value))
    return out


def complete_frame(frame: pd.DataFrame, lines: np.ndarray) -> pd.DataFrame:
    """All COLUMNS (absent ones blank) plus the physical line of each row."""
    n = len(frame)
    full = {
        c: frame[c] if c in frame.columns else pd.Series([""] * n, dtype="string[pyarrow]")
        for c in COLUMNS
    }
    out = pd.DataFrame(full)
    out.index = pd.RangeIndex(n)
    out["line"] = lines
    return out


def validate_bytes(
    data: bytes, path: str, policy: Policy, today: dt.date, parsed: Parsed | None = None,
    *, keep_frame: bool = True,
) -> FileReport:
    """Validate; `keep_frame=False` skips building the canonical rows (report only)."""
    table, file_findings = read_table(data, parsed)
    findings = _with_severity(file_findings, policy)
    if table is None:
        return FileReport(path=path, rows=0, findings=tuple(findings), readable=False)
    frame = complete_frame(table.frame, table.lines)
    findings += _row_findings(frame, policy, today)
    findings.sort(key=lambda f: (f.line or 0, _COLUMN_ORDER.get(f.column or "", -1), f.rule))
    return FileReport(path=path, rows=len(frame), findings=tuple(findings),
                      frame=normalise(frame) if keep_frame else None, header=table.header)


def _row_findings(frame: pd.DataFrame, policy: Policy, today: dt.date) -> list[Finding]:
    if frame.empty:
        return []
    # Start the two costly checks in a second process first, so they run
    # beside everything else (schema/offload.py).
    frame = frame.assign(_fwd_canonical=canonical_forward(frame).to_numpy())
    guessing = policy.severity_of("password-guessable", "error") != "off"
    phones = policy.severity_of("forward-number-invalid", "error") != "off"
    offload = Offload(guess_items(frame, policy.min_length) if guessing else [],
                      forward_items(frame) if phones else frame["forward_number"][:0],
                      policy.min_guess_bits)
    token = CURRENT.set(offload)
    schema, bound = build_schema(policy, today)
    try:
        frame = add_derived(frame)
        schema.validate(frame, lazy=True, inplace=True)  # no copy of a 1M-row frame
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    finally:
        CURRENT.reset(token)
        offload.close()
    broken = cases[cases["index"].isna()]
    if len(broken):
        # A check raised instead of answering: a bug in extctl, never a finding
        # (and never echo pandera's text, which may quote a cell value).
        checks = sorted({str(c) for c in broken["check"]})
        raise RuntimeError(f"internal error in schema check(s) {', '.join(checks)}")
    cases = cases[cases["check_number"].notna()]
    cases = cases.drop_duplicates(["check_number", "index"])
    ctx = Context(frame=frame, policy=policy, today=today.isoformat())
    out: list[Finding] = []
    lines = frame["line"].to_numpy()
    for number, idx in zip(cases["check_number"].astype(int), cases["index"].astype(int),
                           strict=True):
        b = bound[number]
        row = {c: str(frame.at[idx, c]) for c in COLUMNS}
        row.update(line=str(lines[idx]), _idx=str(idx), _column=b.column)
        value = MASK if b.column in SECRET_COLUMNS else row[b.column]
        out.append(Finding(line=int(lines[idx]), column=b.column, rule=b.rule,
                           severity=b.severity, message=message(b.rule, row, ctx),
                           value=value))
    return out
