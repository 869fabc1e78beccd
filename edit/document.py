"""The one way every editing command changes extensions.csv.

Read and validate first (an invalid file is refused and left untouched), let
the command change the rows, validate the result with the same schema, diff
old against new with the plan's own diff (so the change is described in the
plan's words and the [safety] threshold means the same thing), then write it
atomically in canonical form, only if the file is still what was read.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from extctl.errors import CheckFailed, UsageError
from plan.changes import Change, Safety
from schema.columns import COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

    from extctl.policy import Policy
    from validate.findings import FileReport

MAX_NAMED = 50


class FileChanged(CheckFailed):
    """The file changed on disk between our read and our write."""


class UnsafeEdit(CheckFailed):
    """The edit would change more existing rows than [safety] allows."""


@dataclass(frozen=True)
class Loaded:
    """A valid extensions.csv as read: its bytes and its canonical rows."""

    path: Path
    data: bytes
    frame: pd.DataFrame  # schema.columns.COLUMNS as canonical strings, plus "line"
    header: tuple[str, ...]
    policy: Policy
    today: dt.date


@dataclass(frozen=True)
class Edit:
    """What an editing command did (or, with dry_run, would do)."""

    path: str
    changes: tuple[Change, ...]
    safety: Safety
    written: bool
    dry_run: bool

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "disable": 0, "enable": 0, "delete": 0}
        for c in self.changes:
            out[c.action] += 1
        return out


def _findings_text(report: FileReport) -> str:
    from validate.reporters import render_text

    return render_text([report]).rstrip("\n")


def load(path: str | os.PathLike[str], policy: Policy, today: dt.date) -> Loaded:
    """Read and validate; CheckFailed (findings listed) when the file is invalid."""
    from extctl.files import read_file
    from validate.run import validate_bytes

    p = Path(path)
    try:
        data = read_file(p, policy.max_file_bytes)  # regular files only, size-capped
    except FileNotFoundError:
        raise UsageError(f"{p}: file not found") from None
    except OSError as exc:
        raise UsageError(f"{p}: cannot read: {exc.strerror}") from None
    report = validate_bytes(data, str(p), policy, today)
    if not report.ok or report.frame is None:
        raise CheckFailed(
            f"{p} is invalid; fix it first (nothing was changed):\n" + _findings_text(report)
        )
    return Loaded(path=p, data=data, frame=report.frame, header=report.header,
                  policy=policy, today=today)


def _arrow(column: pd.Series) -> pa.Array:
    """A column as one Arrow large_string array, nulls as "" (no Python
    objects for Arrow-backed columns: a cast of the offsets only)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(column, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr, "") if arr.null_count else arr


def to_bytes(frame: pd.DataFrame, header: tuple[str, ...]) -> bytes:
    """Canonical CSV (byte for byte what `extctl fmt` writes) of `frame`, whose
    cells are canonical already: the file's own columns plus any column the
    edit filled in, in canonical order, rows sorted by code, minimal quoting.

    Written with Arrow kernels over whole columns: pandas' to_csv, and fmt's
    parse-and-rewrite after it, cost seconds at 100,000 rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def text(value: str) -> pa.Scalar:
        return pa.scalar(value, type=pa.large_string())

    arrays = {c: _arrow(frame[c]) for c in COLUMNS}
    keep = [c for c in COLUMNS
            if c in header or pc.any(pc.not_equal(arrays[c], "")).as_py()]
    head = ",".join(keep) + "\n"
    if frame.empty:
        return head.encode("utf-8")
    codes = arrays["code"]
    digits = pc.match_substring_regex(codes, "^[0-9]{1,18}$")
    numeric = pc.cast(pc.if_else(digits, codes, text("0")), pa.int64()).to_numpy()
    # fmt's order: numeric codes numerically, anything else after them as text
    if pc.all(digits).as_py():
        order = np.argsort(numeric, kind="stable")
    else:
        order = np.lexsort((codes.to_numpy(zero_copy_only=False).astype(str), numeric,
                            ~digits.to_numpy(zero_copy_only=False)))
    take = pa.array(order)
    cells = []
    for c in keep:
        arr = arrays[c].take(take)
        # minimal quoting, as fmt's writer does it (a lone CR is a control
        # character the schema rejects, so it never reaches a written file)
        needs = pc.or_(pc.or_(pc.match_substring(arr, ","), pc.match_substring(arr, '"')),
                       pc.match_substring(arr, "\n"))
        if pc.any(needs).as_py():
            quoted = pc.binary_join_element_wise(
                text('"'), pc.replace_substring(arr, '"', '""'), text('"'), text(""))
            arr = pc.if_else(needs, quoted, arr)
        cells.append(arr)
    lines = pc.binary_join_element_wise(*cells, text(",")) if len(cells) > 1 else cells[0]
    body = pc.binary_join_element_wise(lines, text(""), text("\n"))  # each line + "\n"
    data = body.buffers()[2]
    offsets = np.frombuffer(body.buffers()[1], dtype=np.int64)[body.offset:]
    return head.encode("utf-8") + memoryview(data)[int(offsets[0]):int(offsets[len(body)])]\
        .tobytes()


def _by_code(report: FileReport) -> str:
    """Findings of a result that was never written, named by code (its line
    numbers exist in no file the user can open)."""
    frame = report.frame
    codes: dict[int, str] = {}
    if frame is not None:
        codes = dict(zip(frame["line"].tolist(), frame["code"].tolist(), strict=True))
    out = []
    for f in report.findings:
        if f.severity != "error":
            continue
        where = f"code {codes.get(f.line or 0, '?')}" if f.line and f.line > 1 else "file"
        out.append(f"  {where}: {f.column or ''}: {f.message} [{f.rule}]")
    return "\n".join(out)


def finish(loaded: Loaded, new: pd.DataFrame, *, dry_run: bool, force: bool) -> Edit:
    """Validate `new` (COLUMNS as canonical strings), diff it against what
    was read, and write it unless `dry_run`. Raises CheckFailed, with nothing
    written, when the result is invalid, unsafe without `force`, or the file
    changed since it was read."""
    from plan.diff import csv_state, make_plan
    from plan.render_text import named
    from validate.run import validate_bytes

    data = to_bytes(new, loaded.header)
    report = validate_bytes(data, str(loaded.path), loaded.policy, loaded.today)
    if not report.ok or report.frame is None:
        raise CheckFailed(
            f"the change would make {loaded.path} invalid; nothing was written:\n"
            + _by_code(report)
        )
    plan = make_plan(report.frame, csv_state(loaded.frame), target_name=str(loaded.path),
                     supported=frozenset(COLUMNS), safety=loaded.policy.safety)
    s = plan.safety
    if s.unsafe and not force:
        raise UnsafeEdit(
            f"refusing to change {s.touched} of the {s.managed} existing rows of {loaded.path} "
            f"(more than the {100 * s.threshold:g}% [safety] allows): "
            f"{named(s.codes, MAX_NAMED)}; check the input, then run again with --force "
            "(nothing was written)"
        )
    written = False
    if plan.changes and not dry_run:
        atomic_write(loaded.path, data, expected=loaded.data)
        written = True
    return Edit(path=str(loaded.path), changes=plan.changes, safety=s, written=written,
                dry_run=dry_run)


def atomic_write(path: Path, data: bytes, *, expected: bytes | None) -> None:
    """Write `data` to `path` through a temporary file in the same directory
    and a rename, keeping the file's mode. With `expected`, refuse (FileChanged)
    when the file no longer holds those bytes: someone edited it meanwhile."""
    real = Path(os.path.realpath(path))  # a symlinked file stays a symlink
    try:
        mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write in {real.parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if expected is not None:
            try:
                now = real.read_bytes()
            except OSError:
                now = None
            if now != expected:
                raise FileChanged(
                    f"{path} changed on disk while extctl was editing it; nothing was written: "
                    "run the command again on the new content"
                )
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
