"""`extctl hr-sync HR.csv`: disable the extensions of people who left.

Never deletes and never re-enables: a person shows up in a pull request's
diff, and re-enabling an account is a decision HR data alone cannot make.
Rows without an owner, or owned by a team, are not HR's business.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from edit.document import Loaded, finish
from edit.hrfile import HrColumns, read_hr
from edit.report import Item, Outcome, Section


@dataclass(frozen=True)
class HrRequest:
    hr_path: str
    columns: HrColumns = field(default_factory=HrColumns)
    update_forwarding: bool = False
    region: str | None = None  # for HR mobiles written without +country


def team_owned(owners: pd.Series, teams: set[str], patterns: tuple[str, ...]) -> pd.Series:
    """Owner addresses that name a team, not a person: the policy's
    [hr] team_owners patterns, or a local part that is a team's name or
    starts with it and a dash (support@…, support-leads@…)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(owners, type=pa.large_string(), from_pandas=True)
    mask = np.zeros(len(owners), dtype=bool)
    if teams:
        # one RE2 pass for every team (team names are [a-z0-9-]+)
        names = "|".join(re.escape(t) for t in sorted(teams))
        hit = pc.match_substring_regex(arr, f"^(?:{names})(?:-[^@]*)?@")
        mask |= hit.to_numpy(zero_copy_only=False).astype(bool)
    for pattern in patterns:  # the policy's few patterns
        mask |= owners.str.fullmatch(fnmatch.translate(pattern)).fillna(False).to_numpy(bool)
    return pd.Series(mask, index=owners.index)


def _e164(numbers: list[str], region: str | None) -> dict[str, str | None]:
    """Each distinct HR number in E.164, or None when it is not a valid number."""
    import phonenumbers

    out: dict[str, str | None] = {}
    for raw in numbers:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            out[raw] = None
            continue
        ok = phonenumbers.is_valid_number(parsed)
        out[raw] = phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164) if ok else None
    return out


def _people(hr: pd.DataFrame, gone_statuses: tuple[str, ...]) -> pd.DataFrame:
    """One row per e-mail: gone only when every HR row of it says so (a
    rehire is a second, active row), its status line, its last mobile."""
    hr = hr[hr["email"] != ""].assign(gone=lambda d: d["status"].isin(gone_statuses))
    people = hr.groupby("email", sort=False).agg(
        gone=("gone", "all"), line=("line", "last"), status=("status", "last"))
    mobiles = hr[hr["mobile"] != ""].groupby("email", sort=False).agg(
        mobile=("mobile", "last"), mobile_line=("line", "last"))
    return people.join(mobiles, how="left")


def _forwarding(f: pd.DataFrame, rows: pd.Series, mobile: pd.Series, mline: pd.Series,
                req: HrRequest) -> tuple[list[Item], dict[int, str]]:
    """Report rows forwarding elsewhere than the owner's mobile; the E.164
    rewrites to make with --update-forwarding (row position -> number)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # cheap first: the digits and + of the HR number equal to the forward
    # number (most rows) need no libphonenumber parse
    plain = pc.replace_substring_regex(pa.array(mobile, type=pa.large_string()),
                                       r"[\s().\-/]", "")
    forward = pa.array(f["forward_number"], type=pa.large_string(), from_pandas=True)
    same = pc.equal(plain, forward).to_numpy(zero_copy_only=False).astype(bool)
    differ = rows & ~same
    if not differ.any():
        return [], {}
    idx = differ[differ].index
    formatted = _e164(sorted(set(mobile[idx].tolist())), req.region)
    items: list[Item] = []
    updates: dict[int, str] = {}
    for i in idx.tolist():
        raw = str(mobile[i])
        fwd, code = str(f.at[i, "forward_number"]), str(f.at[i, "code"])
        e164 = formatted[raw]
        where = f"{req.hr_path} line {int(mline[i])}"
        if e164 == fwd:
            continue
        if e164 is None:
            items.append(Item(code, f"forwards to {fwd}; the owner's mobile in HR ({where}) "
                                    f"is {raw!r}, not a valid phone number"
                                    + ("" if req.region else " (a national number needs "
                                       "--region, e.g. --region US)") + ": not updated"))
            continue
        if req.update_forwarding:
            updates[i] = e164
            items.append(Item(code, f"forward_number {fwd} -> {e164} (owner's mobile in HR, "
                                    f"{where})"))
        else:
            items.append(Item(code, f"forwards to {fwd} but the owner's mobile in HR ({where}) "
                                    f"is {e164}: check it, or run with --update-forwarding"))
    return items, updates


def hr_sync(loaded: Loaded, req: HrRequest, *, dry_run: bool, force: bool) -> Outcome:
    hr = read_hr(req.hr_path, req.columns)
    policy = loaded.policy
    people = _people(hr, policy.hr_gone_statuses)
    f = loaded.frame
    owner = f["owner"].astype(str).str.strip().str.lower()
    teams = set(f["team"][f["team"] != ""].unique().tolist()) | set(policy.team_ranges())
    person = (owner != "") & ~team_owned(owner, teams, policy.hr_team_owners)
    gone = owner.map(people["gone"])
    known = person & gone.notna()
    left = known & (gone == True)  # noqa: E712 - NaN (unknown) is neither
    enabled = f["enabled"] != "false"  # blank means enabled
    disable = left & enabled
    again = known & ~left & ~enabled
    unknown = person & ~known

    line = owner.map(people["line"])
    status = owner.map(people["status"])
    sections = [
        Section("left", "Owner left: disabled", tuple(
            Item(c, f"owner {o} is {s!r} in HR ({req.hr_path} line {int(n)})")
            for c, o, s, n in zip(f["code"][disable], owner[disable], status[disable],
                                  line[disable], strict=True))),
        Section("active_again", "Owner is active again (left disabled: enable it by hand "
                "if that is right)", tuple(
            Item(c, f"owner {o} is active in HR ({req.hr_path} line {int(n)})")
            for c, o, n in zip(f["code"][again], owner[again], line[again], strict=True))),
        Section("unknown_owners", "Owners HR does not know", tuple(
            Item(c, f"owner {o} is not in {req.hr_path}")
            for c, o in zip(f["code"][unknown], owner[unknown], strict=True))),
    ]
    new = f.drop(columns="line")
    new.loc[disable, "enabled"] = "false"
    if bool(hr.attrs.get("has_mobile")):
        mobile = owner.map(people["mobile"]).fillna("")
        mline = owner.map(people["mobile_line"]).fillna(0)
        rows = known & ~left & (f["forward_number"] != "") & (mobile != "")
        items, updates = _forwarding(f, rows, mobile, mline, req)
        if updates:
            new.loc[list(updates), "forward_number"] = list(updates.values())
        sections.append(Section("forwarding", "Forwarding differs from the owner's mobile in HR",
                                tuple(items)))
    edit = finish(loaded, new, dry_run=dry_run, force=force)
    return Outcome("hr-sync", edit, tuple(sections))
