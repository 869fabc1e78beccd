"""Every row rule as a vectorised pandera check method, registered by rule id.

Each check takes the whole frame (all columns as strings, "" for blank) and
returns a boolean Series, True where the row passes. Rules that need Python
per value (IP networks, the password estimator) run it only on the distinct
values or the few literal rows that need it.
"""

from __future__ import annotations

import ipaddress
from functools import cache

import numpy as np
import pandas as pd
from pandera import extensions

from schema import password as pw
from schema.columns import AUTO_PASSWORD, BOOLEAN_COLUMNS, FALSE_WORDS, TRANSPORTS, TRUE_WORDS
from schema.phone import valid_e164

_BOOL_WORDS = sorted(TRUE_WORDS | FALSE_WORDS)


def _register(fn):  # type: ignore[no-untyped-def]
    return extensions.register_check_method(
        statistics=["params"], supported_types=[pd.DataFrame], check_type="vectorized"
    )(fn)


def truthy(col: pd.Series) -> pd.Series:
    return col.str.lower().isin(TRUE_WORDS).astype(bool)


def _blank(col: pd.Series) -> pd.Series:
    return (col == "").astype(bool)


def _numeric_codes(df: pd.DataFrame) -> pd.Series:
    ok = df["code"].str.fullmatch(r"[1-9][0-9]{0,17}").fillna(False).astype(bool)
    return pd.to_numeric(df["code"].where(ok, "0"), errors="coerce").fillna(0).astype("int64")


def literal_mask(df: pd.DataFrame) -> pd.Series:
    p = df["password"]
    return ~(_blank(p) | (p.str.lower() == AUTO_PASSWORD)).astype(bool)


# --- code -----------------------------------------------------------------

@_register
def code_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return df["code"].str.fullmatch(r"[1-9][0-9]*").fillna(False).astype(bool)


@_register
def code_length(df: pd.DataFrame, *, params: tuple[int, int]) -> pd.Series:
    n = df["code"].str.len()
    return (_blank(df["code"]) | ((n >= params[0]) & (n <= params[1]))).astype(bool)


@_register
def code_duplicate(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~(df["code"].duplicated(keep=False) & ~_blank(df["code"])).astype(bool)


@_register
def code_reserved(df: pd.DataFrame, *, params: tuple[str, ...]) -> pd.Series:
    return ~df["code"].isin(params).astype(bool)


def prefix_owner(codes: pd.Series) -> pd.Series:
    """For each code, the shortest *other* code that is a proper prefix of it ("" if none)."""
    out = pd.Series("", index=codes.index, dtype=object)
    valid = codes[codes.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)]
    lengths = valid.str.len()
    for length in sorted(lengths.unique()):
        shorter = set(valid[lengths == length])
        longer = valid[lengths > length]
        heads = longer.str.slice(0, int(length))
        hit = heads.isin(shorter).astype(bool) & (out.loc[longer.index] == "")
        out.loc[hit[hit].index] = heads[hit].astype(object)
    return out


@_register
def code_prefix(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    # Report on the longer code: that is the one dialled wrong in overlap dialling.
    return (prefix_owner(df["code"]) == "").astype(bool)


@_register
def code_team_range(
    df: pd.DataFrame, *, params: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    codes = _numeric_codes(df)
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
    bad = (
        (n.str.len() < 1) | (n.str.len() > 64)
        | n.str.contains(r"[\x00-\x1f\x7f]", regex=True)
        | (n.str.strip() != n)
    )
    return ~bad.fillna(True).astype(bool)


@_register
def name_formula(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~df["name"].str.match(r"[=+\-@]").fillna(False).astype(bool)


# --- username -------------------------------------------------------------

@_register
def username_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    u = df["username"]
    return (_blank(u) | u.str.fullmatch(r"[A-Za-z0-9._-]{1,40}").fillna(False)).astype(bool)


def effective_username(df: pd.DataFrame) -> pd.Series:
    return df["username"].where(~_blank(df["username"]), df["code"]).str.lower()


@_register
def username_duplicate(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    eff = effective_username(df)
    # A blank username *is* the code, so two blank rows are a code-duplicate, not this.
    dup = eff.duplicated(keep=False) & ~(_blank(df["username"]) & df["code"].duplicated(keep=False))
    return ~(dup & ~_blank(eff)).astype(bool)


@_register
def username_code_clash(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    u = df["username"].str.lower()
    clash = u.isin(set(df["code"])) & (u != df["code"]) & ~_blank(u)
    return ~clash.astype(bool)


# --- password (literal rows only) ----------------------------------------

def _literal_apply(df: pd.DataFrame, test: object) -> pd.Series:
    ok = pd.Series(True, index=df.index)
    lit = literal_mask(df)
    if lit.any():
        rows = df.loc[lit, ["password", "code", "username", "name"]]
        values = [test(*r) for r in rows.itertuples(index=False, name=None)]  # type: ignore[operator]
        ok.loc[rows.index] = values
    return ok


@_register
def password_length(df: pd.DataFrame, *, params: tuple[int]) -> pd.Series:
    n = df["password"].str.len()
    return (~literal_mask(df) | ((n >= params[0]) & (n <= 64))).astype(bool)


@_register
def password_charset(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _literal_apply(df, lambda p, *_: pw.charset_ok(p))


@_register
def password_personal(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _literal_apply(df, lambda p, c, u, n: not pw.personal_hits(p, c, u, n))


@_register
def password_sequence(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return _literal_apply(df, lambda p, *_: not pw.has_run(p))


@_register
def password_guessable(df: pd.DataFrame, *, params: tuple[float, int]) -> pd.Series:
    min_bits, min_len = params
    ok = pd.Series(True, index=df.index)
    lit = literal_mask(df) & (df["password"].str.len() >= min_len).astype(bool)
    if not lit.any():
        return ok
    rows = df.loc[lit, ["password", "code", "username", "name"]]
    items = [
        (p, [x for x in (c, u, *n.split()) if x])
        for p, c, u, n in rows.itertuples(index=False, name=None)
    ]
    bits = np.asarray(pw.estimate_bits(items))
    ok.loc[rows.index] = bits >= min_bits
    return ok


# --- other columns --------------------------------------------------------

@_register
def call_limit_range(df: pd.DataFrame, *, params: tuple[int]) -> pd.Series:
    c = df["call_limit"]
    digits = c.str.fullmatch(r"[0-9]{1,6}").fillna(False).astype(bool)
    value = pd.to_numeric(c.where(digits, "0"), errors="coerce").fillna(0)
    return (_blank(c) | (digits & (value >= 1) & (value <= params[0]))).astype(bool)


@_register
def boolean_format(df: pd.DataFrame, *, params: tuple[str]) -> pd.Series:
    col = df[params[0]]
    return (_blank(col) | col.str.lower().isin(_BOOL_WORDS)).astype(bool)


@_register
def forward_number_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    f = df["forward_number"]
    return (_blank(f) | f.str.fullmatch(r"\+[1-9][0-9]{1,14}").fillna(False)).astype(bool)


@_register
def forward_number_invalid(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    f = df["forward_number"]
    canonical = f.str.fullmatch(r"\+[1-9][0-9]{1,14}").fillna(False).astype(bool)
    ok = pd.Series(True, index=df.index)
    if canonical.any():
        ok.loc[canonical] = valid_e164(f[canonical]).to_numpy()
    return ok


@cache
def ip_problem(value: str) -> str | None:
    """None when the allowed_ips list is fine, else the rule id of the first problem."""
    for item in value.split(";"):
        item = item.strip()
        try:
            net = ipaddress.ip_network(item, strict=False)
        except ValueError:
            return "allowed-ips-format"
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError:
            return "allowed-ips-host-bits"
        if net.prefixlen == 0:
            return "allowed-ips-any"
    return None


def _ip_rule(df: pd.DataFrame, rule: str) -> pd.Series:
    col = df["allowed_ips"]
    present = ~_blank(col)
    ok = pd.Series(True, index=df.index)
    if present.any():
        distinct = col[present].unique()  # office subnets repeat: parse each once
        verdict = {v: ip_problem(v) != rule for v in distinct}
        ok.loc[present] = col[present].map(verdict).astype(bool).to_numpy()
    return ok


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
def allowed_ips_required(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~(_blank(df["allowed_ips"]) & ~truthy(df["remote"])).astype(bool)


@_register
def team_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    t = df["team"]
    return (_blank(t) | t.str.fullmatch(r"[a-z0-9-]+").fillna(False)).astype(bool)


_EMAIL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"


@_register
def owner_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    o = df["owner"]
    return (_blank(o) | o.str.fullmatch(_EMAIL).fillna(False)).astype(bool)


@_register
def owner_required(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return ~_blank(df["owner"])


def rotation_dates(df: pd.DataFrame) -> pd.Series:
    d = df["password_rotated"]
    shaped = d.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").fillna(False).astype(bool)
    return pd.to_datetime(d.where(shaped, None), format="%Y-%m-%d", errors="coerce")


@_register
def rotation_date_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (_blank(df["password_rotated"]) | rotation_dates(df).notna()).astype(bool)


@_register
def rotation_date_future(df: pd.DataFrame, *, params: tuple[str]) -> pd.Series:
    return ~(rotation_dates(df) > pd.Timestamp(params[0])).astype(bool)


@_register
def rotation_overdue(df: pd.DataFrame, *, params: tuple[str, int]) -> pd.Series:
    today, days = params
    oldest = pd.Timestamp(today) - pd.Timedelta(days=days)
    dates = rotation_dates(df)
    overdue = truthy(df["high_risk"]) & ~(dates >= oldest).astype(bool)
    return ~overdue


@_register
def transport_format(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    t = df["transport"]
    return (_blank(t) | t.isin(TRANSPORTS)).astype(bool)


@_register
def notes_length(df: pd.DataFrame, *, params: tuple[object, ...]) -> pd.Series:
    return (df["notes"].str.len() <= 200).astype(bool)


__all__ = ["BOOLEAN_COLUMNS"]
