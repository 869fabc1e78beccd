"""The plan as JSON (SPEC §4.1): what `plan --format json` prints and `--out` saves.

A password change is only `{"changed": true}`: no secret, digest of a secret
alone, or reason that hints at one is ever written.
"""

from __future__ import annotations

import json
from typing import Any

from plan.changes import Change, FieldChange, Plan

FORMAT = "extctl-plan"
VERSION = 1


def change_to_dict(change: Change) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for col, value in change.fields:
        if isinstance(value, FieldChange):
            old: str | None = value.old if change.action != "create" else None
            fields[col] = {"old": old, "new": value.new}
        else:
            fields[col] = {"changed": True}
    return {"action": change.action, "code": change.code, "fields": fields}


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    s = plan.safety
    return {
        "format": FORMAT,
        "version": VERSION,
        "target": plan.target,
        "changes": [change_to_dict(c) for c in plan.changes],
        "summary": plan.counts(),
        "unsafe": s.unsafe,
        "safety": {
            "managed": s.managed, "touched": s.touched, "threshold": s.threshold,
            "codes": list(s.codes),
        },
        "unmanaged": list(plan.unmanaged),
        "warnings": list(plan.warnings),
        "fingerprint": plan.fingerprint,
        "digest_key": plan.digest_key,
        "state_digests": dict(plan.state_digests),
        "bindings": dict(plan.bindings),
    }


def render_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=1) + "\n"
