"""Findings and per-file reports: plain immutable data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Finding:
    line: int | None  # physical line, 1 = header; None only when the whole file is meant
    column: str | None  # None for file-level findings
    rule: str
    severity: str  # "error" | "warning"
    message: str  # never contains a password
    value: str | None = None  # "***" for passwords


@dataclass(frozen=True)
class FileReport:
    path: str
    rows: int
    findings: tuple[Finding, ...]
    # The rows as canonical strings (schema.columns.COLUMNS, "" for blank,
    # booleans "true"/"false"), with a "line" column holding each row's
    # physical line. None when the file could not be read as a table.
    frame: pd.DataFrame | None = None
    header: tuple[str, ...] = ()  # as written in the file, for field positions
    readable: bool = True  # False when the file could not be read as a table

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def ok(self) -> bool:
        return self.readable and self.errors == 0
