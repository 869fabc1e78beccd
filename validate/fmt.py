"""The canonical form of extensions.csv (`extctl fmt`).

Rows sorted by code, booleans as true/false, the file's columns in the
canonical order, LF line endings, minimal RFC 4180 quoting, no BOM.
Formatting never drops a value, and formatting twice changes nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from extctl.errors import CheckFailed
from schema.columns import AUTO_PASSWORD, BOOLEAN_COLUMNS, COLUMNS, FALSE_WORDS, TRUE_WORDS
from schema.derive import auto_mask
from validate.findings import FileReport
from validate.reader import read_table


def canonical_bytes(data: bytes, path: str) -> bytes:
    """The canonical form of `data`; CheckFailed if the file is not a readable table."""
    table, findings = read_table(data)
    structural = [f for f in findings if f.severity == "error"]
    if table is None or structural:
        from validate.reporters import render_text

        report = FileReport(path=path, rows=0, findings=tuple(structural or findings))
        raise CheckFailed(
            "cannot format a file whose structure is broken (nothing was changed):\n"
            + render_text([report]).rstrip("\n")
        )
    present = [c for c in COLUMNS if c in table.frame.columns]
    frame = table.frame[present].copy()
    for c in COLUMNS:  # normalise() expects every boolean column
        if c not in frame.columns:
            frame[c] = pd.Series([""] * len(frame), dtype="string[pyarrow]")
    frame = normalise(frame)[present]
    codes = frame["code"]
    digits = codes.str.fullmatch(r"[0-9]{1,18}").fillna(False).to_numpy(dtype=bool)
    numeric = pd.to_numeric(codes.where(digits, "0"), errors="coerce").fillna(0).to_numpy()
    # Numeric codes in numeric order; anything else after them, as text; stable.
    order = np.lexsort((codes.to_numpy(dtype=object).astype(str), numeric, ~digits))
    frame = frame.iloc[order]
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8")


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as true/false and `auto` passwords (any case) as `auto` (blank
    stays blank); everything else as written."""
    out = frame.copy()
    if "password" in out.columns:
        pw = out["password"]
        spelled = auto_mask(pw) & (pw != "").to_numpy(dtype=bool)
        if spelled.any():  # AUTO, Auto: rare, so the column is rebuilt only then
            out["password"] = pw.mask(spelled, AUTO_PASSWORD)
    for col in BOOLEAN_COLUMNS:
        arr = pa.array(out[col].array).cast(pa.string())
        low = pc.utf8_lower(arr)
        true = pc.is_in(low, value_set=pa.array(sorted(TRUE_WORDS)))
        false = pc.is_in(low, value_set=pa.array(sorted(FALSE_WORDS)))
        fixed = pc.if_else(true, "true", pc.if_else(false, "false", arr))
        out[col] = pd.Series(pd.arrays.ArrowStringArray(fixed), index=out.index)
    return out
