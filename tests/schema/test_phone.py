"""The column-wide E.164 check agrees with libphonenumber itself."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from schema.phone import valid_e164
from tests.schema.phone_sample import reference, sample


def test_agrees_with_phonenumbers_on_random_numbers() -> None:
    rng = random.Random(7)
    ccs = ["1", "44", "49", "33", "39", "61", "81", "86", "91", "7", "353", "420", "800", "882"]
    numbers = [
        "+" + rng.choice(ccs) + "".join(str(rng.randint(0, 9)) for _ in range(rng.randint(6, 11)))
        for _ in range(4000)
    ]
    numbers += ["+14085550123", "+442071838750", "+390612345678", "+4915112345678"]
    got = valid_e164(pd.Series(numbers, dtype="string[pyarrow]", index=range(5, 5 + len(numbers))))
    expected = [reference(n) for n in numbers]
    assert [n for n, g, e in zip(numbers, got, expected, strict=True) if g != e] == []
    assert got.iloc[-4:].all()


@pytest.mark.parametrize("number", [
    "+4949300834534", "+494940534202", "+494936339088751",  # the region's general pattern
    "+3758101234567", "+3758102345678",  # +375's trunk 8, stripped by parse()
])
def test_numbers_libphonenumber_calls_invalid_are_refused(number: str) -> None:
    assert reference(number) is False
    assert valid_e164(pd.Series([number], dtype="string[pyarrow]")).tolist() == [False]


def test_equals_phonenumbers_on_a_seeded_sample_of_every_region() -> None:
    # 6,000 of bench/phone_bench.py's 200,000 (a minute of phonenumbers there).
    numbers = sample(6000, seed=7)
    got = valid_e164(pd.Series(numbers, dtype="string[pyarrow]")).tolist()
    want = [reference(n) for n in numbers]
    assert 0.2 < sum(want) / len(want) < 0.8  # both verdicts well represented
    assert [n for n, g, w in zip(numbers, got, want, strict=True) if g != w] == []
