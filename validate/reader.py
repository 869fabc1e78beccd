"""Read extensions.csv into a table of strings with each row's physical line.

Two paths that must agree: a fast one (validate/parse.py: pyarrow's reader
plus a numpy scan for line numbers) for well-formed files, and an exact one
(the csv module, record by record) that explains every structural problem
with its line. Files that are not obviously well-formed take the exact path;
they are the ones a person is about to read findings for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from validate.findings import Finding
from validate.parse import Parsed, finding, line_of, parse


@dataclass(frozen=True)
class Table:
    """Rows as strings, columns as in the header; `lines` is each row's physical line."""

    header: tuple[str, ...]
    frame: pd.DataFrame  # columns = known header columns; Arrow strings; "" for blank
    lines: np.ndarray  # int64, same length as frame


# csv's default field size limit (characters), named in the finding that hits it.
FIELD_LIMIT = csv.field_size_limit()
# Findings after which nothing else about the file is worth saying.
_FINAL = frozenset({"file-empty", "file-conflict-marker"})


def read_table(data: bytes, parsed: Parsed | None = None) -> tuple[Table | None, list[Finding]]:
    """Parse the bytes (or use a Prefetch's parse of them). Returns the table
    (None when unusable) and the file-level findings."""
    p = parsed if parsed is not None else parse(data)
    if any(f.rule in _FINAL for f in p.findings):
        return None, p.findings
    if p.arrow is not None and p.header is not None:
        fast = _from_arrow(p)
        if fast is not None:
            return fast, p.findings
    try:
        text = p.data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_of(p.data, exc.start)
        return None, [finding(line, "file-encoding",
                              f"byte 0x{p.data[exc.start]:02x} is not UTF-8: "
                              "save the file as UTF-8")]
    if p.header is None:
        return None, p.findings
    table, findings = _exact_path(text, p.header, p.known)
    return table, p.findings + findings


def _from_arrow(p: Parsed) -> Table | None:
    assert p.arrow is not None and p.header is not None
    # Arrays straight into the frame, no copy (wrapping each in a Series first
    # costs 0.4 s at a million rows).
    frame = pd.DataFrame(
        {p.header[i]: pd.arrays.ArrowStringArray(p.arrow.column(i)) for i in p.known},
        copy=False,
    )
    lines = _record_lines(p.ends, len(frame))
    if lines is None:
        return None
    frame.index = pd.RangeIndex(len(frame))
    return Table(header=p.header, frame=frame, lines=lines)


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
            if "field limit" in str(exc) and text.count('"') % 2 == 0:
                # quotes balance, so it is not a quote left open swallowing
                # the rest of the file: one field really is that long
                findings.append(finding(prev_end + 1, "file-field-too-large",
                                         f"a field is longer than {FIELD_LIMIT:,} characters, "
                                         "the most extctl reads (no column holds more than "
                                         "a few hundred): shorten it"))
                return None, findings
            findings.append(finding(prev_end + 1, "file-quoting",
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
            findings.append(finding(blank, "file-blank-line",
                                     "blank line between rows: delete it"))
        pending_blank = []
        if len(record) != width:
            findings.append(finding(start, "file-field-count",
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
