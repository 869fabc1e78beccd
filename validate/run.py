"""Validate extensions.csv: read it, run the pandera schema, collect findings.

Every problem is collected before anything fails (a person fixes them all in
one pass), with the physical line of the row and the column.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# Imported here rather than where first used: the CLI imports this module
# while the file is still being parsed in a thread, so pandera's import
# (0.4 s) overlaps the parse instead of following it.
import pandera.pandas as pa

from extctl.errors import UsageError
from extctl.files import read_file
from extctl.policy import Policy
from schema.columns import COLUMNS, MASK, SECRET_COLUMNS, take_rows
from schema.derive import add_derived, arrow
from schema.estimator import CURRENT, Estimates, judged_passwords, spec_for
from schema.messages import Context, message
from schema.model import BoundCheck, Stage, build_schema
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
        data = read_file(path, policy.max_file_bytes)
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
    return validate_bytes(parsed.data, job.path, policy, today, parsed, keep_frame=keep_frame,
                          estimates=job.estimates)


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
    *, keep_frame: bool = True, estimates: Estimates | None = None,
) -> FileReport:
    """Validate; `keep_frame=False` skips building the canonical rows (report
    only); `estimates` were started on the file's passwords (Prefetch)."""
    table, file_findings = read_table(data, parsed)
    findings = _with_severity(file_findings, policy)
    if table is None:
        return FileReport(path=path, rows=0, findings=tuple(findings), readable=False)
    frame = complete_frame(table.frame, table.lines)
    hide = _shifted(table.header, file_findings)
    findings += _row_findings(frame, policy, today, hide_values=hide, estimates=estimates)
    findings.sort(key=lambda f: (f.line or 0, _COLUMN_ORDER.get(f.column or "", -1), f.rule))
    return FileReport(path=path, rows=len(frame), findings=tuple(findings),
                      frame=normalise(frame) if keep_frame else None, header=table.header)


# File-level findings after which the header no longer says what the cells are.
_LAYOUT_DOUBT = frozenset({"header-unknown-column", "header-duplicate-column",
                           "file-field-count"})


def _shifted(header: tuple[str, ...], file_findings: list[Finding]) -> bool:
    """Whether a cell may be a password filed under another column: the
    header has an unknown or duplicate column, a row has the wrong number of
    fields, or `password` is not where the canonical order puts it among the
    header's columns (`code,name,password,username` over rows written in the
    usual order puts each password under `username`)."""
    if any(f.rule in _LAYOUT_DOUBT for f in file_findings):
        return True
    known = [h for h in header if h in _COLUMN_ORDER]
    if "password" not in known:
        return False
    return known.index("password") != sorted(known, key=_COLUMN_ORDER.__getitem__).index(
        "password")


class Hidden(str):
    """A cell whose text a message must not show: it formats and reprs as
    ***, but compares, hashes and measures as itself, so the message
    functions (schema/messages.py) work on it unchanged."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    def __repr__(self) -> str:
        return repr(MASK)

    def __str__(self) -> str:
        return MASK


def _estimates(frame: pd.DataFrame, policy: Policy) -> Estimates | None:
    """The password estimates, started now (in a second process when there
    are many: schema/estimator.py) so they run beside every other rule."""
    spec = spec_for(policy)
    if spec is None:
        return None
    return Estimates(judged_passwords(arrow(frame["password"]), spec.min_length), spec)


def _row_findings(frame: pd.DataFrame, policy: Policy, today: dt.date,
                  hide_values: bool = False, estimates: Estimates | None = None
                  ) -> list[Finding]:
    """Findings of every row; `hide_values` (a doubtful header) masks every
    cell in messages and values, not only the password column."""
    if frame.empty:
        return []
    estimates = estimates or _estimates(frame, policy)
    token = CURRENT.set(estimates)
    main, direct, late = build_schema(policy, today)
    report = _Report(policy, today, hide_values)
    try:
        frame = add_derived(frame, (policy.allowed_ips_widest_ipv4,
                                    policy.allowed_ips_widest_ipv6))
        failing = _failures(main, frame)
        # Rules read from a derived mask, beside pandera (schema.model.DIRECT).
        failing += [(d.bound, np.flatnonzero(~d.fn(frame).to_numpy(dtype=bool)))
                    for d in direct]
        out = report.findings(frame, failing)
        # Last, the rules that wait for the estimator's worker (schema.model.LATE).
        out += report.findings(frame, _failures(late, frame))
    finally:
        CURRENT.reset(token)
        if estimates is not None:
            estimates.close()
    return out


def _failures(stage: Stage, frame: pd.DataFrame) -> list[tuple[BoundCheck, np.ndarray]]:
    """Each failing check of `stage`'s schema and its failing rows, read from
    the check's boolean output (pandera keeps one failure case per check:
    see schema/model.py)."""
    try:
        stage.schema.validate(frame, lazy=True, inplace=True)  # no copy of a 1M-row frame
        return []
    except pa.errors.SchemaErrors as exc:
        errors = exc.schema_errors
    broken = [e for e in errors if e.check_output is None or e.check_index is None]
    if broken:
        # A check raised instead of answering: a bug in extctl, never a finding
        # (and never echo pandera's text, which may quote a cell value).
        checks = sorted({str(getattr(e.check, "name", e.check)) for e in broken})
        raise RuntimeError(f"internal error in schema check(s) {', '.join(checks)}")
    return [(stage.bound[int(e.check_index)],
             np.flatnonzero(~e.check_output.to_numpy(dtype=bool))) for e in errors]


class _Report:
    """Findings from failing rows, worded with the row's cells."""

    def __init__(self, policy: Policy, today: dt.date, hide_values: bool) -> None:
        self._policy, self._today, self._hide = policy, today, hide_values

    def findings(self, frame: pd.DataFrame, failing: list[tuple[BoundCheck, np.ndarray]]
                 ) -> list[Finding]:
        failing = [(b, rows) for b, rows in failing if len(rows)]
        if not failing:
            return []
        indices = np.concatenate([rows for _, rows in failing]).astype(np.int64)
        rows = _failing_rows(frame, indices)
        ctx = Context(frame=frame, policy=self._policy, today=self._today.isoformat())
        out: list[Finding] = []
        for b, idxs in failing:
            for idx in idxs.tolist():
                row = {**rows[idx], "_idx": str(idx), "_column": b.column}
                if self._hide:
                    row = {k: Hidden(v) if k in _COLUMN_ORDER else v for k, v in row.items()}
                value = MASK if b.column in SECRET_COLUMNS or self._hide else row[b.column]
                out.append(Finding(line=int(row["line"]), column=b.column, rule=b.rule,
                                   severity=b.severity, message=message(b.rule, row, ctx),
                                   value=value))
        return out


def _failing_rows(frame: pd.DataFrame, indices: np.ndarray) -> dict[int, dict[str, str]]:
    """Each failing row as {column: text}, read column by column (a cell
    lookup per finding costs 60 µs: a minute for 100,000 findings)."""
    failing = np.unique(indices)
    names = [*COLUMNS, "line"]
    columns = [take_rows(arrow(frame[c]), failing).to_pylist() for c in COLUMNS]
    columns.append(frame["line"].to_numpy()[failing].astype(str).tolist())
    return {idx: dict(zip(names, cells, strict=True))
            for idx, cells in zip(failing.tolist(), zip(*columns, strict=True), strict=True)}
