"""`extctl rotate`: mark passwords rotated today, so apply regenerates them.

extctl only rotates what it generates (`auto`): a literal password lives in
the CSV and only a person can replace it (or switch it to `auto`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from edit.document import Loaded, finish
from edit.report import Item, Outcome, Section
from extctl.errors import CheckFailed, UsageError
from plan.render_text import named
from schema.columns import AUTO_PASSWORD


@dataclass(frozen=True)
class RotateRequest:
    codes: tuple[str, ...] = ()
    overdue: bool = False
    within: int = 0  # --overdue also takes rows due within this many days
    team: str | None = None
    to_auto: bool = False
    check: bool = False


def overdue_mask(frame: pd.DataFrame, today: dt.date, rotation_days: int,
                 within: int) -> pd.Series:
    """High-risk rows whose rotation is older than rotation_days (or will be
    within `within` days); the same comparison as the rotation-overdue rule."""
    dates = pd.to_datetime(frame["password_rotated"].where(frame["password_rotated"] != ""),
                           format="%Y-%m-%d", errors="coerce")
    oldest = pd.Timestamp(today) - pd.Timedelta(days=rotation_days - within)
    high = frame["high_risk"] == "true"
    return (high & ~(dates >= oldest).fillna(False).astype(bool)).astype(bool)


def _due(frame: pd.DataFrame, rotation_days: int) -> list[Item]:
    out = []
    for code, rotated in zip(frame["code"].tolist(), frame["password_rotated"].tolist(),
                             strict=True):
        if rotated:
            due = dt.date.fromisoformat(rotated) + dt.timedelta(days=rotation_days)
            out.append(Item(code, f"last rotated {rotated}, due {due.isoformat()}"))
        else:
            out.append(Item(code, "never rotated (no password_rotated)"))
    return out


def _select(loaded: Loaded, req: RotateRequest) -> pd.Series:
    f = loaded.frame
    picked = pd.Series(True, index=f.index)
    if req.codes:
        unknown = sorted(set(req.codes) - set(f["code"]), key=lambda c: (len(c), c))
        if unknown:
            raise UsageError(f"not in {loaded.path}: {named(unknown, 20)}")
        picked &= f["code"].isin(req.codes)
    if req.team is not None:
        if not (f["team"] == req.team).any():
            raise UsageError(f"no row of {loaded.path} has team {req.team}")
        picked &= f["team"] == req.team
    if req.overdue:
        picked &= overdue_mask(f, loaded.today, loaded.policy.rotation_days, req.within)
    return picked.astype(bool)


def rotate(loaded: Loaded, req: RotateRequest, *, dry_run: bool, force: bool) -> Outcome:
    if not (req.codes or req.overdue or req.team is not None):
        raise UsageError("name the rows: CODE..., --overdue or --team TEAM")
    if req.check and not req.overdue:
        raise UsageError("--check goes with --overdue (exit 1 when anything is overdue)")
    f = loaded.frame
    picked = _select(loaded, req)
    rows = f[picked]
    if req.check:
        items = _due(rows, loaded.policy.rotation_days)
        title = "Overdue" + (f" or due within {req.within} days" if req.within else "")
        return Outcome("rotate", None, (Section("overdue", title, tuple(items)),),
                       failed=bool(items))
    literal = rows["password"].str.lower().ne(AUTO_PASSWORD) & rows["password"].ne("")
    if literal.any() and not req.to_auto:
        codes = rows.loc[literal, "code"].tolist()
        raise CheckFailed(
            f"{named(codes, 20)}: the password is a literal in the CSV, which extctl cannot "
            "rotate; set a new one yourself, or run again with --to-auto to switch "
            "these rows to auto (apply then generates the password); nothing was written"
        )
    new = f.drop(columns="line")
    new.loc[picked, "password_rotated"] = loaded.today.isoformat()
    if req.to_auto:
        new.loc[picked, "password"] = AUTO_PASSWORD
    edit = finish(loaded, new, dry_run=dry_run, force=force)
    return Outcome("rotate", edit)
