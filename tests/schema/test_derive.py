"""The shared derived columns agree with the plain Python reading of each value."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.checks import REGISTRY
from schema.columns import FALSE_WORDS, TRUE_WORDS
from schema.derive import (
    BOOL_BLANK,
    BOOL_FALSE,
    BOOL_INVALID,
    BOOL_TRUE,
    _booleans,
    _code_ints,
    literal_passwords,
)
from schema.invisible import CATEGORIES


def strings(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


def reference_code(value: str) -> int:
    ok = (value.isascii() and value.isdigit() and not value.startswith("0")
          and 1 <= len(value) <= 18)
    return int(value) if ok else -1


def code_ints(values: list[str]) -> list[int]:
    col = strings(values)
    lengths = col.str.len().to_numpy(dtype=np.int64)
    return [int(v) for v in _code_ints(col, lengths)]


@pytest.mark.parametrize("values", [
    ["2105", "0210", "-210", "1" * 18, "1" * 19, "9" * 19],  # every one casts to int64
    ["2105", "", "+210", " 210", "21o5", "٣٣٣"],  # some do not: the regex path
])
def test_code_ints_accept_exactly_plain_digit_codes(values: list[str]) -> None:
    assert code_ints(values) == [reference_code(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789+- ab", max_size=20), min_size=1, max_size=8))
def test_code_ints_match_reference(values: list[str]) -> None:
    assert code_ints(values) == [reference_code(v) for v in values]


def test_booleans_read_every_spelling_once() -> None:
    values = ["true", "TRUE", "Yes", "1", "false", "No", "0", "", "maybe", "t", " true"]
    got = list(_booleans(strings(values)))
    want = [BOOL_TRUE if v.lower() in TRUE_WORDS else BOOL_FALSE if v.lower() in FALSE_WORDS
            else BOOL_BLANK if v == "" else BOOL_INVALID for v in values]
    assert got == want


def test_literal_passwords_skip_auto_in_any_case_and_blank() -> None:
    values = ["auto", "AUTO", "Auto", "", "autox", "tQ7#vZ2m!Lp9Rx4k", " auto"]
    assert list(literal_passwords(strings(values))) == [False, False, False, False,
                                                        True, True, True]


def frame(**cols: list[str]) -> pd.DataFrame:
    from schema.derive import add_derived

    n = len(next(iter(cols.values())))
    base = {c: [""] * n for c in ("code", "name", "username", "password", "allowed_ips",
                                  "dnd", "remote", "enabled", "high_risk", "password_rotated",
                                  "forward_number", "team", "owner", "notes")}
    base.update(cols)
    return add_derived(pd.DataFrame({c: strings(v) for c, v in base.items()}))


@pytest.mark.parametrize(("name", "ok"), [
    ("Mia López", True), (" Mia", False), ("Mia\u00a0", False), ("\u2003Mia", False),
    ("Mi\x85a", False), ("Mi\ta", False), ("Mia\u3000Lopez", True), ("", False),
    ("x" * 64, True), ("x" * 65, False),
])
def test_name_format_edges(name: str, ok: bool) -> None:
    # Control characters are text-invisible's since issue 7; edges and length name-format's.
    df = frame(code=["2105"], name=[name])
    passes = (bool(REGISTRY["name-format"](df, params=())[0])
              and bool(REGISTRY["text-invisible"](df, params=("name",))[0]))
    assert passes is ok


def test_username_duplicate_ignores_case_and_blanks() -> None:
    df = frame(code=["1", "2", "3", "4", "5"], username=["mia", "", "MIA", "", "liam"])
    assert list(REGISTRY["username-duplicate"](df, params=())) == [False, True, False, True, True]
    df = frame(code=["1", "2", "3"], username=["mia", "", "liam"])
    assert REGISTRY["username-duplicate"](df, params=()).all()


@pytest.mark.parametrize(("codes", "dups"), [
    (["2105", "2106", "2107"], [False, False, False]),  # sorted: the no-hash path
    (["2105", "2105", "2107"], [True, True, False]),  # sorted with a repeat
    (["2107", "2105", "2107"], [True, False, True]),
    (["21x", "2105", "21x"], [True, False, True]),  # malformed codes compare as text
])
def test_code_duplicate_paths(codes: list[str], dups: list[bool]) -> None:
    df = frame(code=codes)
    assert list(~REGISTRY["code-duplicate"](df, params=())) == dups


# Mostly printable ASCII (the prefilter's fast case) with spaces, controls,
# Unicode spaces and format characters mixed in at any position.
_NAME_CHARS = st.sampled_from([*"aZ9 .-'", "\t", "\n", "\x00", "\x7f", "\x85", "\u00a0",
                               "\u2003", "\u200b", "\u202e", "\u2028", "é", "\ue000"])


@given(st.lists(st.text(alphabet=_NAME_CHARS, max_size=6), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_name_flags_match_a_full_search(names: list[str]) -> None:
    # The ASCII prefilter in derive._invisible answers exactly as searching
    # every name with the full Unicode patterns would.
    df = frame(code=["2105"] * len(names), name=names)
    for i, name in enumerate(names):
        invisible = any(unicodedata.category(ch) in CATEGORIES for ch in name)
        assert bool(df["_invisible_name"][i]) is invisible, name
        # RE2's \s is [\t\n\f\r ], \pZ the Unicode separators.
        edge = bool(name) and any(
            ch in "\t\n\f\r " or unicodedata.category(ch) in ("Zs", "Zl", "Zp")
            for ch in (name[0], name[-1]))
        assert bool(df["_name_edge"][i]) is edge, name
