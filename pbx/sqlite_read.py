"""Reading a whole SQLite query into string columns without a Python object per value."""

from __future__ import annotations

import sqlite3
import struct
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SEP = "\x1f"  # ASCII unit separator: joins the values of one column


def columns(cursor: Any, text: str) -> pd.DataFrame | None:
    """The query's columns as ONE group_concat string each, split by pyarrow.

    sqlite3 builds a Python object per value (~0.3 us each, seconds for the
    10^7 values of a 10^6-extension state); one string per column and a C++
    split avoid that. All aggregates of one SELECT step over the same rows, so
    the columns stay aligned. None (the caller fetches row by row) when a value
    holds the separator (a column then splits into more parts than rows), the
    names are ambiguous, or the strings exceed SQLite's length limit.
    """
    import pandas as pd

    cursor.execute(f"SELECT * FROM ({text}) LIMIT 0")
    names = [str(d[0]) for d in cursor.description]
    if any('"' in n or ":" in n for n in names):  # SQLite renames a repeated name "a:1"
        return None
    # group_concat renders an integer as str() does; ifnull: NULL reads as "" here
    # too, and group_concat would otherwise skip it and misalign the columns. The
    # separator is a literal: char(31) would be a function call per value (+40%).
    aggs = ", ".join(f"group_concat(ifnull(\"{n}\", ''), '{SEP}')" for n in names)
    try:
        cursor.execute(f"SELECT count(*), {aggs} FROM ({text})")
        count, *joined = cursor.fetchone()
    except sqlite3.DataError:  # "string or blob too big"
        return None
    if count == 0:
        return pd.DataFrame({n: pd.Series([], dtype="str") for n in names})
    # pyarrow's split releases the GIL: the columns split on both cores
    with ThreadPoolExecutor(max_workers=2) as pool:
        split = list(pool.map(_split, joined))
    if any(len(parts) != count for parts in split):
        return None
    return pd.DataFrame({name: pd.Series(parts, dtype="str")
                         for name, parts in zip(names, split, strict=True)})


def _split(value: str) -> Any:
    """One SEP-joined string as an arrow string array of its parts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # pa.array([value]) converts a long str slowly (~0.4 s per 20 MB); its UTF-8
    # bytes wrapped as a one-string arrow array are the same thing, at memcpy speed
    raw = value.encode("utf-8")
    whole = pa.LargeStringArray.from_buffers(
        1, pa.py_buffer(struct.pack("=2q", 0, len(raw))), pa.py_buffer(raw))
    return pc.split_pattern(whole, SEP).flatten()
