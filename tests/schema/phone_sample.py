"""A seeded sample of E.164 numbers drawn from every region's own metadata
(its example numbers, the leading digits of its patterns, its possible
lengths and national prefixes), perturbed so that about half are invalid.
Shared by tests/schema/test_phone.py and bench/phone_bench.py."""

from __future__ import annotations

import random
import re

import phonenumbers
from phonenumbers import PhoneMetadata

_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
          "personal_number", "voip", "pager", "uan", "voicemail")
_CANONICAL = re.compile(r"\+[1-9][0-9]{1,14}")


def _bases() -> list[tuple[str, str, tuple[int, ...], str]]:
    """(country code, example national number, possible lengths, national
    prefix) for every example number of every region and non-geographic entity."""
    out = []
    for cc, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()):
        for region in regions:
            meta = (PhoneMetadata.metadata_for_nongeo_region(cc) if region == "001"
                    else PhoneMetadata.metadata_for_region(region))
            if meta is None:
                continue
            prefix = meta.national_prefix or meta.national_prefix_for_parsing or ""
            prefix = prefix if prefix.isdigit() else ""
            for t in _TYPES:
                desc = getattr(meta, t, None)
                if desc is not None and desc.example_number:
                    lengths = tuple(n for n in desc.possible_length if n > 0) or (
                        len(desc.example_number),)
                    out.append((str(cc), desc.example_number, lengths, prefix))
    return out


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _perturb(rng: random.Random, national: str, lengths: tuple[int, ...], prefix: str) -> str:
    kind = rng.randrange(8)
    n = list(national)
    if kind == 0:  # as given
        return national
    if kind == 1:  # one to three digits changed
        for _ in range(rng.randint(1, 3)):
            n[rng.randrange(len(n))] = rng.choice("0123456789")
        return "".join(n)
    if kind == 2:  # the leading digits kept, the rest random, a possible length
        keep = rng.randint(1, min(4, len(national)))
        return national[:keep] + _digits(rng, max(0, rng.choice(lengths) - keep))
    if kind == 3:  # a digit dropped or added
        i = rng.randrange(len(n) + 1)
        if rng.random() < 0.5:
            return "".join([*n[:i], rng.choice("0123456789"), *n[i:]])
        return "".join(n[:i] + n[i + 1:])
    if kind == 4:  # the national (trunk) prefix written after the country code
        return (prefix or rng.choice("0189")) + national
    if kind == 5:  # a prefix of a possible length only, random digits
        return _digits(rng, rng.choice(lengths))
    if kind == 6:  # last digits shuffled
        tail = n[-4:]
        rng.shuffle(tail)
        return "".join(n[:-4] + tail)
    return national + _digits(rng, rng.randint(1, 2))  # too long


def sample(count: int, seed: int = 20261201) -> list[str]:
    """`count` canonical-form numbers ("+" then 2-15 digits), seeded."""
    rng = random.Random(seed)
    bases = _bases()
    out: list[str] = []
    while len(out) < count:
        cc, national, lengths, prefix = bases[len(out) % len(bases)]
        if rng.random() < 0.05:  # now and then another country code's example
            cc = rng.choice(bases)[0]
        number = "+" + cc + _perturb(rng, national, lengths, prefix)
        if _CANONICAL.fullmatch(number):
            out.append(number)
    return out


def reference(number: str) -> bool:
    """libphonenumber's verdict on a canonical-form number: valid, and its
    E.164 form is the number as written (what SPEC's forward_number needs)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed)) and phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.E164) == number
