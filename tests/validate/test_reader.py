"""Reading: file-level problems with their physical lines; both parse paths agree."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from extctl.policy import Policy
from tests.helpers import TODAY, csv_bytes, row
from validate.parse import Parsed, _read_header, parse
from validate.reader import _exact_path, read_table
from validate.run import validate_bytes

HEADER = b"code,name,remote\n"


def findings(data: bytes) -> list[tuple[int | None, str]]:
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    return [(f.line, f.rule) for f in report.findings]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(1, "file-empty")]),
        (b"\xef\xbb\xbf  \n", [(1, "file-empty")]),
        (HEADER + b"2105,Mia,true\n2106,B\xe9a,true\n", [(3, "file-encoding")]),
        (HEADER + b"2105,Mia,true\n<<<<<<< HEAD\n2106,Bo,true\n=======\n2106,Bob,true\n"
         b">>>>>>> branch\n", [(3, "file-conflict-marker"), (5, "file-conflict-marker"),
                               (7, "file-conflict-marker")]),
        (HEADER + b"2105,Mia,true\n\n2106,Bob,true\n", [(3, "file-blank-line")]),
        (HEADER + b"2105,Mia,true,extra\n2106,Bob\n2107,Ann,true\n",
         [(2, "file-field-count"), (3, "file-field-count")]),
        (b"code,name,remote,colour\n2105,Mia,true,red\n", [(1, "header-unknown-column")]),
        (b"code,name,remote,name\n2105,Mia,true,Mia\n", [(1, "header-duplicate-column")]),
        (b"code,remote\n2105,true\n", [(1, "header-missing-column")]),
        (HEADER + b'2105,"Mia,true\n2106,Bob,true\n', [(2, "file-quoting")]),
    ],
    ids=["empty", "bom-only", "not-utf8", "conflict", "blank-line", "field-count",
         "unknown-col", "dup-col", "missing-col", "open-quote"],
)
def test_file_level_problems(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert findings(data) == expected


def test_header_only_is_valid_and_empty() -> None:
    report = validate_bytes(HEADER, "extensions.csv", Policy(), TODAY)
    assert report.ok and report.rows == 0 and report.findings == ()


@pytest.mark.parametrize("tail", [b"\n", b"\n\n", b"\n\n\n", b"\r\n\r\n", b"", b"\n\r\n"])
def test_trailing_blank_lines_are_fine(tail: bytes) -> None:
    data = HEADER + b"2105,Mia,true\n2106,Bob,true" + tail
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    assert report.findings == () and report.rows == 2
    assert report.frame is not None and report.frame["code"].tolist() == ["2105", "2106"]


@pytest.mark.parametrize(("data", "expected"), [
    # a record of empty fields is a row (with row findings), never a blank line
    (HEADER + b"2105,Mia,true\n,,\n2106,Bob,true\n", [(3, "code-format"), (3, "name-format")]),
    (HEADER + b"2105,Mia,true\n,,\n", [(3, "code-format"), (3, "name-format")]),
    (HEADER + b"2105,Mia,true\n,,\n\n", [(3, "code-format"), (3, "name-format")]),
    (HEADER + b"\n2105,Mia,true\n", [(2, "file-blank-line")]),
    (HEADER + b"2105,Mia,true\n\n\n2106,Bob,true\n\n",
     [(3, "file-blank-line"), (4, "file-blank-line")]),
])
def test_empty_records_and_blank_lines(data: bytes, expected: list[tuple[int, str]]) -> None:
    assert [(line, rule) for line, rule in findings(data) if rule != "allowed-ips-required"] \
        == expected


def test_conflict_marker_text_inside_a_quoted_note_is_not_a_conflict() -> None:
    data = csv_bytes(row("2105", notes="before\n=======\nafter"), row("2106"))
    # Line breaks in a note are text-invisible (Cc), never a conflict marker.
    assert findings(data) == [(2, "text-invisible")]


def test_unknown_column_suggests_the_right_one() -> None:
    report = validate_bytes(b"code,name,forward_nr\n", "e.csv", Policy(), TODAY)
    assert "did you mean 'forward_number'" in report.findings[0].message


def test_line_numbers_after_multiline_quoted_fields() -> None:
    data = csv_bytes(
        row("2105", notes="line one\nline two\nline three"),
        row("2106", notes='say "hi"\r\nbye'),
        row("2107", call_limit="99"),
    )
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    assert [(f.line, f.rule) for f in report.findings] == [
        (2, "text-invisible"), (5, "text-invisible"), (7, "call-limit-range")]
    assert report.frame is not None
    assert report.frame["line"].tolist() == [2, 5, 7]


def test_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(row("2105"), row("2106", call_limit="0")).replace(
        b"\n", b"\r\n")
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    assert [(f.line, f.column, f.rule) for f in report.findings] == [
        (3, "call_limit", "call-limit-range")]
    assert report.frame is not None and report.frame["code"].tolist() == ["2105", "2106"]


@pytest.mark.parametrize("crlf", [False, True])
def test_fast_and_exact_paths_agree(crlf: bool) -> None:
    data = csv_bytes(row("2105", notes="a,b"), row("2106", notes='multi\nline "q"'),
                     row("2107"))
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    fast, _ = read_table(data)
    header, _, known = _read_header(data.decode())
    assert header is not None
    exact, _ = _exact_path(data.decode(), header, known)
    assert fast is not None and exact is not None
    assert fast.frame.astype(str).equals(exact.frame.astype(str))
    assert np.array_equal(fast.lines, exact.lines)


FIELDS = st.one_of(st.sampled_from(["2105", "2106", "", "Mia", "true", "a,b", 'say "hi"',
                                    "two\nlines", "cr\r\nlf", "=======", ",,"]),
                   st.text(alphabet='ab1 ,"\n', max_size=6))
RECORDS = st.lists(st.tuples(FIELDS, FIELDS, FIELDS) | st.just(()), max_size=6)


@settings(max_examples=150, deadline=None)
@given(RECORDS, st.integers(0, 3), st.booleans(), st.booleans())
def test_fast_path_agrees_with_the_exact_reader(
    records: list[tuple[str, ...]], trailing: int, crlf: bool, final_newline: bool
) -> None:
    # () is a blank line; the file may end in blank lines and lack its last newline.
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["code", "name", "remote"])
    for rec in records:
        if rec:
            writer.writerow(rec)
        else:
            buf.write("\r\n" if crlf else "\n")
    text = buf.getvalue()
    if not final_newline:
        text = text.rstrip("\r\n")
    text += ("\r\n" if crlf else "\n") * trailing
    data = text.encode()
    parsed = parse(data)
    exact = Parsed(parsed.data, [f for f in parsed.findings], parsed.header, parsed.known)
    fast_table, fast_findings = read_table(data, parsed)
    exact_table, exact_findings = read_table(data, exact)
    event(f"fast path: {parsed.arrow is not None}")
    assert fast_findings == exact_findings or parsed.arrow is None
    if parsed.arrow is not None:  # the fast path took it: same rows, same lines
        assert fast_table is not None and exact_table is not None
        assert fast_table.frame.astype(str).equals(exact_table.frame.astype(str))
        assert fast_table.lines.tolist() == exact_table.lines.tolist()


def _record_reference(data: bytes) -> tuple[bool, list[int] | None]:
    """Quote parity and, when a newline is quoted, the index among all
    newlines of each record end (and EOF), by a byte-by-byte walk."""
    if data.count(b'"') % 2:
        return False, None
    inside, ends, count = False, [], 0
    for byte in data:
        if byte == ord('"'):
            inside = not inside
        elif byte == ord("\n"):
            if not inside:
                ends.append(count)
            count += 1
    return True, ([*ends, count] if len(ends) < count else None)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(lambda b: bytes(b'ab,"\n'[x % 5] for x in b)))
def test_quoted_newlines_found_by_the_walk_and_the_array_scan_alike(data: bytes) -> None:
    from validate import parse as p

    balanced, ends = p._record_starts(data)
    expected_balanced, expected_ends = _record_reference(data)
    assert balanced == expected_balanced
    if balanced:
        assert (ends.tolist() if ends is not None else None) == expected_ends


def test_a_file_quoting_every_field_takes_the_array_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    from validate import parse as p

    monkeypatch.setattr(p, "_FEW_QUOTED", 2)  # more quoted spans than the walk follows
    data = b'"a","b","c"\n"d","e\nf","g"\n'
    assert p._quoted_spans_without_newline(data) is None
    balanced, ends = p._record_starts(data)
    assert balanced and ends is not None and ends.tolist() == [0, 2, 3]  # and EOF
