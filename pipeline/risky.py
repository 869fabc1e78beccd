"""Which changes a reviewer must not miss, and in which order."""

from __future__ import annotations

from collections.abc import Iterable

from plan.changes import Change, FieldChange

# Deletes lose an extension, disables cut a phone off, a password change logs
# every device out: a reviewer reads these before the routine edits.
RISK_LABEL = ("delete", "disable", "password change")
_REST = len(RISK_LABEL)


def changes_password(change: Change) -> bool:
    return change.action != "create" and any(
        not isinstance(value, FieldChange) for _, value in change.fields
    )


def risk_rank(change: Change) -> int:
    """0 delete, 1 disable, 2 password change, 3 everything else."""
    if change.action == "delete":
        return 0
    if change.action == "disable":
        return 1
    if changes_password(change):
        return 2
    return _REST


def risky_first(changes: Iterable[Change]) -> list[Change]:
    """Stable: within a rank the plan's own order (by code) stays."""
    return sorted(changes, key=risk_rank)


def risk_counts(changes: Iterable[Change]) -> dict[str, int]:
    counts = dict.fromkeys(RISK_LABEL, 0)
    for change in changes:
        rank = risk_rank(change)
        if rank < _REST:
            counts[RISK_LABEL[rank]] += 1
    return counts
