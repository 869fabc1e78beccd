"""Checks that refuse a plan before anything is written, naming the CSV row.

A refusal names each row as the validator does (`extensions.csv:12:username`),
so the person fixing it lands on the line; the file name and each row's
physical line come with the desired rows (validate keeps them: `attrs["source"]`
and the `line` column).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from extctl.errors import CheckFailed, TargetError

if TYPE_CHECKING:
    import pandas as pd

    from plan.changes import Plan

MAX_NAMED = 20
DEFAULT_SOURCE = "extensions.csv"


def isin(column: pd.Series, values: Sequence[str]) -> pd.Series:
    """column.isin(values) as one pyarrow hash lookup (pandas converts each value)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.array(column.astype(str), type=pa.large_string())
    found = pc.is_in(keys, value_set=pa.array(list(values), type=pa.large_string()))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=column.index, dtype=bool)


def where(desired: pd.DataFrame, codes: Sequence[str], column: str) -> dict[str, str]:
    """code -> "file:line:column: CODE" (or "CODE column" when the rows carry no line)."""
    source = str(desired.attrs.get("source", DEFAULT_SOURCE))
    lines: dict[str, str] = {}
    if "line" in desired.columns:
        rows = desired[isin(desired["code"], codes)]
        lines = dict(zip(rows["code"].astype(str), rows["line"].astype(str), strict=True))
    return {c: f"{source}:{lines[c]}:{column}: {c}" if c in lines else f"{c} {column}"
            for c in codes}


def refuse_rows(desired: pd.DataFrame, head: str,
                found: Sequence[tuple[str, str, str]]) -> None:
    """CheckFailed listing (code, column, message), one located line each."""
    if not found:
        return
    shown = list(found)[:MAX_NAMED]
    lines = [f"{where(desired, [code], column)[code]}: {message}"
             for code, column, message in shown]
    more = len(found) - len(shown)
    tail = [f"... and {more} more"] if more > 0 else []
    raise CheckFailed(head + ":\n  " + "\n  ".join([*lines, *tail]))


def username_conflicts(desired: pd.DataFrame, want: pd.DataFrame, written: Sequence[str],
                       have: pd.DataFrame, foreign: Sequence[str]) -> None:
    """Refuse a written row whose username (ignoring case, as SIP registrars and
    the validator compare them) an extension extctl does not manage holds.

    `want`: normalised desired rows (username resolved); `have`: the state;
    `foreign`: codes of unmanaged state rows no CSV row adopts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not written or not foreign:
        return
    holders = have[isin(have["code"], foreign)]
    theirs = pc.utf8_lower(pa.array(holders["username"].astype(str), type=pa.large_string()))
    rows = want[isin(want["code"], written)]
    ours = pc.utf8_lower(pa.array(rows["username"].astype(str), type=pa.large_string()))
    hit = pc.is_in(ours, value_set=theirs).to_numpy(zero_copy_only=False)
    if not hit.any():
        return
    by_name = dict(zip(theirs.to_pylist(), holders["code"].astype(str), strict=True))
    found = []
    for code, user in zip(rows["code"][hit], rows["username"][hit], strict=True):
        other = by_name[user.lower()]
        if other.isdigit():
            adopt = (f"adopt it: change this row's code to {other}, and extctl manages "
                     "that extension from now on")
        else:
            adopt = (f"adopt it: give that PBX extension a dial code and this row that "
                     f"code (or delete the stale {other!r} on the PBX)")
        found.append((code, "username", f"username {user} is already held on the PBX by "
                      f"{other}, which extctl does not manage. Either {adopt}; or give "
                      f"{code} another username"))
    refuse_rows(desired, "the plan would take usernames the PBX already uses", found)


def bindings(want: pd.DataFrame, written: Sequence[str], key: str
             ) -> tuple[tuple[str, str], ...]:
    """A keyed digest per written code over every value apply will write for it
    (the literal password included): a saved plan is bound to those values."""
    from pbx.base import state_digests
    from schema.columns import COLUMNS

    if not key or not written:
        return ()
    rows = want[isin(want["code"], written)]
    digests = state_digests(rows, key, COLUMNS)
    return tuple(zip(digests.index.tolist(), digests.tolist(), strict=True))


def locate_error(err: TargetError, plan: Plan, desired: pd.DataFrame) -> TargetError:
    """The database's refusal with the CSV rows it names (a code or a username of
    a row the plan writes appears in its text), as file:line:column."""
    import re

    text = str(err)
    tokens = set(re.findall(r"[A-Za-z0-9._-]+", text.lower()))
    written = [c.code for c in plan.changes if c.action != "delete"]
    if not written or "code" not in desired.columns:
        return err
    rows = desired[isin(desired["code"], written)]
    users = rows["username"].astype(str) if "username" in rows.columns else rows["code"]
    users = users.where(users != "", rows["code"].astype(str))
    found: list[tuple[str, str]] = []
    for code, user in zip(rows["code"].astype(str), users, strict=True):
        if user.lower() in tokens and user != code:
            found.append((code, "username"))
        elif code in tokens:
            found.append((code, "code"))
    if not found:
        found = _row_numbered(text, written)
    if not found:
        return err
    places = [where(desired, [code], column)[code] for code, column in found[:MAX_NAMED]]
    return type(err)(text + "\n  at " + "\n  at ".join(places))


# Database columns the targets write, by the CSV column they come from.
_DB_COLUMN = {"callerid": "name", "permit": "allowed_ips", "deny": "allowed_ips",
              "id": "code", "uuid": "code", "auth": "code", "aors": "code",
              "device_state_busy_at": "call_limit", "max_contacts": "enabled",
              "remove_existing": "enabled", "ha1": "password", "ha1b": "password"}
# MySQL/MariaDB say "... for column 'x' at row N", N counting the rows of one
# INSERT statement; PyMySQL sends up to ~1 MB per statement, so N is the
# position among the written codes (sorted, as the targets insert them) only
# while every row fits in one statement: this many rows, with room to spare.
_ONE_STATEMENT_ROWS = 1000


def _row_numbered(text: str, written: Sequence[str]) -> list[tuple[str, str]]:
    import re

    m = re.search(r"column '([A-Za-z_]+)' at row (\d+)", text)
    if m is None or len(written) > _ONE_STATEMENT_ROWS:
        return []
    codes = sorted(written)
    n = int(m.group(2))
    if not 1 <= n <= len(codes):
        return []
    return [(codes[n - 1], _DB_COLUMN.get(m.group(1), m.group(1)))]
