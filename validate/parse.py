"""Bytes to an Arrow table, with no pandas: the part of reading that can run
in a thread while the main thread imports pandas and pandera.

Only well-formed files get an Arrow table (pyarrow's multi-threaded reader);
anything unusual is left to the exact reader in validate/reader.py, which
explains every structural problem with its line.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from extctl.background import Background
from extctl.files import DEFAULT_MAX_FILE_BYTES, read_file
from extctl.policy import Policy
from schema.columns import COLUMNS, REQUIRED, mask_prefix
from schema.estimator import Estimates, Spec, early, spec_for
from validate.findings import Finding
from validate.pieces import Pieces, cuts

if TYPE_CHECKING:
    import pyarrow as pa

_CONFLICT = re.compile(rb"^(<{7}|={7}|>{7})(?: |\r?$)", re.MULTILINE)
_BOM = b"\xef\xbb\xbf"
_ONLY_SPACE = re.compile(rb"[ \t\r\n]*")


@dataclass(frozen=True)
class Parsed:
    data: bytes  # BOM stripped
    findings: list[Finding] = field(default_factory=list)  # file level
    header: tuple[str, ...] | None = None  # None: no usable table
    known: list[int] = field(default_factory=list)  # header positions of known columns
    arrow: pa.Table | None = None  # set when the fast path parsed the file
    ends: np.ndarray | None = None  # record terminators, when quotes hide newlines


def finding(line: int | None, rule: str, message: str) -> Finding:
    return Finding(line=line, column=None, rule=rule, severity="error", message=message)


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse(data: bytes, threads: bool = True,
          share: Callable[[Pieces], None] | None = None) -> Parsed:
    """The file's structure and, when it is well-formed, its Arrow table.
    `threads=False` when the caller is busy importing meanwhile (Prefetch):
    a second reader thread would only compete with it for the same cores.
    `share` is handed the pieces of a big file's parse, for another thread
    to help with (validate/pieces.py)."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if _ONLY_SPACE.fullmatch(data):  # stops at the first other byte: no 100 MB copy
        return Parsed(data, [finding(1, "file-empty",
                                     "the file is empty: it needs at least the header row "
                                     f"({','.join(COLUMNS[:2])},...)")])
    # The header is one short line; the UTF-8 check of the whole file is left
    # to pyarrow on the fast path (it validates too) or to the exact reader.
    header, findings, known = _read_header(data[:65536].decode("utf-8", "replace"))
    if header is not None:
        balanced, ends = _record_starts(data)
        # Quoted newlines make pyarrow's chunking much slower: only when present.
        arrow = _table(data, len(header), ends, threads, share) if balanced else None
        if arrow is not None:
            arrow = _drop_trailing_blank_lines(data, arrow, header.index("code"))
        if arrow is not None:
            # A clean parse has every record at the header's width, so no line
            # is a conflict marker (a lone "=======" is one field) or blank
            # (see _drop_trailing_blank_lines): no byte scan for either.
            return Parsed(data, findings, header, known, arrow, ends)
    conflicts = [
        finding(line_of(data, m.start()), "file-conflict-marker",
                "Git conflict marker: resolve the merge conflict and remove the marker lines")
        for m in (_CONFLICT.finditer(data) if _maybe_conflict(data) else ())
    ]
    if conflicts:
        return Parsed(data, conflicts)
    return Parsed(data, findings, header, known)


def _drop_trailing_blank_lines(data: bytes, table: pa.Table, code: int) -> pa.Table | None:
    """pyarrow reads a blank line as a record of empty fields. Blank lines at
    the end of the file are fine and dropped; anywhere else (or a record of
    empty fields, `,,,`) the file goes to the exact reader, which tells them
    apart. None = take the exact path."""
    import pyarrow.compute as pc

    empty = pc.equal(table.column(code), "")
    if not pc.any(empty).as_py():  # every record has a code: none is blank
        return table
    tail = data[len(data.rstrip(b"\r\n")):]
    # The last record's own line end, then one empty record per blank line
    # (a lone \r in there: the counts disagree and the exact reader decides).
    trailing = max(tail.count(b"\n") - 1, 0)
    keep = table.num_rows - trailing
    if trailing and keep >= 0 and not pc.any(empty.slice(0, keep)).as_py():
        return table.slice(0, keep)
    return None


def _table(data: bytes, width: int, ends: np.ndarray | None, threads: bool,
           share: Callable[[Pieces], None] | None) -> pa.Table | None:
    """The Arrow table of a balanced file, in shared pieces when it is big,
    records are lines, and someone will help (`share`)."""
    if share is None or ends is not None or not (starts := cuts(data)):
        return _arrow(data, width, multiline=ends is not None, threads=threads)
    pieces = Pieces(data, starts, lambda piece, first: _arrow(
        piece, width, multiline=False, threads=False, header=first))
    share(pieces)
    return pieces.table()


def _arrow(data: bytes | memoryview, width: int, multiline: bool = True, threads: bool = True,
           header: bool = True) -> pa.Table | None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad: list[object] = []

    def on_invalid(row: object) -> str:
        bad.append(row)
        return "skip"

    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            # A buffer, not a file object: pyarrow then reads without taking the
            # GIL per block, which the main thread holds while it imports pandas.
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=int(header),
                                           block_size=1 << 20, use_threads=threads),
            parse_options=pacsv.ParseOptions(newlines_in_values=multiline,
                                             ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas keeps its strings as (no copy later)
                column_types={n: pa.large_string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. bytes that are not UTF-8
        return None
    return None if bad else table


STDIN, STDIN_NAME = "-", "<stdin>"


def read_input(path: str, limit: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of `path` (extctl.files.read_file: regular files, size cap), or
    of standard input for "-" (at most `limit` bytes)."""
    if path == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            from extctl.errors import UsageError

            raise UsageError(f"{STDIN_NAME}: more than {limit:,} bytes (max_file_bytes)")
        return data
    return read_file(path, limit)


class Prefetch:
    """Read and parse one file in a thread (pyarrow and numpy release the GIL),
    so the caller can import pandas and pandera meanwhile. Given the policy,
    a file with many literal passwords also starts their estimates
    (schema/estimator.py) as soon as it is parsed: `estimates`."""

    def __init__(self, path: str, policy: Policy | None = None) -> None:
        # "-" is standard input (the click convention), named <stdin> in messages
        self.path = STDIN_NAME if path == STDIN else path
        self.estimates: Estimates | None = None
        self._pieces: Pieces | None = None
        self._cut = threading.Event()  # set once the pieces exist, or the parse ended
        limit = policy.max_file_bytes if policy else DEFAULT_MAX_FILE_BYTES
        spec = spec_for(policy) if policy else None
        self._job = Background(lambda: self._parse(path, limit, spec))

    def _parse(self, path: str, limit: int, spec: Spec | None) -> Parsed:
        # One reader thread: the main thread imports pandas and pandera
        # meanwhile (with two, `extctl validate` of 1M rows is 2.5% slower).
        try:
            parsed = parse(read_input(path, limit), threads=False, share=self._share)
        finally:
            self._cut.set()
        if spec is not None and parsed.arrow is not None and parsed.header is not None \
                and "password" in parsed.header:
            self.estimates = early(parsed.arrow.column(parsed.header.index("password")), spec)
        return parsed

    def _share(self, pieces: Pieces) -> None:
        self._pieces = pieces
        self._cut.set()

    def result(self) -> Parsed:
        """The parse, this thread helping with what is left of it (a big
        file's pieces); re-raises the OSError (or UsageError) of reading."""
        self._cut.wait()
        if self._pieces is not None:
            self._pieces.work(from_front=False)
        return self._job.result()


def _maybe_conflict(data: bytes) -> bool:
    # memchr-speed pre-check (every conflict has all three markers, so one
    # search will do); the anchored regex is slow on 100 MB.
    return b"<<<<<<<" in data


def _read_header(text: str) -> tuple[tuple[str, ...] | None, list[Finding], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        return None, [finding(1, "file-quoting", f"the header row cannot be read: {exc}")], []
    line = reader.line_num
    findings: list[Finding] = []
    if line != 1:
        findings.append(finding(1, "file-quoting", "the header row spans several lines"))
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    known: list[int] = []
    for i, name in enumerate(names):
        if name not in COLUMNS:
            # Never quoted whole: a file without its header row has data here,
            # perhaps a password (see schema.columns.mask_prefix).
            hint = _closest(name)
            findings.append(finding(1, "header-unknown-column",
                                     f"unknown column {mask_prefix(name)} (field {i + 1})" +
                                     (f": did you mean {hint!r}?" if hint else
                                      f"; known columns: {','.join(COLUMNS)}")))
        elif name in seen:
            findings.append(finding(1, "header-duplicate-column",
                                     f"column {name!r} appears twice (fields {seen[name] + 1} "
                                     f"and {i + 1}): keep one"))
        else:
            seen[name] = i
            known.append(i)
    no_header = "" if known else (": the first line looks like data, not a header; add the "
                                  f"header row ({','.join(COLUMNS[:2])},...) above it")
    for req in sorted(REQUIRED - set(names), key=COLUMNS.index):
        findings.append(finding(1, "header-missing-column",
                                 f"required column {req!r} is missing from the header"
                                 + no_header))
    if any(f.rule == "header-missing-column" for f in findings):
        return None, findings, known
    return tuple(names), findings, known


def _closest(name: str) -> str | None:
    import difflib

    match = difflib.get_close_matches(name.lower(), COLUMNS, n=1, cutoff=0.6)
    return match[0] if match else None


def _record_starts(data: bytes) -> tuple[bool, np.ndarray | None]:
    """Whether quotes balance, and the index (among all newlines) of each record
    terminator, or None when no newline sits inside quotes (records = lines)."""
    if b'"' not in data:
        return True, None
    spans = _quoted_spans_without_newline(data)
    if spans is not None:  # the usual case, settled by memchr from quote to quote
        return spans, None
    buf = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(buf == 34)
    if len(quotes) % 2:
        return False, None
    if not _newline_in_quotes(buf, quotes):  # look at quoted bytes only
        return True, None
    newlines = np.flatnonzero(buf == 10)
    inside = (np.searchsorted(quotes, newlines) % 2) == 1
    if not inside.any():
        return True, None
    ends: np.ndarray = np.flatnonzero(~inside)
    # a last record without its newline ends at EOF, one line after the last newline
    return True, np.append(ends, len(newlines))


# Quote pairs worth following one by one (a few quoted notes or names); past
# this, a file quoting every field goes to the array scan below.
_FEW_QUOTED = 200_000


def _quoted_spans_without_newline(data: bytes) -> bool | None:
    """True: quotes pair up and no quoted text holds a newline; False: an odd
    quote is left; None: a newline is quoted, or too many quotes to walk
    (the array scan decides). bytes.find is memchr: the walk reads each byte
    once, without the array passes (a 120 MB compare and its indices)."""
    find = data.find
    start = find(b'"')
    for _ in range(_FEW_QUOTED):
        if start < 0:
            return True
        end = find(b'"', start + 1)
        if end < 0:
            return False
        if find(b"\n", start + 1, end) >= 0:
            return None
        start = find(b'"', end + 1)
    return None


def _newline_in_quotes(buf: np.ndarray, quotes: np.ndarray) -> bool:
    """Whether a newline sits between an opening quote and its closing one."""
    opens, closes = quotes[0::2] + 1, quotes[1::2]
    sizes = closes - opens
    total = int(sizes.sum())
    if total > len(buf) // 4:  # mostly quoted: the caller's exact scan is as cheap
        return True
    # every quoted byte's offset: the start of its span plus its place in it
    starts = np.repeat(opens - np.cumsum(sizes) + sizes, sizes)
    return bool((buf[starts + np.arange(total)] == 10).any())
