"""One clear sentence per failing row, saying what is wrong and what to do.

Runs only on failing rows. Never includes a password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from extctl.policy import Policy
from schema import password as pw
from schema.checks import effective_username, prefix_owner, reserved_hit
from schema.invisible import first_invisible


@dataclass
class Context:
    frame: pd.DataFrame  # with a "line" column
    policy: Policy
    today: str

    @cached_property
    def first_line_by_code(self) -> dict[str, list[int]]:
        f = self.frame
        dup = f[f["code"].duplicated(keep=False)]
        return {str(k): sorted(int(x) for x in v) for k, v in dup.groupby("code")["line"]}

    @cached_property
    def lines_by_username(self) -> dict[str, list[int]]:
        named = self.frame["username"] != ""
        eff = effective_username(self.frame).where(named, None)
        dup = eff.duplicated(keep=False) & named
        lines = self.frame["line"][dup]
        return {str(k): sorted(int(x) for x in v) for k, v in lines.groupby(eff[dup])}

    @cached_property
    def line_by_code(self) -> dict[str, int]:
        f = self.frame.drop_duplicates("code")
        return dict(zip(f["code"].astype(str), f["line"].astype(int), strict=True))

    @cached_property
    def prefixes(self) -> pd.Series:
        return prefix_owner(self.frame)


Row = dict[str, str]


def _others(lines: list[int], me: int) -> str:
    rest = [str(x) for x in lines if x != me]
    return ", ".join(rest[:5]) + (" ..." if len(rest) > 5 else "")


def _team_range(row: Row, ctx: Context) -> str:
    ranges = ctx.policy.team_ranges().get(row["team"], ())
    spans = ", ".join(f"{lo}-{hi}" for lo, hi in ranges)
    return (f"code {row['code']} is outside team {row['team']}'s range {spans}: "
            "pick a free code in it")


def _reserved(row: Row, ctx: Context) -> str:
    reserved = ctx.policy.reserved_codes
    hit = int(reserved_hit(pd.Series([row["code"]], dtype="string[pyarrow]"), reserved)[0])
    other = reserved[hit] if hit >= 0 else row["code"]
    if other == row["code"]:
        return f"code {row['code']} is a reserved/emergency number: pick another code"
    how = "starts with" if row["code"].startswith(other) else "is the start of"
    return (f"code {row['code']} {how} the reserved/emergency number {other}: a PBX that "
            "matches digits as they are dialled would mix them up; pick another code")


def _prefix(row: Row, ctx: Context) -> str:
    short = str(ctx.prefixes.get(int(row["_idx"]), ""))
    return (f"code {row['code']} starts with code {short} (line "
            f"{ctx.line_by_code.get(short, '?')}): with overlap dialling the shorter one "
            "rings first; renumber one of them")


_M: dict[str, Callable[[Row, Context], str]] = {
    "code-format": lambda r, c: (
        "code is required: add the dial code" if not r["code"] else
        f"code {r['code']!r} must be ASCII digits without a leading zero"),
    "code-length": lambda r, c: (
        f"code {r['code']} has {len(r['code'])} digits; the policy allows "
        f"{c.policy.code_min_length}-{c.policy.code_max_length}"),
    "code-duplicate": lambda r, c: (
        f"code {r['code']} is also on line "
        f"{_others(c.first_line_by_code.get(r['code'], []), int(r['line']))}: "
        "codes must be unique"),
    "code-reserved": _reserved,
    "code-prefix": _prefix,
    "code-team-range": _team_range,
    "name-format": lambda r, c: (
        "name is required" if not r["name"] else
        "name must be 1-64 characters without leading/trailing spaces"),
    "name-formula": lambda r, c: (
        "name starts with = + - or @, which a spreadsheet runs as a formula: reword it"),
    "username-format": lambda r, c: (
        "username must be 1-40 characters of A-Z a-z 0-9 . _ - (or blank for the code)"),
    "username-duplicate": lambda r, c: (
        f"username {r['username'] or r['code']!r} is also used on line "
        f"{_others(c.lines_by_username.get(r['username'].lower(), []), int(r['line']))}"
        " (usernames are unique ignoring case)"),
    "username-code-clash": lambda r, c: (
        f"username {r['username']!r} is the code of line "
        f"{c.line_by_code.get(r['username'].lower(), '?')}: a SIP client would reach the wrong "
        "extension; choose another username"),
    "password-literal": lambda r, c: (
        "password is a literal: everyone who can read the repository (and its history) "
        "reads it; write auto instead to have a random one generated at apply (then "
        "extctl credentials shows it), and rotate this one, since it stays in git history"),
    "password-length": lambda r, c: (
        f"password is {len(r['password'])} characters; literal passwords need "
        f"{c.policy.min_length}-64 (or write auto to have one generated)"),
    "password-charset": lambda r, c: (
        "password may only hold printable ASCII without spaces or , ; \" ' \\ "
        "(or write auto)"),
    "password-personal": lambda r, c: (
        "password contains the row's " + " and ".join(sorted({
            "code" if h.lower() == r["code"].lower()
            else "username" if h.lower() == r["username"].lower()
            else "name" for h in pw.personal_hits(r["password"], r["code"], r["username"],
                                                  r["name"])})) +
        ": use an unrelated random secret (or auto)"),
    "password-sequence": lambda r, c: (
        "password has 4 or more repeated or sequential characters: use a random secret "
        "(or auto)"),
    "password-guessable": lambda r, c: (
        f"password is guessable (dictionary, company and PBX words, keyboard walks, dates) below "
        f"{c.policy.min_guess_bits:g} bits: use a random secret (or auto)"),
    "call-limit-range": lambda r, c: (
        f"call_limit {r['call_limit']!r} must be a whole number from 1 to "
        f"{c.policy.max_call_limit} (blank for the target's default)"),
    "boolean-format": lambda r, c: (
        f"{r['_column']} {r[r['_column']]!r} is not a boolean: use true or false "
        "(yes/no/1/0 also accepted)"),
    "forward-number-format": lambda r, c: (
        f"forward_number {r['forward_number']!r} is not canonical E.164: write + then the "
        "country code and number, digits only (e.g. +14085550123)"),
    "forward-number-invalid": lambda r, c: (
        f"forward_number {r['forward_number']} is not a valid number for its country: "
        "check for a typo"),
    "allowed-ips-format": lambda r, c: (
        f"allowed_ips {r['allowed_ips']!r} holds something that is not an IP address or "
        "network; separate entries with ;"),
    "allowed-ips-host-bits": lambda r, c: (
        f"allowed_ips {r['allowed_ips']!r} has a network with host bits set: write the "
        "network address (e.g. 10.0.0.0/24, not 10.0.0.1/24)"),
    "allowed-ips-any": lambda r, c: (
        f"allowed_ips {r['allowed_ips']!r} together covers more than an IPv4 "
        f"/{c.policy.allowed_ips_widest_ipv4} or an IPv6 /{c.policy.allowed_ips_widest_ipv6} "
        "(the policy's limit), close to opening the extension to the whole Internet: list "
        "the office networks, or leave blank with remote=true"),
    "allowed-ips-mapped": lambda r, c: (
        f"allowed_ips {r['allowed_ips']!r} holds an IPv4-mapped IPv6 network "
        "(inside ::ffff:0:0/96): write the IPv4 network itself (e.g. 10.0.0.0/24)"),
    "allowed-ips-required": lambda r, c: (
        "allowed_ips is blank but the extension is not remote: list the networks it "
        "registers from, or set remote=true so the audit watches it"),
    "team-format": lambda r, c: f"team {r['team']!r} must be lowercase [a-z0-9-]+",
    "owner-format": lambda r, c: f"owner {r['owner']!r} is not an e-mail address",
    "owner-required": lambda r, c: (
        "owner is required by the policy: add the e-mail of the person or team that owns it"),
    "rotation-date-format": lambda r, c: (
        f"password_rotated {r['password_rotated']!r} is not a date YYYY-MM-DD"),
    "rotation-date-future": lambda r, c: (
        f"password_rotated {r['password_rotated']} is after today ({c.today})"),
    "rotation-overdue": lambda r, c: (
        f"high-risk extension {r['code']} needs a password rotation within "
        f"{c.policy.rotation_days} days (last: {r['password_rotated'] or 'never'}): "
        f"run extctl rotate {r['code']}"),
    "transport-format": lambda r, c: (
        f"transport {r['transport']!r} must be udp, tcp or tls"),
    "notes-length": lambda r, c: f"notes are {len(r['notes'])} characters; the limit is 200",
    "text-invisible": lambda r, c: (
        f"{r['_column']} holds the invisible or control character "
        f"{first_invisible(r[r['_column']])}, which can make the caller ID or the plan show "
        "something else than what is stored: remove it"),
}


def message(rule: str, row: Row, ctx: Context) -> str:
    return _M[rule](row, ctx)


__all__ = ["Context", "message"]
