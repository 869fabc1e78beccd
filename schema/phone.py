"""E.164 validity for a whole column, from libphonenumber's own metadata.

phonenumbers.parse + is_valid_number costs ~30 µs a number: 30 s for a
million rows. Validity is "the national number matches the national-number
pattern of one of the number types of a region that uses the country code",
which is a regex per region: so group by country code and apply each
region's patterns to the whole group at once. Numbers the fast path rejects
are confirmed one by one with phonenumbers itself, so a rejection is always
libphonenumber's verdict.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schema.derive import arrow

_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
    "voip", "pager", "uan", "voicemail",
)


@cache
def _patterns(country_code: int, length: int) -> tuple[str, ...]:
    """The national-number patterns of every number type, in every region of
    the country code, whose possible lengths include `length` (RE2 has no
    look-ahead, so the length test is done by grouping rather than inside the
    regex), each once, the main region's first."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    alternatives: list[str] = []
    for region in regions:
        meta = (
            PhoneMetadata.metadata_for_nongeo_region(country_code)
            if region == "001"
            else PhoneMetadata.metadata_for_region(region)
        )
        if meta is None:
            continue
        for name in _TYPES:
            desc = getattr(meta, name, None)
            if desc is None or not desc.national_number_pattern:
                continue
            general = meta.general_desc
            lengths = desc.possible_length or (general.possible_length if general else ()) or ()
            if length in lengths:
                alternatives.append(f"(?:{desc.national_number_pattern})")
    # Types and regions often share a pattern (US fixed line = mobile).
    return tuple(dict.fromkeys(alternatives))


# The first few patterns of a group are tried one by one (a small automaton
# each, and most numbers match the first); the rest as one alternation, which
# RE2 runs 5x slower per number, on whatever is left.
_ONE_BY_ONE = 2


def _group_valid(group: pa.Array | pa.ChunkedArray, prefix: str,
                 patterns: tuple[str, ...]) -> np.ndarray:
    """Whether each number of one (country code, length) group matches."""
    ok = np.zeros(len(group), dtype=bool)
    # A leading zero is a trunk prefix or an Italian-style zero: leave to libphonenumber.
    todo = ~pc.starts_with(group, prefix + "0").to_numpy(zero_copy_only=False)
    steps = [*patterns[:_ONE_BY_ONE], "|".join(patterns[_ONE_BY_ONE:])]
    for pattern in filter(None, steps):
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        part = group if len(rows) == len(group) else group.take(pa.array(rows))
        # Straight to RE2 with the country code in the pattern: no copy of the
        # national numbers (and pandas would re-parse the pattern each call).
        hit = pc.match_substring_regex(part, f"^\\{prefix}(?:{pattern})$").to_numpy(
            zero_copy_only=False)
        ok[rows[hit]] = True
        todo[rows[hit]] = False
    return ok


def _slow_valid(number: str) -> bool:
    # Imported where used: its metadata costs 0.25 s, and a large batch runs
    # in the offload worker, so the main process never needs it.
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed)) and (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    )


def _country_codes(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Each number's country code (0 if none): codes are 1-3 digits and
    prefix-free, so at most one width matches."""
    import phonenumbers

    cc = np.zeros(len(arr), dtype=np.int64)
    for width in (3, 2, 1):
        codes = [c for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == width]
        head = pc.utf8_slice_codeunits(arr, 1, 1 + width)
        pos = pc.index_in(head, value_set=pa.array([str(c) for c in codes]))
        found = pos.is_valid().to_numpy(zero_copy_only=False)
        hit = found & (cc == 0)
        cc[hit] = np.asarray(codes, dtype=np.int64)[
            pos.fill_null(0).to_numpy(zero_copy_only=False)[hit]]
    return cc


def valid_e164(numbers: pd.Series) -> pd.Series:
    """True where the canonical-form number ("+" digits) is valid per libphonenumber."""
    result = np.zeros(len(numbers), dtype=bool)
    if len(numbers):
        arr = arrow(numbers)
        cc = _country_codes(arr)
        national = pc.utf8_length(arr).to_numpy(zero_copy_only=False) - 1 - np.where(
            cc >= 100, 3, np.where(cc >= 10, 2, 1))
        key = np.where(cc > 0, cc * 100 + national, -1)
        for k in pd.unique(key):  # a handful of (country code, length) groups
            if k < 0 or not (patterns := _patterns(int(k) // 100, int(k) % 100)):
                continue
            rows = np.flatnonzero(key == k)
            group = arr if len(rows) == len(arr) else arr.take(pa.array(rows))
            result[rows] = _group_valid(group, f"+{int(k) // 100}", patterns)
    out = pd.Series(result, index=numbers.index)
    rejected = numbers[~result]
    if len(rejected):
        # The few the fast path rejects: libphonenumber decides.
        confirmed = {n: _slow_valid(n) for n in rejected.unique()}
        out.loc[rejected.index] = rejected.map(confirmed).astype(bool).to_numpy()
    return out
