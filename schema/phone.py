"""E.164 validity for a whole column, from libphonenumber's own metadata.

phonenumbers.parse + is_valid_number costs ~30 µs a number: 30 s for a
million rows. So its steps are replayed as regexes over groups of numbers
with the same country code and length (RE2 has no look-ahead for the
length tests), each step exactly as phonenumbers 9 does it:

1. the region: with several regions per country code, the first whose
   leading digits match, else the first where the number is valid;
2. valid there: the region's general pattern and one number type's
   pattern (each with its own possible lengths) both match;
3. parse() strips a national prefix for parsing (+375 8...) where the
   main region's pattern matches the start, so those numbers, and national
   numbers starting with 0 (Italian zeros), are left to phonenumbers itself.

bench/phone_bench.py compares the verdict with phonenumbers on 200,000
seeded numbers from every region's metadata, perturbed (all equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schema.columns import take_rows
from schema.derive import arrow

if TYPE_CHECKING:
    from phonenumbers import PhoneMetadata, PhoneNumberDesc

# Any one type's match makes a number valid, so the likeliest come first.
_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
    "voip", "pager", "uan", "voicemail",
)


@dataclass(frozen=True)
class _Region:
    """One region of a country code, for national numbers of one length."""

    leading_digits: str | None  # picks the region before any pattern (GG inside +44)
    patterns: tuple[str, ...]  # number types possible at this length; any one will do
    general: str | None  # the region's general pattern; None: nothing of this length


@dataclass(frozen=True)
class _Rules:
    """What is_valid_number does with "+<cc><national>" for one (cc, length)."""

    national_prefix: str | None  # national_prefix_for_parsing of the main region
    regions: tuple[_Region, ...]  # in libphonenumber's order; one: no selection


def _metadata(country_code: int, region: str) -> PhoneMetadata | None:
    from phonenumbers import PhoneMetadata

    if region == "001":
        return PhoneMetadata.metadata_for_nongeo_region(country_code)
    return PhoneMetadata.metadata_for_region(region)


def _fits(desc: PhoneNumberDesc | None, length: int) -> bool:
    # libphonenumber's _is_number_matching_desc, the length half: a desc
    # without lengths takes any; one without a pattern matches nothing.
    return (desc is not None and bool(desc.national_number_pattern)
            and (not desc.possible_length or length in desc.possible_length))


@cache
def _rules(country_code: int, length: int) -> _Rules:
    """libphonenumber's validity for national numbers of `length` digits,
    as regexes (the length tests are done here, by grouping: RE2 has no
    look-ahead)."""
    import phonenumbers

    names = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    regions = []
    for name in names:
        meta = _metadata(country_code, name)
        if meta is None:
            continue
        general = meta.general_desc if _fits(meta.general_desc, length) else None
        types = [getattr(meta, t, None) for t in _TYPES
                 if not (t == "mobile" and meta.same_mobile_and_fixed_line_pattern)]
        patterns = tuple(dict.fromkeys(  # US fixed line = mobile: each pattern once
            d.national_number_pattern for d in types if d is not None and _fits(d, length)))
        regions.append(_Region(meta.leading_digits if len(names) > 1 else None, patterns,
                               general.national_number_pattern if general else None))
    main = _metadata(country_code, names[0]) if names else None
    return _Rules(main.national_prefix_for_parsing or None if main else None, tuple(regions))


# The first few patterns of a region are tried one by one (a small automaton
# each, and most numbers match the first); the rest as one alternation, which
# RE2 runs 5x slower per number, on whatever is left.
_ONE_BY_ONE = 2


def _hits(group: pa.Array | pa.ChunkedArray, rows: np.ndarray, regex: str) -> np.ndarray:
    """Which of `rows` of `group` match `regex` (RE2, on the whole "+..." text)."""
    if not len(rows):
        return np.zeros(0, dtype=bool)
    part = take_rows(group, rows)
    hit: np.ndarray = pc.match_substring_regex(part, regex).to_numpy(zero_copy_only=False)
    return hit


def _region_valid(group: pa.Array | pa.ChunkedArray, rows: np.ndarray, prefix: str,
                  region: _Region) -> np.ndarray:
    """libphonenumber's _number_type_helper != UNKNOWN for `rows`: the
    general pattern and one number type's pattern both match."""
    ok = np.zeros(len(rows), dtype=bool)
    if region.general is None or not region.patterns:
        return ok
    todo = np.ones(len(rows), dtype=bool)
    steps = [*region.patterns[:_ONE_BY_ONE], "|".join(region.patterns[_ONE_BY_ONE:])]
    for pattern in filter(None, steps):
        left = np.flatnonzero(todo)
        if not len(left):
            break
        hit = _hits(group, rows[left], f"^\\{prefix}(?:{pattern})$")
        ok[left[hit]] = True
        todo[left[hit]] = False
    typed = np.flatnonzero(ok)  # the general pattern, on those only
    ok[typed] = _hits(group, rows[typed], f"^\\{prefix}(?:{region.general})$")
    return ok


VALID, INVALID, UNSURE = 1, 0, -1


def _group_valid(group: pa.Array | pa.ChunkedArray, prefix: str, rules: _Rules) -> np.ndarray:
    """libphonenumber's verdict on each number of one (country code, length)
    group, VALID or INVALID, or UNSURE where only phonenumbers itself can say."""
    ok = np.zeros(len(group), dtype=bool)
    # A leading zero is an Italian-style zero (kept in the national number).
    zero = pc.starts_with(group, prefix + "0").to_numpy(zero_copy_only=False)
    undecided = np.flatnonzero(~zero)
    for region in rules.regions:  # libphonenumber's _region_code_for_number_from_list
        if not len(undecided):
            break
        if region.leading_digits:  # the region is chosen by its leading digits alone
            mine = undecided[_hits(group, undecided, f"^\\{prefix}(?:{region.leading_digits})")]
            ok[mine] = _region_valid(group, mine, prefix, region)
            undecided = np.setdiff1d(undecided, mine, assume_unique=True)
        else:  # chosen if valid there
            valid = _region_valid(group, undecided, prefix, region)
            ok[undecided[valid]] = True
            undecided = undecided[~valid]
        if len(rules.regions) == 1:
            break
    verdict = np.where(ok, VALID, np.where(zero, UNSURE, INVALID)).astype(np.int8)
    if rules.national_prefix:
        # parse() may strip a national (trunk) prefix from these (+375 8...:
        # the trunk 8), and then its E.164 form is no longer the number as
        # written: invalid. Whether it strips depends on more rules, so
        # phonenumbers decides. (Invalid as written stays invalid either way.)
        accepted = np.flatnonzero(ok)
        if rules.national_prefix.isdigit():  # the usual "0", "1", "8": no regex
            part = take_rows(group, accepted)
            trunk = pc.starts_with(part, prefix + rules.national_prefix).to_numpy(
                zero_copy_only=False)
        else:
            trunk = _hits(group, accepted, f"^\\{prefix}(?:{rules.national_prefix})")
        verdict[accepted[trunk]] = UNSURE
    return verdict


def _slow_valid(number: str) -> bool:
    # Imported where used: its metadata costs 0.25 s, and most files never
    # need it (the fast path above settles nearly every number).
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed)) and (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    )


def _country_codes(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Each number's country code (0 if none). Codes are 1-3 digits and
    prefix-free, so the shortest width that matches is the code: each width
    looks only at the numbers the shorter ones left (+1 settles most)."""
    import phonenumbers

    cc = np.zeros(len(arr), dtype=np.int64)
    todo = np.arange(len(arr))
    for width in (1, 2, 3):
        if not len(todo):
            break
        codes = [c for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == width]
        part = take_rows(arr, todo)
        pos = pc.index_in(pc.utf8_slice_codeunits(part, 1, 1 + width),
                          value_set=pa.array([str(c) for c in codes]))
        found = pos.is_valid().to_numpy(zero_copy_only=False)
        cc[todo[found]] = np.asarray(codes, dtype=np.int64)[
            pos.fill_null(0).to_numpy(zero_copy_only=False)[found]]
        todo = todo[~found]
    return cc


def valid_e164(numbers: pd.Series) -> pd.Series:
    """True where the canonical-form number ("+" digits) is valid per
    libphonenumber and is its own E.164 form (_slow_valid), for every number."""
    result = np.full(len(numbers), INVALID, dtype=np.int8)  # unknown country code: invalid
    if len(numbers):
        arr = arrow(numbers)
        cc = _country_codes(arr)
        national = pc.utf8_length(arr).to_numpy(zero_copy_only=False) - 1 - np.where(
            cc >= 100, 3, np.where(cc >= 10, 2, 1))
        key = np.where(cc > 0, cc * 100 + national, -1)
        for k in pd.unique(key):  # a handful of (country code, length) groups
            if k < 0:
                continue
            rows = np.flatnonzero(key == k)
            rules = _rules(int(k) // 100, int(k) % 100)
            group = take_rows(arr, rows)
            try:
                result[rows] = (_group_valid(group, f"+{int(k) // 100}", rules)
                                if rules.regions else UNSURE)
            except pa.ArrowInvalid:  # a pattern RE2 cannot compile: libphonenumber decides
                result[rows] = UNSURE
    out = pd.Series(result == VALID, index=numbers.index)
    unsure = numbers[result == UNSURE]
    if len(unsure):
        # The few the metadata cannot settle: phonenumbers itself decides.
        confirmed = {n: _slow_valid(n) for n in unsure.unique()}
        out.loc[unsure.index] = unsure.map(confirmed).astype(bool).to_numpy()
    return out
