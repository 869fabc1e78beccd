"""Read an HR export: whatever a payroll or directory tool saves as CSV.

UTF-8 with or without a BOM, LF or CRLF, comma- (or, when the header has no
comma, semicolon- or tab-) separated, header names matched ignoring case and
surrounding spaces. Every problem is a UsageError naming the file and line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

from extctl.errors import UsageError
from extctl.files import read_file

MOBILE_GUESSES = ("mobile", "mobile_phone", "mobile phone", "cell", "phone")


@dataclass(frozen=True)
class HrColumns:
    email: str = "email"
    status: str = "status"
    mobile: str | None = None  # None: a column named like MOBILE_GUESSES, if any


def _text(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(f"{path}:{line}: byte 0x{data[exc.start]:02x} is not UTF-8: "
                         "export the HR file as UTF-8 (CSV UTF-8)") from None


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    for d in (";", "\t"):
        if d in first_line:
            return d
    return ","


def read_hr(path: str, cols: HrColumns) -> pd.DataFrame:
    """Columns email (lower case, trimmed), status (lower case, trimmed),
    mobile ("" without a mobile column) and line (physical, 1 = header)."""
    try:
        data = read_file(path)  # regular files only, size-capped (extctl/files.py)
    except FileNotFoundError:
        raise UsageError(f"{path}: file not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    text = _text(path, data)
    if not text.strip():
        raise UsageError(f"{path}: the HR file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(
        text.split("\n", 1)[0]), strict=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    end = 0
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UsageError(f"{path}:{start}: malformed quoting ({exc}); a field with a comma, "
                             "quote or line break must be quoted") from None
        end = reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if header is None:
            header = record
            continue
        if len(record) != len(header):
            raise UsageError(f"{path}:{start}: {len(record)} fields where the header has "
                             f"{len(header)}: check for a missing or extra separator")
        rows.append(record)
        lines.append(start)
    if header is None:
        raise UsageError(f"{path}: the HR file has no header row")
    names = [h.strip().lower() for h in header]

    def find(flag: str, wanted: str) -> int:
        if wanted.strip().lower() in names:
            return names.index(wanted.strip().lower())
        raise UsageError(f"{path}:1: no column {wanted!r} (the header has: "
                         f"{', '.join(header)}); name it with {flag}")

    e, s = find("--email-column", cols.email), find("--status-column", cols.status)
    m: int | None = None
    if cols.mobile is not None:
        m = find("--mobile-column", cols.mobile)
    else:
        m = next((names.index(g) for g in MOBILE_GUESSES if g in names), None)
    frame = pd.DataFrame(rows, columns=range(len(header)), dtype=object) if rows else \
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(len(header))})
    out = pd.DataFrame({
        "email": frame[e].astype(str).str.strip().str.lower(),
        "status": frame[s].astype(str).str.strip().str.lower(),
        "mobile": frame[m].astype(str).str.strip() if m is not None else "",
        "line": pd.Series(lines, dtype="int64"),
    })
    out.attrs["has_mobile"] = m is not None
    return out
