"""The generated table of invisible characters is unicodedata's, and RE2 reads it."""

from __future__ import annotations

import unicodedata

import pyarrow as pa
import pyarrow.compute as pc

from schema import invisible_table
from schema.invisible import CATEGORIES, build_ranges, first_invisible, re2_class


def test_table_is_what_unicodedata_says_for_this_python() -> None:
    assert unicodedata.unidata_version == invisible_table.UNICODE_VERSION
    assert build_ranges() == invisible_table.RANGES


def test_re2_class_matches_exactly_those_categories() -> None:
    # One code point from each side of every range boundary, plus a spread.
    points = {0x20, 0x41, 0xE9, 0x4E2D, 0x1F600}
    for lo, hi in invisible_table.RANGES:
        points |= {lo, hi, max(lo - 1, 0), min(hi + 1, 0x10FFFF)}
    points = {p for p in points if not 0xD800 <= p <= 0xDFFF}
    chars = sorted(points)
    hits = pc.match_substring_regex(pa.array([chr(c) for c in chars]), re2_class())
    want = [unicodedata.category(chr(c)) in CATEGORIES for c in chars]
    assert hits.to_pylist() == want


def test_first_invisible_names_the_code_point() -> None:
    assert first_invisible("Mia\u202eLopez") == "U+202E"
    assert first_invisible("Mia López") is None
