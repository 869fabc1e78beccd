"""Every row rule as a vectorised pandera check method, registered by rule id.

Each check takes the whole frame (all columns as strings, "" for blank) and
returns a boolean Series, True where the row passes. Rules that need Python
per value (IP networks, the password estimator) run it only on the distinct
values or the few literal rows that need it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schema import password as pw
from schema.columns import TRANSPORTS
from schema.derive import (
    BOOL_INVALID,
    BOOL_TRUE,
    IP_PROBLEMS,
    arrow,
    canonical_numbers,
    guess_mask,
    isin,
    matches,
)
from schema.estimator import CURRENT
from schema.phone import valid_e164

CheckFn = Callable[..., pd.Series]
# rule id -> vectorised check over the whole frame, True where a row passes.
# An explicit registry rather than pandera's register_check_method, which
# imports pandera's hypothesis strategies (half a second on every hook run).
REGISTRY: dict[str, CheckFn] = {}


def _register(fn: CheckFn) -> CheckFn:
    REGISTRY[fn.__name__.replace("_", "-")] = fn
    return fn


def truthy(df: pd.DataFrame, column: str) -> pd.Series:
    return (df[f"_b_{column}"] == BOOL_TRUE).astype(bool)


def _blank(col: pd.Series) -> pd.Series:
    return (col == "").astype(bool)


def literal_mask(df: pd.DataFrame) -> pd.Series:
    return df["_literal"].astype(bool)


# --- code -----------------------------------------------------------------

@_register
def code_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    ok = df["_code_int"] >= 0  # digits, no leading zero, up to 18 digits (derived once)
    rest = ~ok
    if rest.any():  # the few others: longer codes can still be well-formed
        ok.loc[rest] = matches(df.loc[rest, "code"], r"[1-9][0-9]*").to_numpy()
    return ok.astype(bool)


@_register
def code_length(df: pd.DataFrame, *, params: tuple[int, int]) -> pd.Series:
    n = df["_code_len"]
    return ((n == 0) | ((n >= params[0]) & (n <= params[1]))).astype(bool)


@_register
def code_duplicate(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~duplicated_codes(df)


def duplicated_codes(df: pd.DataFrame) -> pd.Series:
    ints = df["_code_int"]
    values = ints.to_numpy()
    if len(values) < 2 or (values[1:] > values[:-1]).all():
        # Strictly increasing (fmt sorts by code): no duplicate, no hashing.
        return pd.Series(False, index=df.index)
    dup = ints.duplicated(keep=False) & (ints >= 0)
    odd = (ints < 0) & ~_blank(df["code"])
    if odd.any():  # malformed codes (few): compare as text
        dup |= df["code"].where(odd, None).duplicated(keep=False) & odd
    return dup.astype(bool)


@_register
def code_reserved(df: pd.DataFrame, *, params: tuple[str, ...]) -> pd.Series:
    return pd.Series(reserved_hit(df["code"], params) < 0, index=df.index)


def reserved_hit(codes: pd.Series, reserved: tuple[str, ...]) -> np.ndarray:
    """Index into `reserved` of the reserved code each code collides with, or -1.

    A PBX matching digits as they are dialled reaches 911 on the way to 9110,
    and a code that is the start of 911 (91) steals it: both collide. One
    starts_with pass per reserved code (a handful) and one lookup of the
    reserved codes' own prefixes."""
    arr = arrow(codes)
    out = np.full(len(codes), -1, dtype=np.int64)
    for i, code in reversed(list(enumerate(reserved))):  # the first listed wins
        out[pc.starts_with(arr, code).to_numpy(zero_copy_only=False)] = i
    heads = {code[:n]: i for i, code in reversed(list(enumerate(reserved)))
             for n in range(1, len(code))}
    if heads:
        pos = pc.index_in(arr, value_set=pa.array(list(heads), type=arr.type))
        found = pos.is_valid().to_numpy(zero_copy_only=False) & (out < 0)
        owners = np.asarray(list(heads.values()), dtype=np.int64)
        out[found] = owners[pos.fill_null(0).to_numpy(zero_copy_only=False)[found]]
    return out


def prefix_owner(df: pd.DataFrame) -> pd.Series:
    """For each code, the shortest *other* code that is a proper prefix of it (-1 if none)."""
    ints = df["_code_int"].to_numpy()
    lengths = df["_code_len"].to_numpy()
    out = np.full(len(ints), -1, dtype=np.int64)
    valid = ints >= 0
    for length in np.flatnonzero(np.bincount(lengths[valid])) if valid.any() else ():
        longer = valid & (lengths > length) & (out < 0)
        if not longer.any():
            continue
        shorter = pd.Index(ints[valid & (lengths == length)])
        heads = ints[longer] // (10 ** (lengths[longer] - length))
        hit = shorter.get_indexer(heads) >= 0 if shorter.is_unique else np.isin(heads, shorter)
        rows = np.flatnonzero(longer)[hit]
        out[rows] = heads[hit]
    return pd.Series(out, index=df.index)


@_register
def code_prefix(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    # Report on the longer code: that is the one dialled wrong in overlap dialling.
    return (prefix_owner(df) < 0).astype(bool)


@_register
def code_team_range(
    df: pd.DataFrame, *, params: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    codes = df["_code_int"]
    for team, ranges in params:
        mine = (df["team"] == team).astype(bool) & (codes > 0)
        inside = np.zeros(len(df), dtype=bool)
        for lo, hi in ranges:
            inside |= ((codes >= lo) & (codes <= hi)).to_numpy()
        ok &= ~(mine & ~inside)
    return ok


# --- name -----------------------------------------------------------------

@_register
def name_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    n = df["name"]
    length = pc.utf8_length(arrow(n)).to_numpy(zero_copy_only=False)
    bad = df["_name_edge"].to_numpy(dtype=bool)  # Unicode space at either end (derive.py)
    return pd.Series(~(bad | (length < 1) | (length > 64)), index=n.index)


@_register
def text_invisible(df: pd.DataFrame, *, params: tuple[str]) -> pd.Series:
    return ~df[f"_invisible_{params[0]}"].astype(bool)


@_register
def name_formula(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    names = arrow(df["name"])
    # Four prefix tests are a third of one regex pass over every name.
    starts = [pc.starts_with(names, c).to_numpy(zero_copy_only=False) for c in "=+-@"]
    return pd.Series(~np.logical_or.reduce(starts), index=df.index)


# --- username -------------------------------------------------------------

@_register
def username_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    u = df["username"]
    named = ~_blank(u)
    ok = pd.Series(True, index=df.index)
    if named.any():  # most rows leave it blank (= the code): test only the others
        ok.loc[named] = matches(u[named], r"[A-Za-z0-9._-]{1,40}").to_numpy()
    return ok


def effective_username(df: pd.DataFrame) -> pd.Series:
    return df["username"].where(~_blank(df["username"]), df["code"]).str.lower()


@_register
def username_duplicate(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    # Only explicit usernames can collide here: a blank one is the code (unique
    # by code-duplicate) and an explicit one equal to a code is username-code-clash.
    named = ~_blank(df["username"])
    ok = pd.Series(True, index=df.index)
    if named.any():
        lower = pc.utf8_lower(arrow(df.loc[named, "username"]))
        if len(pc.unique(lower)) == len(lower):  # the usual answer, from one hash pass
            return ok
        dup = pd.Series(pd.arrays.ArrowStringArray(lower)).duplicated(keep=False)
        ok.loc[named] = ~dup.to_numpy(dtype=bool)
    return ok


@_register
def username_code_clash(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    # Codes are digits, so only an all-digit username can be another row's code.
    u = df["username"]
    named = ~_blank(u)
    digits = pd.Series(False, index=df.index)
    if named.any():
        digits.loc[named] = matches(u[named], r"[1-9][0-9]{0,17}").to_numpy()
    ok = pd.Series(True, index=df.index)
    if digits.any():
        as_int = pd.Series(u[digits].astype("int64").to_numpy())
        clash = as_int.isin(df["_code_int"].to_numpy()).to_numpy(dtype=bool)
        ok.loc[digits] = ~(clash & (u[digits] != df.loc[digits, "code"]).to_numpy(dtype=bool))
    return ok


# --- password (literal rows only) ----------------------------------------

@_register
def password_length(df: pd.DataFrame, *, params: tuple[int]) -> pd.Series:
    n = df["password"].str.len()
    return (~literal_mask(df) | ((n >= params[0]) & (n <= 64))).astype(bool)


@_register
def password_literal(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~literal_mask(df)  # a warning by default (rules.py)


@_register
def password_charset(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return df["_pw_charset"].astype(bool)


@_register
def password_personal(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return df["_pw_personal"].astype(bool)


@_register
def password_sequence(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return df["_pw_sequence"].astype(bool)


def guess_candidates(df: pd.DataFrame, min_len: int) -> pd.Series:
    """Literal passwords the estimator judges: the others already failed on length."""
    return pd.Series(guess_mask(df["password"], min_len), index=df.index)


@_register
def password_guessable(df: pd.DataFrame, *, params: tuple[float, int, tuple[str, ...]]
                       ) -> pd.Series:
    min_bits, min_len, inputs = params
    ok = pd.Series(True, index=df.index)
    mask = guess_candidates(df, min_len)
    if not mask.any():
        return ok
    items = [str(p) for p in df.loc[mask, "password"]]
    estimates = CURRENT.get()
    bits = (estimates.bits_of(items) if estimates
            else pw.estimate_many(items, min_bits, list(inputs)))
    ok.loc[mask] = np.asarray(bits) >= min_bits
    return ok


# --- other columns --------------------------------------------------------

@_register
def call_limit_range(df: pd.DataFrame, *, params: tuple[int]) -> pd.Series:
    c = df["call_limit"]
    allowed = [str(n) for n in range(1, params[0] + 1)]
    return (_blank(c) | isin(c, allowed)).astype(bool)


@_register
def boolean_format(df: pd.DataFrame, *, params: tuple[str]) -> pd.Series:
    return (df[f"_b_{params[0]}"] != BOOL_INVALID).astype(bool)


@_register
def forward_number_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (_blank(df["forward_number"]) | canonical_forward(df)).astype(bool)


@_register
def forward_number_invalid(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    canonical = canonical_forward(df)
    ok = pd.Series(True, index=df.index)
    if canonical.any():
        ok.loc[canonical] = valid_e164(df["forward_number"][canonical]).to_numpy()
    return ok


def canonical_forward(df: pd.DataFrame) -> pd.Series:
    if "_fwd_canonical" in df.columns:  # derived once per validation
        return df["_fwd_canonical"].astype(bool)
    return pd.Series(canonical_numbers(df["forward_number"]), index=df.index)


def _ip_rule(df: pd.DataFrame, rule: str) -> pd.Series:
    return (df["_ip_problem"] != IP_PROBLEMS.index(rule)).astype(bool)


@_register
def allowed_ips_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _ip_rule(df, "allowed-ips-format")


@_register
def allowed_ips_host_bits(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _ip_rule(df, "allowed-ips-host-bits")


@_register
def allowed_ips_any(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _ip_rule(df, "allowed-ips-any")


@_register
def allowed_ips_mapped(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _ip_rule(df, "allowed-ips-mapped")


@_register
def allowed_ips_required(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~(_blank(df["allowed_ips"]) & ~truthy(df, "remote")).astype(bool)


@_register
def team_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (_blank(df["team"]) | df["_team_fits"].astype(bool)).astype(bool)  # derive.py


@_register
def owner_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (_blank(df["owner"]) | df["_owner_fits"].astype(bool)).astype(bool)  # derive.py


@_register
def owner_required(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~_blank(df["owner"])


@_register
def rotation_date_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (_blank(df["password_rotated"]) | df["_rotated"].notna()).astype(bool)


@_register
def rotation_date_future(df: pd.DataFrame, *, params: tuple[str]) -> pd.Series:
    return ~(df["_rotated"] > pd.Timestamp(params[0])).astype(bool)


@_register
def rotation_overdue(df: pd.DataFrame, *, params: tuple[str, int]) -> pd.Series:
    today, days = params
    oldest = pd.Timestamp(today) - pd.Timedelta(days=days)
    dates = df["_rotated"]
    overdue = truthy(df, "high_risk") & ~(dates >= oldest).astype(bool)
    return ~overdue


@_register
def transport_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    t = df["transport"]
    return (_blank(t) | t.isin(TRANSPORTS)).astype(bool)


@_register
def notes_length(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (df["notes"].str.len() <= 200).astype(bool)

