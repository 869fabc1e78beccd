"""Columns several rules share, computed once per validation before pandera runs.

They are added to the frame as hidden `_`-prefixed columns, so each check
stays a pure function of the frame and no rule repeats a 1M-row parse.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schema.columns import BOOLEAN_COLUMNS, FALSE_WORDS, TRUE_WORDS, auto_rows, take_rows

# allowed_ips problems, by rule id; index 0 = none
IP_PROBLEMS: tuple[str, ...] = ("", "allowed-ips-format", "allowed-ips-host-bits",
                                "allowed-ips-any", "allowed-ips-mapped")
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
# Free-text columns checked for invisible characters (text-invisible); the
# other columns have ASCII-only formats that refuse them already.
TEXT_COLUMNS: tuple[str, ...] = ("name", "team", "owner", "notes")
# `_b_<column>` values of the boolean columns
BOOL_TRUE, BOOL_FALSE, BOOL_BLANK, BOOL_INVALID = 1, 0, -1, -2


def arrow(col: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow strings, chunks kept: every compute function takes
    them, and combining would copy the column (60 ms each at 1M rows).
    pandas keeps its strings as large_string: they stay so (a cast to string
    rewrites the offsets, 5 ms a column at 1M rows, on every call)."""
    arr = pa.array(col.array) if not isinstance(col.dtype, pd.ArrowDtype) else col.array
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return arr
    return arr.cast(pa.large_string())


def matches(col: pd.Series, pattern: str) -> pd.Series:
    """Whole-value regex match, straight to RE2.

    pandas falls back to Python's re for anchored patterns on Arrow strings
    (1.2 s instead of 0.08 s a column at 1M rows).
    """
    hit = pc.match_substring_regex(arrow(col), f"^(?:{pattern})$")
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=col.index, dtype=bool)


def by_distinct(col: pd.Series, verdicts: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """Apply `verdicts` (one answer per distinct value, in order) to a column
    with few distinct values (team, transport, booleans, office subnets) and
    spread the answers back over the rows."""
    encoded = pc.dictionary_encode(arrow(col))  # one hash pass; chunks share one dictionary
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return np.asarray(verdicts(pa.array([], type=pa.string())))[:0]
    idx = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
    spread: np.ndarray = np.asarray(verdicts(chunks[0].dictionary))[idx.astype(np.int64)]
    return spread


def matches_distinct(col: pd.Series, pattern: str) -> pd.Series:
    """`matches` for low-cardinality columns: each distinct value is tested once."""
    verdict = by_distinct(col, lambda u: pc.match_substring_regex(u, f"^(?:{pattern})$")
                          .to_numpy(zero_copy_only=False))
    return pd.Series(verdict, index=col.index, dtype=bool)


def searches_at(col: pd.Series, rows: np.ndarray, pattern: str) -> np.ndarray:
    """Whether `pattern` (RE2) occurs in each cell of `col` at the
    (ascending) positions `rows`."""
    hit = pc.match_substring_regex(take_rows(arrow(col), rows), pattern)
    found: np.ndarray = hit.to_numpy(zero_copy_only=False).astype(bool)
    return found


def isin(col: pd.Series, values: Iterable[str] | pa.Array) -> pd.Series:
    """Series.isin for big value sets (pandas' arrow isin builds Python scalars)."""
    value_set = pa.array(list(values) if not isinstance(values, pa.Array) else values,
                         type=pa.string())
    hit = pc.is_in(arrow(col), value_set=value_set).to_numpy(zero_copy_only=False)
    return pd.Series(hit, index=col.index, dtype=bool)


def ip_problem(value: str, widest: tuple[int, int] = (8, 32)) -> int:
    """Index into IP_PROBLEMS of the first problem of an allowed_ips list.

    Kamailio matches a source against every entry, so what counts is the
    union of the list: 0.0.0.0/1;128.0.0.0/1 is the whole IPv4 Internet. It
    may cover at most an IPv4 /widest[0] and an IPv6 /widest[1]. IPv4-mapped
    IPv6 networks are refused outright: matched against IPv4 sources or not
    depending on the PBX's socket setup, they hide what the list allows."""
    nets: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for raw in value.split(";"):
        item = raw.strip()
        try:
            net = ipaddress.ip_network(item, strict=False)
        except ValueError:
            return 1
        if net.network_address != ipaddress.ip_interface(item).ip and "/" in item:
            return 2
        nets.append(net)
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    v6 = [n for n in nets if isinstance(n, ipaddress.IPv6Network)]
    if _covered(v4) > 2 ** (32 - widest[0]) or _covered(v6) > 2 ** (128 - widest[1]):
        return 3
    if any(n.version == 6 and n.overlaps(_MAPPED) for n in nets):
        return 4
    return 0


def _covered(nets: list[ipaddress.IPv4Network] | list[ipaddress.IPv6Network]) -> int:
    """Addresses in the union of `nets` (overlaps counted once)."""
    if len(nets) < 2:
        return sum(n.num_addresses for n in nets)
    union: Iterable[Any] = ipaddress.collapse_addresses(nets)
    return sum(int(n.num_addresses) for n in union)


def _ip_problems(col: pd.Series, widest: tuple[int, int]) -> np.ndarray:
    # Office subnets repeat: parse each distinct list once.
    return by_distinct(col, lambda u: np.array([ip_problem(v, widest) if v else 0
                                                for v in u.to_pylist()], dtype=np.int8))


TEAM = r"[a-z0-9-]+"
EMAIL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_EDGE_SPACE = r"^[\pZ\s]|[\pZ\s]$"  # \s alone is ASCII-only in RE2


def _invisible(frame: pd.DataFrame, out: pd.DataFrame) -> None:
    """`_invisible_<col>` for every text column and `_name_edge` (name-format),
    the name's two tests in one RE2 pass: names are the one text column that
    is long, distinct on every row and always filled."""
    from schema.invisible import re2_class

    invisible = re2_class()
    names = frame["name"]
    # Printable ASCII with no space at either end holds neither an invisible
    # character nor edge white space (RE2's ASCII \s and \pZ are the
    # space and controls), so the big Unicode class, twice as slow as a
    # small one, searches only the rest: the non-ASCII names, a few %.
    arr = arrow(names)
    plain = pc.and_(pc.ascii_is_printable(arr),
                    pc.invert(pc.or_(pc.starts_with(arr, " "), pc.ends_with(arr, " "))))
    maybe = np.flatnonzero(~plain.to_numpy(zero_copy_only=False))
    bad = np.zeros(len(frame), dtype=bool)
    if len(maybe):
        bad[maybe] = searches_at(names, maybe, f"{invisible}|{_EDGE_SPACE}")
    flags = {"name": np.zeros(len(frame), dtype=bool)}
    edge = np.zeros(len(frame), dtype=bool)
    rows = np.flatnonzero(bad)
    if len(rows):  # the few bad names: which test failed
        flags["name"][rows] = searches_at(names, rows, invisible)
        edge[rows] = searches_at(names, rows, _EDGE_SPACE)
    out["_name_edge"] = edge
    # A team or owner that fits its format (team-format's and owner-format's
    # ASCII patterns, tested here once for both rules) holds no invisible
    # character: only the others are searched.
    for col, fits, pattern in (("team", matches_distinct, TEAM), ("owner", matches, EMAIL)):
        values = frame[col]
        ok = fits(values, pattern).to_numpy()
        out[f"_{col}_fits"] = ok
        flags[col] = np.zeros(len(frame), dtype=bool)
        other = np.flatnonzero(~ok & (values != "").to_numpy(dtype=bool))
        if len(other):
            flags[col][other] = searches_at(values, other, invisible)
    notes = frame["notes"]
    flags["notes"] = np.zeros(len(frame), dtype=bool)
    written = np.flatnonzero((notes != "").to_numpy(dtype=bool))  # mostly blank
    if len(written):
        flags["notes"][written] = searches_at(notes, written, invisible)
    for col in TEXT_COLUMNS:
        out[f"_invisible_{col}"] = flags[col]


def _bool_word(value: str) -> int:
    low = value.lower()
    return BOOL_TRUE if low in TRUE_WORDS else BOOL_FALSE if low in FALSE_WORDS else (
        BOOL_BLANK if value == "" else BOOL_INVALID)


def _booleans(col: pd.Series) -> np.ndarray:
    """BOOL_* of each cell. Nearly every cell is already canonical (fmt
    writes true/false) or blank: three comparisons settle those, and the few
    other spellings are read once each."""
    arr = arrow(col)
    out = np.full(len(col), BOOL_INVALID, dtype=np.int8)
    for word, value in (("true", BOOL_TRUE), ("false", BOOL_FALSE), ("", BOOL_BLANK)):
        out[pc.equal(arr, word).to_numpy(zero_copy_only=False)] = value
    rest = np.flatnonzero(out == BOOL_INVALID)
    if len(rest):
        few = pd.Series(pd.arrays.ArrowStringArray(take_rows(arr, rest)))
        out[rest] = by_distinct(few, lambda u: np.array(
            [_bool_word(v) for v in u.to_pylist()], dtype=np.int8))
    return out


_POW10 = 10 ** np.arange(19, dtype=np.int64)


def _code_ints(col: pd.Series, lengths: np.ndarray) -> np.ndarray:
    """Digit codes as int64; -1 for anything that is not a valid digit code
    (no leading zero, no sign, at most 18 digits)."""
    arr = arrow(col)
    try:  # one cast for the usual file where every code parses
        ints = pc.cast(arr, pa.int64()).to_numpy()
    except pa.ArrowInvalid:  # blanks or letters somewhere: test each code
        ok = pc.match_substring_regex(arr, r"^[1-9][0-9]{0,17}$").to_numpy(
            zero_copy_only=False).astype(bool)
        out = np.full(len(arr), -1, dtype=np.int64)
        if ok.any():
            out[ok] = pc.cast(pc.filter(arr, pa.array(ok)), pa.int64()).to_numpy()
        return out
    # The cast also takes "0123" and "-5": exactly as many digits as characters
    # rules those out.
    digits = np.searchsorted(_POW10, ints, side="right")
    good = (ints > 0) & (ints < _POW10[18]) & (digits == lengths)
    result: np.ndarray = np.where(good, ints, -1)
    return result


def _password_flags(frame: pd.DataFrame, literal: np.ndarray) -> dict[str, np.ndarray]:
    """Charset, personal and sequence verdicts, in one Python pass over the
    literal rows only (1% of a real file; `auto` rows cost nothing)."""
    from schema import password as pw

    flags = {k: np.ones(len(frame), dtype=bool)
             for k in ("_pw_charset", "_pw_personal", "_pw_sequence")}
    rows = np.flatnonzero(literal)
    if len(rows):
        passwords, codes, usernames, names = (
            take_rows(arrow(frame[c]), rows).to_pylist()
            for c in ("password", "code", "username", "name"))
        flags["_pw_charset"][rows] = [pw.charset_ok(p) for p in passwords]
        flags["_pw_personal"][rows] = pw.personal_free(passwords, codes, usernames, names)
        flags["_pw_sequence"][rows] = ~runs_many(passwords)
    return flags


def runs_many(passwords: list[str]) -> np.ndarray:
    """schema.password.has_run (4 repeated or sequential characters) of each
    password, as array arithmetic over the ASCII ones: a run is three equal
    steps in a row between neighbouring code points, 0 (aaaa) or +-1 (abcd,
    4321), the sequential ones over printable ASCII (! to ~) only."""
    from schema import password as pw

    out = np.zeros(len(passwords), dtype=bool)
    ascii_rows = []
    for i, p in enumerate(passwords):
        if p.isascii():
            ascii_rows.append(i)
        else:  # rare: the exact loop
            out[i] = pw.has_run(p)
    if not ascii_rows:
        return out
    texts = [passwords[i] for i in ascii_rows]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    width = max(int(lengths.max()), 4)
    codes = np.frombuffer("".join(t.ljust(width, "\0") for t in texts).encode("ascii"),
                          dtype=np.uint8).reshape(len(texts), width).astype(np.int16)
    step = np.diff(codes, axis=1)
    # Window i..i+3 lies inside the password and has three equal steps.
    inside = np.arange(width - 3)[None, :] + 3 < lengths[:, None]
    same_steps = (step[:, :-2] == step[:, 1:-1]) & (step[:, 1:-1] == step[:, 2:])
    first, last = codes[:, :-3], codes[:, 3:]
    printable = (np.minimum(first, last) >= 0x21) & (np.maximum(first, last) <= 0x7E)
    kind = step[:, :-2]
    run = inside & same_steps & ((kind == 0) | ((np.abs(kind) == 1) & printable))
    out[ascii_rows] = run.any(axis=1)
    return out


def auto_mask(col: pd.Series) -> np.ndarray:
    """schema.columns.is_auto over a whole column: blank or `auto` in any ASCII
    case. validate, fmt, plan and the targets all decide "generated" here."""
    return auto_rows(arrow(col))


def literal_passwords(col: pd.Series) -> np.ndarray:
    """Rows with a literal password: not auto (auto_mask)."""
    literal: np.ndarray = ~auto_mask(col)
    return literal


def guess_mask(passwords: pd.Series, min_len: int) -> np.ndarray:
    """Literal passwords the estimator judges (the shorter ones already fail
    password-length): schema.estimator.judged_mask, which the parse thread
    runs on the Arrow column before pandas is imported."""
    from schema.estimator import judged_mask

    return judged_mask(arrow(passwords), min_len)


def canonical_numbers(numbers: pd.Series) -> np.ndarray:
    """Forward numbers in canonical E.164 form (+ and 2-15 digits)."""
    hit: np.ndarray = matches(numbers, r"\+[1-9][0-9]{1,14}").to_numpy()
    return hit


def _rotation_dates(col: pd.Series) -> pd.Series:
    """password_rotated as datetime64 (NaT when blank or not YYYY-MM-DD)."""
    out = pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
    given = (col != "").to_numpy(dtype=bool)  # high-risk rows only: few
    if given.any():
        d = col[given]
        shaped = matches(d, r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
        out[given] = pd.to_datetime(d.where(shaped, None), format="%Y-%m-%d",
                                    errors="coerce").to_numpy(dtype="datetime64[ns]")
    return out


def add_derived(frame: pd.DataFrame, ip_widest: tuple[int, int] = (8, 32)) -> pd.DataFrame:
    """The hidden columns; `ip_widest` is the policy's allowed_ips limit
    (allowed_ips_widest_ipv4, allowed_ips_widest_ipv6)."""
    out = frame.copy(deep=False)  # new columns only: the strings are shared
    lengths = pc.utf8_length(arrow(frame["code"])).to_numpy(zero_copy_only=False)
    out["_code_len"] = lengths.astype(np.int64)
    out["_code_int"] = _code_ints(frame["code"], lengths)
    literal = literal_passwords(frame["password"])
    out["_literal"] = literal
    for name, values in _password_flags(frame, literal).items():
        out[name] = values
    out["_ip_problem"] = _ip_problems(frame["allowed_ips"], ip_widest)
    _invisible(frame, out)
    for col in BOOLEAN_COLUMNS:
        out[f"_b_{col}"] = _booleans(frame[col])
    out["_rotated"] = _rotation_dates(frame["password_rotated"])
    out["_fwd_canonical"] = canonical_numbers(frame["forward_number"])
    return out
