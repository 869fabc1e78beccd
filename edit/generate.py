"""`extctl generate`: append N rows with sequential codes and common settings."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from edit.codes import Taken, digits, first_free_block
from edit.document import Edit, Loaded, finish
from edit.report import Item, Outcome, Section
from extctl.errors import CheckFailed, UsageError
from plan.render_text import named
from schema.columns import AUTO_PASSWORD, COLUMNS, DEFAULTS

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_PART = re.compile(r"(\{code\}|\{n\})")
MAX_COUNT = 1_000_000


@dataclass(frozen=True)
class GenerateRequest:
    count: int
    name: str
    start: int | None = None
    team: str | None = None
    username: str | None = None
    call_limit: int | None = None
    owner: str | None = None
    allowed_ips: str | None = None
    remote: bool = False
    transport: str | None = None
    notes: str | None = None


def _check_pattern(flag: str, pattern: str) -> None:
    for m in _PLACEHOLDER.finditer(pattern):
        if m.group(1) not in ("code", "n"):
            raise UsageError(f"{flag} {pattern!r}: unknown placeholder {{{m.group(1)}}}; "
                             "use {code} (the dial code) or {n} (1, 2, 3, ...)")


def expand(pattern: str, codes: pd.Series, numbers: pd.Series) -> pd.Series:
    """The pattern for every row at once ({code}, {n}), by string concatenation."""
    out = pd.Series([""] * len(codes), index=codes.index, dtype=object)
    for part in _PART.split(pattern):
        if part == "{code}":
            out = out + codes
        elif part == "{n}":
            out = out + numbers
        elif part:
            out = out + part
    return out


def _start(loaded: Loaded, req: GenerateRequest, taken: Taken) -> int:
    if req.start is not None:
        return req.start
    assert req.team is not None
    ranges = loaded.policy.team_ranges().get(req.team)
    if not ranges:
        raise UsageError(f"--team {req.team}: extctl.toml defines no code range for this team "
                         f"([teams.{req.team}] codes = [\"2300-2399\"]); pass --start CODE")
    start = first_free_block(taken, ranges, req.count)
    if start is None:
        shown = ", ".join(f"{lo}-{hi}" for lo, hi in ranges)
        raise CheckFailed(f"team {req.team}'s range ({shown}) has no {req.count} consecutive "
                          "free codes; nothing was written")
    return start


def _refuse_blocked(loaded: Loaded, req: GenerateRequest, codes: np.ndarray,
                    taken: Taken) -> None:
    problems: list[str] = []
    blocked = taken.blocked(codes)
    if blocked.any():
        lines = dict(zip(loaded.frame["code"].astype("int64").tolist(),
                         loaded.frame["line"].tolist(), strict=True))
        problems += [taken.reason(int(c), lines) for c in codes[blocked][:20]]
    among = Taken.has_prefix_in(codes, digits(codes), np.unique(codes))
    if among.any():
        problems += [f"code {c} collides with the new code {str(c)[:k]}: it is a prefix, so "
                     f"dialling {c} reaches {str(c)[:k]} first"
                     for c in codes[among][:20].tolist()
                     for k in [next(k for k in range(1, len(str(c)))
                                    if int(str(c)[:k]) in set(codes.tolist()))]]
    if req.team is not None:
        ranges = loaded.policy.team_ranges().get(req.team, ())
        if ranges:
            inside = np.zeros(len(codes), dtype=bool)
            for lo, hi in ranges:
                inside |= (codes >= lo) & (codes <= hi)
            if not inside.all():
                shown = ", ".join(f"{lo}-{hi}" for lo, hi in ranges)
                bad = [str(c) for c in codes[~inside]]
                problems.append(f"codes {named(bad, 20)} are outside team {req.team}'s range "
                                f"({shown})")
    if problems:
        raise CheckFailed("cannot generate these rows; nothing was written:\n  "
                          + "\n  ".join(problems))


def _allowed_ips(loaded: Loaded, req: GenerateRequest) -> tuple[str, list[Item]]:
    """--allowed-ips, or blank for --remote, or the office network most
    existing rows of the team (of the file, without --team) use."""
    if req.allowed_ips is not None or req.remote:
        return req.allowed_ips or "", []
    f = loaded.frame
    pool = f[(f["allowed_ips"] != "") & (f["remote"] != "true")]
    if req.team is not None and (pool["team"] == req.team).any():
        pool = pool[pool["team"] == req.team]
    if pool.empty:
        raise UsageError("the new rows need --allowed-ips NETWORKS (desk phones in the office) "
                         "or --remote (phones that register from anywhere): no existing row "
                         "has an office network to copy")
    counts = pool["allowed_ips"].value_counts()
    value, used = str(counts.index[0]), int(counts.iloc[0])
    note = Item("", f"allowed_ips {value} copied from {used} existing row(s)"
                    f"{' of team ' + req.team if req.team else ''}; pass --allowed-ips or "
                    "--remote to choose")
    return value, [note]


def new_rows(loaded: Loaded, req: GenerateRequest, codes: np.ndarray,
             allowed: str) -> pd.DataFrame:
    n = len(codes)
    code_text = pd.Series(codes.astype(str), dtype=object)
    numbers = pd.Series(np.arange(1, n + 1).astype(str), dtype=object)
    header = set(loaded.header)

    def default(col: str) -> str:
        return DEFAULTS.get(col, "") if col in header else ""

    values: dict[str, pd.Series | str] = {c: default(c) for c in COLUMNS}
    values.update(
        code=code_text,
        name=expand(req.name, code_text, numbers),
        username=expand(req.username, code_text, numbers) if req.username else "",
        password=AUTO_PASSWORD,
        call_limit="" if req.call_limit is None else str(req.call_limit),
        allowed_ips=allowed,
        team=req.team or "",
        owner=req.owner or "",
        notes=req.notes or "",
    )
    if req.remote:
        values["remote"] = "true"
    if req.transport is not None:
        values["transport"] = req.transport
    # a scalar is broadcast to every new row
    return pd.DataFrame(values, index=range(n), columns=list(COLUMNS), dtype=object)


def generate(loaded: Loaded, req: GenerateRequest, *, dry_run: bool,
             force: bool) -> Outcome:
    if not 1 <= req.count <= MAX_COUNT:
        raise UsageError(f"--count must be from 1 to {MAX_COUNT}")
    if req.start is None and req.team is None:
        raise UsageError("pass --start CODE or --team TEAM (the first free block of its range)")
    _check_pattern("--name", req.name)
    if req.username is not None:
        _check_pattern("--username", req.username)
        if req.count > 1 and not _PART.search(req.username):
            raise CheckFailed(f"--username {req.username!r} has no {{code}} or {{n}}: all "
                              f"{req.count} rows would share one username; nothing was written")
    taken = Taken(loaded.frame["code"].astype("int64").to_numpy(), loaded.policy,
                  loaded.path.name)
    start = _start(loaded, req, taken)
    codes = np.arange(start, start + req.count, dtype=np.int64)
    _refuse_blocked(loaded, req, codes, taken)
    allowed, notes = _allowed_ips(loaded, req)
    rows = new_rows(loaded, req, codes, allowed)
    old = loaded.frame[list(COLUMNS)]
    # the new rows in the file's own column types: concat without converting
    # 100,000 existing rows to Python objects
    rows = rows.astype(old.dtypes.to_dict())
    combined = pd.concat([old, rows], ignore_index=True)
    edit: Edit = finish(loaded, combined, dry_run=dry_run, force=force)
    return Outcome("generate", edit, (Section("notes", "Notes", tuple(notes)),))
