"""Read extensions.csv into a table of strings with each row's physical line.

Two paths that must agree: a fast one (pyarrow's multi-threaded CSV reader plus
a numpy scan for line numbers) for well-formed files, and an exact one (the
csv module, record by record) that explains every structural problem with its
line. Files that are not obviously well-formed take the exact path; they are
the ones a person is about to read findings for.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schema.columns import COLUMNS, REQUIRED
from validate.findings import Finding

_CONFLICT = re.compile(rb"^(<{7}|={7}|>{7})(?: |\r?$)", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"
_ONLY_SPACE = re.compile(rb"[ \t\r\n]*")


@dataclass(frozen=True)
class Table:
    """Rows as strings, columns as in the header; `lines` is each row's physical line."""

    header: tuple[str, ...]
    frame: pd.DataFrame  # columns = known header columns; object/str dtype; "" for blank
    lines: np.ndarray  # int64, same length as frame


def _finding(line: int | None, rule: str, message: str, column: str | None = None) -> Finding:
    return Finding(line=line, column=column, rule=rule, severity="error", message=message)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_table(data: bytes) -> tuple[Table | None, list[Finding]]:
    """Parse the bytes. Returns the table (None when unusable) and file-level findings."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if _ONLY_SPACE.fullmatch(data):  # stops at the first other byte: no 100 MB copy
        return None, [_finding(1, "file-empty",
                               "the file is empty: it needs at least the header row "
                               f"({','.join(COLUMNS[:2])},...)")]
    conflicts = [
        _finding(_line_of(data, m.start()), "file-conflict-marker",
                 "Git conflict marker: resolve the merge conflict and remove the marker lines")
        for m in (_CONFLICT.finditer(data) if _maybe_conflict(data) else ())
    ]
    if conflicts:
        return None, conflicts
    # The header is one short line; the full decode (a UTF-8 check of the
    # whole file) is left to pyarrow on the fast path, which validates too.
    header, header_findings, known = _read_header(data[:65536].decode("utf-8", "replace"))
    fast = (
        _fast_path(data, header, known) if header is not None and _looks_simple(data) else None
    )
    if fast is not None:
        return fast, header_findings
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        return None, [_finding(line, "file-encoding",
                               f"byte 0x{data[exc.start]:02x} is not UTF-8: "
                               "save the file as UTF-8")]
    if header is None:
        return None, header_findings
    table, findings = _exact_path(text, header, known)
    return table, header_findings + findings


def _maybe_conflict(data: bytes) -> bool:
    # memchr-speed pre-check (every conflict has all three markers, so one
    # search will do); the anchored regex is slow on 100 MB.
    return b"<<<<<<<" in data


def _looks_simple(data: bytes) -> bool:
    # Blank lines (pyarrow would skip them silently) and odd quoting need the
    # exact path. Whitespace-only lines need no look here: pyarrow reports them
    # as rows with the wrong field count, which also sends us to the exact path.
    for blank in (b"\n\n", b"\n\r\n"):
        at = data.find(blank)
        if at >= 0 and not _ONLY_SPACE.fullmatch(data, at):  # trailing blank lines are fine
            return False
    return True


def _read_header(text: str) -> tuple[tuple[str, ...] | None, list[Finding], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        return None, [_finding(1, "file-quoting", f"the header row cannot be read: {exc}")], []
    line = reader.line_num
    findings: list[Finding] = []
    if line != 1:
        findings.append(_finding(1, "file-quoting", "the header row spans several lines"))
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    known: list[int] = []
    for i, name in enumerate(names):
        if name not in COLUMNS:
            hint = _closest(name)
            findings.append(_finding(1, "header-unknown-column",
                                     f"unknown column {name!r}" +
                                     (f": did you mean {hint!r}?" if hint else
                                      f"; known columns: {','.join(COLUMNS)}"),
                                     column=None))
        elif name in seen:
            findings.append(_finding(1, "header-duplicate-column",
                                     f"column {name!r} appears twice (fields {seen[name] + 1} "
                                     f"and {i + 1}): keep one"))
        else:
            seen[name] = i
            known.append(i)
    for req in sorted(REQUIRED - set(names), key=COLUMNS.index):
        findings.append(_finding(1, "header-missing-column",
                                 f"required column {req!r} is missing from the header"))
    if any(f.rule == "header-missing-column" for f in findings):
        return None, findings, known
    return tuple(names), findings, known


def _closest(name: str) -> str | None:
    import difflib

    match = difflib.get_close_matches(name.lower(), COLUMNS, n=1, cutoff=0.6)
    return match[0] if match else None


def _fast_path(data: bytes, header: tuple[str, ...], known: list[int]) -> Table | None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[object] = []

    def on_invalid(row: object) -> str:
        bad.append(row)
        return "skip"

    names = [f"f{i}" for i in range(len(header))]
    balanced, starts = _record_starts(data)
    if not balanced:
        return None  # an unclosed quote: the exact path says where
    try:
        arrow = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=1 << 20),
            # Quoted newlines make pyarrow's chunking much slower: only when present.
            parse_options=pacsv.ParseOptions(newlines_in_values=starts is not None,
                                             ignore_empty_lines=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if bad:
        return None
    dtype = pd.StringDtype("pyarrow")
    frame = pd.DataFrame({
        header[i]: pd.Series(pd.arrays.ArrowStringArray(arrow.column(names[i])), dtype=dtype)
        for i in known
    })
    lines = _record_lines(starts, len(frame))
    if lines is None:
        return None
    frame.index = pd.RangeIndex(len(frame))
    return Table(header=header, frame=frame, lines=lines)


def _record_starts(data: bytes) -> tuple[bool, np.ndarray | None]:
    """Whether quotes balance, and the index (among all newlines) of each record
    terminator, or None when no newline sits inside quotes (records = lines)."""
    if b'"' not in data:
        return True, None
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == 34)
    if len(quotes) % 2:
        return False, None
    newlines = np.flatnonzero(buf == 10)
    inside = (np.searchsorted(quotes, newlines) % 2) == 1
    if not inside.any():
        return True, None
    ends: np.ndarray = np.flatnonzero(~inside)
    # a last record without its newline ends at EOF, one line after the last newline
    return True, np.append(ends, len(newlines))


def _record_lines(ends: np.ndarray | None, nrows: int) -> np.ndarray | None:
    """Physical start line of each data record (1 = header)."""
    if ends is None:
        return np.arange(2, nrows + 2, dtype=np.int64)
    # record k (k=0 header) ends at newline ends[k]; data record k+1 starts a line later.
    starts: np.ndarray = ends[:nrows] + 2
    return starts.astype(np.int64) if len(starts) == nrows else None


def _exact_path(
    text: str, header: tuple[str, ...], known: list[int]
) -> tuple[Table | None, list[Finding]]:
    findings: list[Finding] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    pending_blank: list[int] = []
    prev_end = 0
    width = len(header)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            findings.append(_finding(prev_end + 1, "file-quoting",
                                     f"malformed quoting ({exc}): a field with a comma, quote "
                                     "or line break must be quoted, and quotes inside it doubled"))
            return None, findings
        start, prev_end = prev_end + 1, reader.line_num
        if start == 1:
            continue  # header, already read
        if not record or (len(record) == 1 and not record[0].strip()):
            pending_blank.append(start)
            continue
        for blank in pending_blank:  # only blank lines *before* a row are errors
            findings.append(_finding(blank, "file-blank-line",
                                     "blank line between rows: delete it"))
        pending_blank = []
        if len(record) != width:
            findings.append(_finding(start, "file-field-count",
                                     f"{len(record)} fields where the header has {width}: "
                                     "check for a missing or extra comma (quote values "
                                     "that contain commas)"))
            continue
        rows.append([record[i] for i in known])
        lines.append(start)
    frame = pd.DataFrame(rows, columns=[header[i] for i in known], dtype="string[pyarrow]")
    if not rows:
        frame = pd.DataFrame({header[i]: pd.Series([], dtype="string[pyarrow]") for i in known})
    return Table(header=header, frame=frame, lines=np.asarray(lines, dtype=np.int64)), findings
