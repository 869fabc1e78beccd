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
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
    "voip", "pager", "uan", "voicemail",
)


@cache
def _pattern(country_code: int, length: int) -> str | None:
    """Alternation of every number type, in every region of the country code,
    whose possible lengths include `length` (RE2 has no look-ahead, so the
    length test is done by grouping rather than inside the regex)."""
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
    return "^(?:" + "|".join(alternatives) + ")$" if alternatives else None


def _slow_valid(number: str) -> bool:
    import phonenumbers


    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed)) and (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    )


def valid_e164(numbers: pd.Series) -> pd.Series:
    """True where the canonical-form number ("+" digits) is valid per libphonenumber."""
    # Imported here: its metadata costs 0.25 s, and a large batch runs in the
    # offload worker, so the main process never needs it.
    import phonenumbers

    # Imported here: its metadata costs 0.25 s, and a large batch runs in the
    # offload worker, so the main process never needs it.

    digits = numbers.astype("string[pyarrow]").str.slice(1)
    result = pd.Series(False, index=numbers.index)
    if numbers.empty:
        return result
    # Country codes are 1-3 digits and prefix-free: try the longest match per row.
    cc = np.zeros(len(numbers), dtype="int64")
    arrow_digits = pa.array(digits.to_numpy(dtype=object), type=pa.string())
    for width in (3, 2, 1):
        codes = [c for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == width]
        head = pc.utf8_slice_codeunits(arrow_digits, 0, width)
        pos = pc.index_in(head, value_set=pa.array([str(c) for c in codes])).to_numpy(
            zero_copy_only=False
        )
        hit = ~np.isnan(pos.astype("float64")) & (cc == 0)
        cc[hit] = np.asarray(codes, dtype="int64")[pos[hit].astype("int64")]
    known_cc = cc > 0
    cc_width = np.where(cc >= 100, 3, np.where(cc >= 10, 2, 1))
    national_len = digits.str.len().to_numpy(dtype="int64") - cc_width
    groups = pd.DataFrame({"cc": cc, "len": national_len}, index=numbers.index)[known_cc]
    for key, idx in groups.groupby(["cc", "len"]).groups.items():
        code, length = cast(tuple[int, int], key)
        pattern = _pattern(int(code), int(length))
        if pattern is None:
            continue
        part = pc.utf8_slice_codeunits(
            pa.array(digits.loc[idx].array).cast(pa.string()), len(str(int(code)))
        )
        # Straight to RE2: pandas would re-parse this 10 kB pattern in Python each call.
        match = pc.match_substring_regex(part, pattern).to_numpy(zero_copy_only=False)
        # A leading zero is a trunk prefix or an Italian-style zero: leave to libphonenumber.
        zero = pc.starts_with(part, "0").to_numpy(zero_copy_only=False)
        result.loc[idx] = match.astype(bool) & ~zero.astype(bool)
    rejected = numbers[~result]
    if len(rejected):
        # The few the fast path rejects: libphonenumber decides.
        confirmed = {n: _slow_valid(n) for n in rejected.unique()}
        result.loc[rejected.index] = rejected.map(confirmed).astype(bool).to_numpy()
    return result
