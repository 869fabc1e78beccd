"""Desired rows vs PBX state -> Plan, over whole columns (SPEC §5).

Both sides are aligned by code once (a hash join on the code index), then
every compared column is one vectorised `!=` over the aligned arrays. Python
only loops over the rows that actually change, to build their `Change`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from extctl.errors import CheckFailed
from plan.changes import Change, FieldChange, PasswordChange, Plan, Safety
from schema.columns import AUTO_PASSWORD, COLUMNS, DEFAULTS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from extctl.policy import Safety as SafetyPolicy

CheckRows = Callable[["pd.DataFrame"], Sequence[tuple[str, str, str]]]
MAX_NAMED = 20  # rows named in one error message; the rest are counted
# Compared as plain fields; code is the join key, password has its own rules.
_SPECIAL = ("code", "password")
# Fields of a change are listed in CSV column order; "managed" marks an adoption.
# "repair" (what the PBX lost of the extension) comes first.
_FIELD_ORDER = {c: i for i, c in enumerate(("repair", *COLUMNS, "managed"))}


def _ordered(
    fields: list[tuple[str, FieldChange | PasswordChange]],
) -> tuple[tuple[str, FieldChange | PasswordChange], ...]:
    return tuple(sorted(fields, key=lambda f: _FIELD_ORDER[f[0]]))


def _strings(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`columns` of `frame` as pandas strings, missing columns and NA as ""."""
    import pandas as pd

    out = {}
    for col in columns:
        if col in frame.columns:
            out[col] = frame[col].astype("str").fillna("")
        else:
            out[col] = pd.Series([""] * len(frame), index=frame.index, dtype="str")
    return pd.DataFrame(out).reset_index(drop=True)


def _fill_defaults(frame: pd.DataFrame) -> None:
    """Blank cells take the value a blank means (in place; frame is ours)."""
    for col, default in DEFAULTS.items():
        if default and col in frame.columns:
            frame[col] = frame[col].mask(frame[col] == "", default)
    username = frame["username"]
    frame["username"] = username.mask(username == "", frame["code"])


def normalise_desired(desired: pd.DataFrame) -> pd.DataFrame:
    """CSV rows as the plan compares them: defaults filled, username resolved,
    password "auto" for blank. Columns: schema.columns.COLUMNS."""
    frame = _strings(desired, COLUMNS)
    _fill_defaults(frame)
    from schema.derive import auto_mask

    # Blank and `auto` in any case become the canonical "auto" the diff compares.
    frame["password"] = frame["password"].mask(auto_mask(frame["password"]), AUTO_PASSWORD)
    return frame


def normalise_state(current: pd.DataFrame) -> pd.DataFrame:
    """PBX state with the same defaults, so a target writing "" for a default
    value does not show up as a change on every plan."""
    from pbx.base import STATE_COLUMNS

    frame = _strings(current, STATE_COLUMNS)
    _fill_defaults(frame)
    return frame


def csv_state(frame: pd.DataFrame) -> pd.DataFrame:
    """The "current" side of `plan --base`: the CSV at the ref as if applied.

    Every row is managed; an auto password's secret is unknown (""), a literal
    one is itself, so changing a literal shows as a password change."""
    state = normalise_desired(frame)
    auto = state["password"] == AUTO_PASSWORD
    state["password_source"] = auto.map({True: "auto", False: "literal"}).astype("str")
    state["password"] = state["password"].mask(auto, "")
    state["managed"] = "true"
    return state


def _int_codes(codes: pd.Series) -> np.ndarray | None:
    """Codes as int64 when every one is canonical digits (round-trips), else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(codes, type=pa.large_string())
    try:
        ints = pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # "0123", "+5" or " 7" would cast too: only exact round trips are codes.
    if not pc.all(pc.equal(pc.cast(ints, pa.large_string()), text)).as_py():
        return None
    result: np.ndarray = ints.to_numpy(zero_copy_only=False)
    return result


def _align(want: pd.Series, have: pd.Series) -> tuple[np.ndarray, bool]:
    """Position in `want` of each code of `have` (-1: absent), and whether
    `want` holds a duplicate. Digit codes (the normal case) join as int64,
    ~20x faster than hashing 1M strings."""
    import numpy as np
    import pandas as pd

    w_int, h_int = _int_codes(want), _int_codes(have)
    if w_int is not None and h_int is not None:
        w_index, h_index = pd.Index(w_int), pd.Index(h_int)
    else:
        w_index = pd.Index(want.to_numpy(dtype=object), dtype=object)
        h_index = pd.Index(have.to_numpy(dtype=object), dtype=object)
    if not w_index.is_unique:
        return np.empty(0, dtype=np.intp), True
    return np.asarray(w_index.get_indexer(h_index)), False


def _table(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    import pyarrow as pa

    return pa.table({c: pa.array(frame[c], type=pa.large_string()) for c in columns})


def _numpy(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    import numpy as np
    import pyarrow as pa

    if isinstance(mask, pa.Array):
        return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(mask.to_numpy(), dtype=bool)


def _sort_key(code: str) -> tuple[int, str]:
    # Codes are digits without a leading zero: length then text is numeric order.
    return (len(code), code)


def _named(items: Sequence[str]) -> str:
    shown = ", ".join(items[:MAX_NAMED])
    more = len(items) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _unsupported(
    desired: pd.DataFrame, raw: pd.DataFrame, supported: frozenset[str], target_name: str,
    mode: Literal["error", "warn"],
) -> tuple[list[str], list[str]]:
    """Columns the target cannot store that hold a non-default value.

    Returns (ignored columns, warnings); raises CheckFailed in "error" mode."""
    problems: list[str] = []
    ignored: list[str] = []
    for col in COLUMNS:
        if col in supported or col in _SPECIAL:
            continue
        ignored.append(col)
        # Compare the raw CSV cell: blank is always the default.
        values = raw[col]
        default = DEFAULTS.get(col, "")
        bad = ((values != "") & (values != default)).to_numpy(dtype=bool)
        if bad.any():
            codes = sorted(desired.loc[bad, "code"].tolist(), key=_sort_key)
            problems.append(
                f"column {col} (target {target_name} cannot store it): {_named(codes)}"
            )
    if problems and mode == "error":
        raise CheckFailed(
            "; ".join(problems)
            + ". Remove those values, or set unsupported = \"warn\" for the target in extctl.toml"
        )
    return ignored, [p.replace("cannot store it)", "cannot store it; ignored)") for p in problems]


def _check_rows(check: CheckRows | None, rows: pd.DataFrame, target_name: str,
                desired: pd.DataFrame) -> None:
    from plan.refusals import refuse_rows

    if check is None or rows.empty:
        return
    found = list(check(rows))
    found.sort(key=lambda p: _sort_key(p[0]))
    refuse_rows(desired, f"target {target_name} cannot store these rows", found)


def _safety(touched: list[str], managed: int, policy: SafetyPolicy) -> Safety:
    limit = Fraction(repr(float(policy.max_change_fraction)))
    unsafe = (
        managed >= policy.min_existing
        and managed > 0
        and Fraction(len(touched), managed) > limit
    )
    return Safety(
        unsafe=unsafe, managed=managed, touched=len(touched),
        threshold=float(policy.max_change_fraction),
        codes=tuple(sorted(touched, key=_sort_key)) if unsafe else (),
    )


def _creates(desired: pd.DataFrame, positions: np.ndarray, columns: Sequence[str]) -> list[Change]:
    """Create changes with name, username and every non-default field, old "".

    Defaults are left out so a review sees what is special about the row."""
    sub = desired.take(positions)
    codes = sub["code"].tolist()
    values = [sub[c].tolist() for c in columns]
    pw = PasswordChange("new")
    out = []
    for i, code in enumerate(codes):
        fields: list[tuple[str, FieldChange | PasswordChange]] = [
            (col, FieldChange("", vals[i])) for col, vals in zip(columns, values, strict=True)
            if col in ("name", "username") or vals[i] != DEFAULTS.get(col, "")
        ]
        fields.append(("password", pw))
        out.append(Change("create", code, _ordered(fields)))
    return out


def _updates(
    want: pd.DataFrame, have: pd.DataFrame, *, des_pos: np.ndarray, cur_pos: np.ndarray,
    adopt: np.ndarray, compared: list[str],
) -> list[Change]:
    """Update/disable/enable changes for the codes on both sides, by code."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    # Common rows, both sides in the same order, compared as Arrow columns:
    # one C++ kernel per column, one conversion to numpy for the whole result.
    needed = [*compared, "password", "password_rotated", "code"]
    w = _table(want, needed).take(pa.array(des_pos))
    h = _table(have, [*needed, "password_source", "repair"]).take(pa.array(cur_pos))
    broken = pc.not_equal(h["repair"], "")
    diff = {c: pc.not_equal(w[c], h[c]) for c in compared}
    w_auto = pc.equal(w["password"], AUTO_PASSWORD)
    src = h["password_source"]
    rotated = pa.chunked_array([pa.array(np.zeros(len(w), dtype=bool))])
    if "password_rotated" in compared:
        rotated = pc.and_(
            pc.and_(w_auto, pc.equal(src, "auto")),
            pc.greater(w["password_rotated"], h["password_rotated"]),
        )
    now_auto = pc.and_(w_auto, pc.equal(src, "literal"))
    literal = pc.and_(pc.invert(w_auto), pc.not_equal(w["password"], h["password"]))
    # an auto password the PBX no longer has (its row deleted or blanked by hand)
    lost = pc.and_(pc.and_(w_auto, broken), pc.equal(h["password"], ""))
    lost = pc.and_(lost, pc.invert(pc.or_(rotated, now_auto)))
    any_change = pc.or_(pc.or_(pc.or_(rotated, now_auto), literal), broken)
    for mask in diff.values():
        any_change = pc.or_(any_change, mask)
    idx = np.flatnonzero(_numpy(any_change) | adopt)

    updates: list[Change] = []
    if not len(idx):
        return updates
    take = pa.array(idx)
    sub_w = w.take(take)
    sub_h = h.take(take)
    cols_w = {c: sub_w[c].to_pylist() for c in compared}
    cols_h = {c: sub_h[c].to_pylist() for c in compared}
    repair = sub_h["repair"].to_pylist()
    sub_diff = {c: _numpy(m.take(take)) for c, m in diff.items()}
    reasons = np.select(
        [_numpy(m.take(take)) for m in (rotated, now_auto, literal, lost)],
        ["rotated", "now-auto", "literal", "lost"], "",
    )
    for k, code in enumerate(sub_w["code"].to_pylist()):
        fields: list[tuple[str, FieldChange | PasswordChange]] = [
            (c, FieldChange(cols_h[c][k], cols_w[c][k])) for c in compared if sub_diff[c][k]
        ]
        if reasons[k]:
            fields.append(("password", PasswordChange(str(reasons[k]))))  # type: ignore[arg-type]
        if repair[k]:
            fields.append(("repair", FieldChange(repair[k], "")))
        is_adopt = bool(adopt[idx[k]])
        if is_adopt:
            fields.append(("managed", FieldChange("false", "true")))
        action: Literal["update", "disable", "enable"] = "update"
        if "enabled" in compared and sub_diff["enabled"][k]:
            action = "disable" if cols_w["enabled"][k] == "false" else "enable"
        updates.append(Change(action, code, _ordered(fields)))
    updates.sort(key=lambda c: _sort_key(c.code))
    return updates


def make_plan(
    desired: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target_name: str,
    supported: frozenset[str],
    unsupported_mode: Literal["error", "warn"] = "error",
    safety: SafetyPolicy,
    digest_key: str = "",
    check_rows: CheckRows | None = None,
) -> Plan:
    """The plan turning `current` (STATE_COLUMNS) into `desired` (COLUMNS).

    `digest_key` (16 ASCII characters) keys the per-code state digests a saved
    plan carries for stale detection; "" skips them (a `--base` plan)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        # The digests need only `current`: hash it while the diff runs. Both
        # sides spend most of their time in Arrow/pandas C code that releases
        # the GIL, so on 2+ cores this hides most of the digest cost.
        digesting = pool.submit(_digests, current, digest_key)
        plan = _diff(desired, current, target_name=target_name, supported=supported,
                     unsupported_mode=unsupported_mode, safety=safety, check_rows=check_rows,
                     digest_key=digest_key)
        fp, digests = digesting.result()
    return replace(plan, fingerprint=fp, digest_key=digest_key, state_digests=digests)


def _digests(current: pd.DataFrame, key: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    from pbx.base import fingerprint, state_digests

    if not key:
        return "", ()
    series = state_digests(current, key)
    return fingerprint(series), tuple(zip(series.index.tolist(), series.tolist(), strict=True))


def _diff(
    desired: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target_name: str,
    supported: frozenset[str],
    unsupported_mode: Literal["error", "warn"],
    safety: SafetyPolicy,
    check_rows: CheckRows | None,
    digest_key: str = "",
) -> Plan:
    import numpy as np

    from plan import refusals

    raw = _strings(desired, COLUMNS)
    want = normalise_desired(desired)
    have = normalise_state(current)
    where, duplicated = _align(want["code"], have["code"])
    if duplicated:
        dup = want.loc[want["code"].duplicated(), "code"].tolist()
        raise CheckFailed(f"duplicate codes in the desired rows: {_named(dup)}")

    ignored, warnings = _unsupported(want, raw, supported, target_name, unsupported_mode)
    compared = [c for c in COLUMNS if c not in _SPECIAL and c not in ignored]

    in_csv = where >= 0
    managed = (have["managed"] == "true").to_numpy()
    cur_pos = np.flatnonzero(in_csv)
    des_pos = where[in_csv]
    matched = np.zeros(len(want), dtype=bool)
    matched[des_pos] = True

    deletes = have["code"][~in_csv & managed].tolist()
    unmanaged = have["code"][~in_csv & ~managed].tolist()

    adopt = ~managed[cur_pos]
    updates = _updates(
        want, have, des_pos=des_pos, cur_pos=cur_pos, adopt=adopt, compared=compared
    )
    touched = [*deletes, *(c.code for c in updates if "managed" not in c.field_map())]

    changes: list[Change] = [Change("delete", c) for c in sorted(deletes, key=_sort_key)]
    create_pos = np.flatnonzero(~matched)
    creates = _creates(want, create_pos, compared)
    creates.sort(key=lambda c: _sort_key(c.code))
    changes.extend(creates)
    changes.extend(updates)

    written = [c.code for c in changes if c.action != "delete"]
    if written and check_rows is not None:
        rows = want.set_index("code", drop=False).loc[written]
        _check_rows(check_rows, rows.reset_index(drop=True), target_name, desired)
    # after the target's own checks: a target that knows its conflicts better
    # (fusionpbx: extension vs number_alias) names them in its own words
    refusals.username_conflicts(desired, want, written, have, unmanaged)

    return Plan(
        target=target_name,
        changes=tuple(changes),
        safety=_safety(touched, int(managed.sum()), safety),
        unmanaged=tuple(sorted(unmanaged, key=_sort_key)),
        warnings=tuple(warnings),
        bindings=refusals.bindings(want, written, digest_key),
    )
