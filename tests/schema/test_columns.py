"""take_rows: Arrow's take, chunk by chunk, on the chunked columns the parser makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.columns import auto_rows, take_rows
from schema.derive import _booleans, searches_at


def chunked(values: list[str], sizes: list[int]) -> pa.ChunkedArray:
    """`values` cut into chunks of `sizes` (empty chunks included), the rest last."""
    chunks, at = [], 0
    for size in sizes:
        chunks.append(pa.array(values[at:at + size], type=pa.large_string()))
        at += size
    chunks.append(pa.array(values[at:], type=pa.large_string()))
    return pa.chunked_array(chunks, type=pa.large_string())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=4), min_size=1, max_size=40),
       st.lists(st.integers(0, 6), max_size=8), st.data())
def test_take_rows_equals_arrow_take(values: list[str], sizes: list[int],
                                     data: st.DataObject) -> None:
    arr = chunked(values, sizes)
    picked = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=20))
    rows = np.array(sorted(picked) if data.draw(st.booleans()) else picked, dtype=np.int64)
    got = take_rows(arr, rows)
    assert got.type == arr.type
    assert got.to_pylist() == [values[i] for i in rows]


def test_take_rows_reads_only_the_chunks_it_needs() -> None:
    arr = chunked([f"v{i}" for i in range(1000)], [100] * 9)
    got = take_rows(arr, np.array([5, 250, 251, 999]))
    assert got.to_pylist() == ["v5", "v250", "v251", "v999"]
    assert isinstance(got, pa.Array)  # one array, as Arrow's take gives
    assert take_rows(arr, np.arange(1000)) is arr  # every row in order: no copy
    assert take_rows(arr, np.array([0] * 999 + [999])).to_pylist() == ["v0"] * 999 + ["v999"]


def test_row_rules_read_chunked_columns_as_single_ones() -> None:
    # The parser leaves one chunk per MiB: the rules that take a few rows
    # (take_rows) must answer as they do on one chunk.
    passwords = ["auto", "AUTO", "", "Auto ", "x" * 20, "aUtO"] * 7
    words = ["true", "Yes", "", "no", "maybe", "FALSE", "1"] * 6
    for values, sizes in ((passwords, [3, 0, 10, 5]), (words, [1, 1, 20])):
        many, one = chunked(values, sizes), pa.chunked_array([pa.array(values)])
        assert many.num_chunks > 2
        assert auto_rows(many).tolist() == auto_rows(one).tolist()
        as_series = [pd.Series(pd.arrays.ArrowStringArray(a)) for a in (many, one)]
        assert _booleans(as_series[0]).tolist() == _booleans(as_series[1]).tolist()
        rows = np.array([0, 4, 5, 17, 30])
        assert searches_at(as_series[0], rows, "[A-Z]").tolist() == [
            any(c.isupper() for c in values[i]) for i in rows]
