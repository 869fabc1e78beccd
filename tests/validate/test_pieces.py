"""A big file parsed in shared pieces reads exactly as one parse does."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import validate.pieces as pieces_mod
from extctl.policy import Policy
from tests.helpers import TODAY, csv_bytes, row
from validate.parse import Prefetch, parse
from validate.pieces import Pieces, cuts
from validate.run import validate_bytes, validate_prefetched


def big(n: int, **extra: str) -> bytes:
    return csv_bytes(*[row(str(10000 + i), **extra) for i in range(n)])


@given(st.lists(st.sampled_from([b"a,b", b"", b"x" * 30, b"1,2,3"]), max_size=40),
       st.integers(1, 50), st.booleans())
def test_cuts_start_pieces_just_after_a_newline(lines: list[bytes], size: int,
                                                 final_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    starts = cuts(data, size)
    assert starts == sorted(set(starts))
    assert all(0 < s < len(data) and data[s - 1:s] == b"\n" for s in starts)
    assert all(b - a >= size for a, b in zip([0, *starts], starts, strict=False))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 400), st.integers(200, 5000), st.booleans())
def test_pieces_join_to_the_single_parse(n: int, size: int, helped: bool) -> None:
    data = big(n)
    whole = parse(data)
    assert whole.arrow is not None
    helpers: list[threading.Thread] = []

    def share(p: Pieces) -> None:
        if helped:  # another thread takes pieces from the back meanwhile
            helpers.append(threading.Thread(target=p.work, args=(False,)))
            helpers[-1].start()

    pieces_mod.PIECE_BYTES, saved = size, pieces_mod.PIECE_BYTES
    try:
        split = parse(data, share=share)
    finally:
        pieces_mod.PIECE_BYTES = saved
    for t in helpers:
        t.join()
    assert split.arrow is not None
    assert split.arrow.equals(whole.arrow)
    assert split.findings == whole.findings


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces_mod, "PIECE_BYTES", 4096)


def test_a_bad_row_in_a_late_piece_sends_the_file_to_the_exact_reader(
        small_pieces: None) -> None:
    data = big(300)
    lines = data.split(b"\n")
    lines[250] += b",extra"  # one field too many, far into the file
    bad = b"\n".join(lines)
    shared: list[Pieces] = []
    parsed = parse(bad, share=shared.append)
    assert shared and parsed.arrow is None  # split, and the exact reader decides
    report = validate_bytes(bad, "extensions.csv", Policy(), TODAY)
    assert [(f.line, f.rule) for f in report.findings] == [(251, "file-field-count")]


def test_prefetch_helps_with_the_pieces_and_validates_as_before(
        small_pieces: None, tmp_path: Path) -> None:
    data = big(600, call_limit="99")  # every row one finding, at its line
    (tmp_path / "extensions.csv").write_bytes(data)
    job = Prefetch(str(tmp_path / "extensions.csv"))
    report = validate_prefetched(job, Policy(), TODAY)
    assert job._pieces is not None  # the file was cut, and this thread could help
    assert [(f.line, f.rule) for f in report.findings] == [
        (i + 2, "call-limit-range") for i in range(600)]


def test_a_file_with_quoted_newlines_is_not_cut(small_pieces: None) -> None:
    data = csv_bytes(*[row(str(10000 + i), notes="two\nlines") for i in range(300)])
    shared: list[Pieces] = []
    parsed = parse(data, share=shared.append)
    assert not shared and parsed.arrow is not None and parsed.arrow.num_rows == 300
