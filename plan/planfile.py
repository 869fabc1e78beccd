"""Save and load a plan (`plan --out`, `apply PLAN.json`).

The file is the JSON rendering plus what apply needs to detect a stale plan
(digest key, per-code digests). A bad file is a UsageError naming the path,
never a traceback.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

from extctl.errors import UsageError
from extctl.files import DEFAULT_MAX_FILE_BYTES, read_file
from plan.changes import Action, Change, FieldChange, PasswordChange, Plan, Safety
from plan.render_json import FORMAT, VERSION, render_json

_ACTIONS = frozenset(get_args(Action))


# How every saved plan starts (render_json writes "format" first).
_PLAN_HEAD = re.compile(rb'\A\s*\{\s*"format"\s*:\s*"' + FORMAT.encode() + rb'"')


def check_out_path(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]],
                   *, force: bool = False) -> None:
    """Refuse to save a plan over one of the command's `inputs` (the CSV, the
    policy: never, even with --force) or over an existing file that is not a
    previous plan (unless `force`). UsageError saying why."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        return
    for other in inputs:
        try:
            same = p.exists() and Path(other).exists() and p.samefile(other)
        except OSError:
            same = False
        if same:
            raise UsageError(f"--out {p}: that is {other}, an input of this command; "
                             "save the plan under another name (e.g. plan.json)")
    if force:
        return
    try:
        with open(p, "rb") as f:
            head = f.read(256) if p.is_file() else b""
    except OSError:
        head = b""
    if not _PLAN_HEAD.match(head):
        raise UsageError(f"--out {p}: the file exists and is not a plan saved by extctl; "
                         "choose another name, or pass --force to overwrite it")


def save_plan(plan: Plan, path: str | os.PathLike[str]) -> None:
    """Write the plan atomically, readable by its owner only (0600)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        # 0600 from the start (O_CREAT's mode; fchmod covers a leftover .tmp).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(fd, 0o600)
            f.write(render_json(plan))
        tmp.replace(p)  # never leave a half-written plan behind
    except OSError as exc:
        raise UsageError(f"{p}: cannot write the plan: {exc.strerror or exc}") from None


def _change(raw: Any) -> Change:
    if not isinstance(raw, dict) or raw.get("action") not in _ACTIONS:
        raise ValueError("a change needs an action of create/update/delete/disable/enable")
    code, fields = raw.get("code"), raw.get("fields", {})
    if not isinstance(code, str) or not isinstance(fields, dict):
        raise ValueError("a change needs a string code and a fields object")
    out: list[tuple[str, FieldChange | PasswordChange]] = []
    for col, value in fields.items():
        if not isinstance(value, dict):
            raise ValueError(f"change {code}: field {col} is not an object")
        if value.get("changed") is True:
            out.append((col, PasswordChange()))
            continue
        old, new = value.get("old"), value.get("new")
        if not isinstance(new, str) or not (old is None or isinstance(old, str)):
            raise ValueError(f"change {code}: field {col} needs string old/new")
        out.append((col, FieldChange(old or "", new)))
    return Change(raw["action"], code, tuple(out))


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return tuple(value)


def plan_from_dict(data: Any) -> Plan:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not an extctl plan (made by extctl plan --out)")
    if data.get("version") != VERSION:
        version = data.get("version")
        raise ValueError(f"plan format version {version!r}, this extctl reads {VERSION}")
    changes = data.get("changes")
    safety = data.get("safety", {})
    digests = data.get("state_digests", {})
    if not isinstance(changes, list) or not isinstance(safety, dict):
        raise ValueError("changes must be a list and safety an object")
    if not isinstance(digests, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in digests.items()
    ):
        raise ValueError("state_digests must map codes to digests")
    for key in ("target", "fingerprint", "digest_key"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"{key} must be a string")
    return Plan(
        target=data["target"],
        changes=tuple(_change(c) for c in changes),
        safety=Safety(
            unsafe=bool(data.get("unsafe", False)),
            managed=int(safety.get("managed", 0)),
            touched=int(safety.get("touched", 0)),
            threshold=float(safety.get("threshold", 0.3)),
            codes=tuple(str(c) for c in safety.get("codes", [])),
        ),
        unmanaged=_strings(data, "unmanaged"),
        warnings=_strings(data, "warnings"),
        fingerprint=data["fingerprint"],
        digest_key=data["digest_key"],
        state_digests=tuple(digests.items()),
    )


def load_plan(path: str | os.PathLike[str], limit: int = DEFAULT_MAX_FILE_BYTES) -> Plan:
    p = Path(path)
    try:
        data = json.loads(read_file(p, limit).decode("utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{p}: plan file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{p}: cannot read the plan file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{p}: not a plan file (invalid JSON at line {exc.lineno})") from None
    try:
        return plan_from_dict(data)
    except (ValueError, TypeError) as exc:
        raise UsageError(
            f"{p}: not a valid plan file: {exc}; run extctl plan --out again"
        ) from None
