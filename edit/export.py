"""`extctl export`: the PBX's extensions as a valid, canonical extensions.csv.

It lives with the editing commands because it ends the same way they do:
rows -> the schema -> canonical bytes (edit/document.py). Passwords are
never exported (`auto`: adopting such a row keeps the phone's password).
What the CSV cannot hold as is needs a person: it is listed with the code
and the fix, and the export exits 1; no cell a spreadsheet would run as a
formula is ever written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from edit.document import to_bytes
from edit.report import Item, Section
from extctl.policy import Policy, TargetConfig
from schema.columns import AUTO_PASSWORD, COLUMNS

FORMULA = ("=", "+", "-", "@")
# Free text: a leading formula character is dropped and the row still exported.
_STRIPPABLE = ("name", "notes")
# Identifiers: changing one would re-key or re-route a phone, so the row is left out.
_IDENTIFIERS = ("username", "owner", "team", "allowed_ips", "call_limit", "password_rotated")


@dataclass(frozen=True)
class Exported:
    data: bytes  # the CSV
    rows: int
    sections: tuple[Section, ...]

    @property
    def needs_decision(self) -> bool:
        return any(s.items for s in self.sections if s.key == "decisions")


def _formula(values: pd.Series) -> pd.Series:
    return values.str.lstrip().str[:1].isin(FORMULA)


def rows_from_state(state: pd.DataFrame) -> tuple[pd.DataFrame, list[Item], list[Item]]:
    """CSV rows for the PBX state, plus (notes, decisions)."""
    f = pd.DataFrame({c: state[c].astype(str).fillna("") for c in COLUMNS}).reset_index(
        drop=True)
    managed = (state["managed"].astype(str) == "true").to_numpy()
    source = state["password_source"].astype(str).to_numpy()
    f["password"] = AUTO_PASSWORD
    notes: list[Item] = []
    decisions: list[Item] = []
    # A PBX extension without allowed IPs registers from anywhere: in the CSV
    # that is remote = true (blank allowed_ips needs it).
    open_ = (f["allowed_ips"] == "") & (f["remote"] != "true")
    for code in f["code"][open_].tolist():
        notes.append(Item(code, "registers from anywhere on the PBX: exported as remote=true; "
                                "set allowed_ips to restrict it"))
    f.loc[open_, "remote"] = "true"
    # The CSV requires a name; a bare subscriber on the PBX has none.
    nameless = f["name"] == ""
    for code in f["code"][nameless].tolist():
        notes.append(Item(code, f"has no name on the PBX: exported as 'Extension {code}'"))
    f.loc[nameless, "name"] = "Extension " + f["code"][nameless]
    literal = managed & (source == "literal")
    for code in f["code"][literal].tolist():
        decisions.append(Item(code, "its password is a literal from the CSV, which export "
                                    "never writes: exported as auto, the next apply would "
                                    "generate a new one and re-key the phone; put the literal "
                                    "back in the CSV (from your password manager) or accept "
                                    "the re-key"))
    for col in _STRIPPABLE:
        bad = _formula(f[col])
        for code, value in zip(f["code"][bad], f[col][bad], strict=True):
            fixed = value.lstrip().lstrip("".join(FORMULA) + " ")
            if col == "name" and not fixed:
                fixed = f"Extension {code}"
            f.loc[f["code"] == code, col] = fixed
            decisions.append(Item(code, f"{col} {value[:40]!r} starts with a formula character "
                                        f"(= + - @) a spreadsheet would run: written as "
                                        f"{fixed[:40]!r}; rename it on the PBX or keep the new "
                                        "name (the next apply writes it)"))
    return f, notes, decisions


def export_state(state: pd.DataFrame, policy: Policy, today: dt.date) -> Exported:
    """Validate the rows with the schema; rows it rejects are left out and
    listed (an exported file always passes `extctl validate`)."""
    from validate.run import validate_bytes

    frame, notes, decisions = rows_from_state(state)
    managed = set(state.loc[state["managed"].astype(str) == "true", "code"].astype(str))
    drop: dict[str, list[str]] = {}
    for col in _IDENTIFIERS:
        for code in frame["code"][_formula(frame[col])].tolist():
            drop.setdefault(code, []).append(f"{col}: starts with a formula character "
                                             "(= + - @) a spreadsheet would run")
    keep = ~frame["code"].isin(list(drop))
    report = validate_bytes(to_bytes(frame[keep], COLUMNS), "export", policy, today)
    assert report.frame is not None
    errors = [f for f in report.findings if f.severity == "error" and f.line]
    if errors:
        codes = dict(zip(report.frame["line"].tolist(), report.frame["code"].tolist(),
                         strict=True))
        for f in errors:
            drop.setdefault(codes[f.line or 0], []).append(f"{f.column}: {f.message} [{f.rule}]")
        keep &= ~frame["code"].isin(list(drop))
    for code in sorted(drop, key=lambda c: (len(c), c)):
        tail = (" It is managed by extctl: add it to the CSV by hand before the next apply, "
                "or the plan deletes it." if code in managed else
                " Until then plan lists it as unmanaged and leaves it alone.")
        decisions.append(Item(code, "not exported: " + "; ".join(drop[code])
                              + ". Fix it on the PBX and export again, or add the row by hand."
                              + tail))
    data = to_bytes(frame[keep], COLUMNS)
    decisions.sort(key=lambda i: (len(i.code), i.code))
    return Exported(data=data, rows=int(keep.sum()), sections=(
        Section("notes", "Notes", tuple(notes)),
        Section("decisions", "Needs a decision", tuple(decisions)),
    ))


def export_target(config: TargetConfig, policy: Policy, today: dt.date) -> Exported:
    from pbx.base import open_target

    return export_state(open_target(config).read_state(), policy, today)
