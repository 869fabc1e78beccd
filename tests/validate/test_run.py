"""Running the schema: every failing row of every check, and broken checks are bugs."""

from __future__ import annotations

import pandas as pd
import pytest

from extctl.policy import Policy
from schema.checks import REGISTRY
from tests.helpers import TODAY, csv_bytes, row
from validate.run import validate_bytes


def test_every_failing_row_of_every_check_is_a_finding() -> None:
    rows = [row(str(3000 + i), call_limit="99" if i % 3 else "2", team="Bad" if i % 2 else "")
            for i in range(3000)]
    report = validate_bytes(csv_bytes(*rows), "extensions.csv", Policy(), TODAY)
    by_rule: dict[str, list[int]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f.line)
    assert by_rule["call-limit-range"] == [i + 2 for i in range(3000) if i % 3]
    assert by_rule["team-format"] == [i + 2 for i in range(3000) if i % 2]


def test_a_check_that_raises_is_an_internal_error_without_cell_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
        raise ValueError(f"cannot read {df['password'].iloc[0]}")

    monkeypatch.setitem(REGISTRY, "notes-length", broken)
    data = csv_bytes(row("2105", password="ZQsecretZQsecret99"))
    with pytest.raises(RuntimeError, match="internal error in schema check") as err:
        validate_bytes(data, "extensions.csv", Policy(), TODAY)
    assert "notes-length" in str(err.value) and "ZQ" not in str(err.value)
