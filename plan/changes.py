"""Changes and plans as immutable data. Renderers live elsewhere.

No secret is ever stored here: a password change is only `PasswordChange()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Action = Literal["create", "update", "delete", "disable", "enable"]
# Order of application: deletes, then creates, then updates (disable/enable are updates).
ACTION_ORDER: dict[str, int] = {"delete": 0, "create": 1, "update": 2, "disable": 2, "enable": 2}


@dataclass(frozen=True)
class FieldChange:
    """One column, old -> new, as canonical strings ("" is blank / absent)."""

    old: str
    new: str


@dataclass(frozen=True)
class PasswordChange:
    """The password will be set or regenerated. Deliberately holds no value."""

    reason: Literal["new", "literal", "rotated", "now-auto"] = "literal"


@dataclass(frozen=True)
class Change:
    action: Action
    code: str
    fields: tuple[tuple[str, FieldChange | PasswordChange], ...] = ()

    def field_map(self) -> dict[str, FieldChange | PasswordChange]:
        return dict(self.fields)


@dataclass(frozen=True)
class Safety:
    """Whether the plan crosses the target's threshold (SPEC §5)."""

    unsafe: bool
    managed: int
    touched: int
    threshold: float
    codes: tuple[str, ...] = ()  # the updated/deleted rows, named in the plan's first lines


@dataclass(frozen=True)
class Plan:
    target: str  # target name, or "git:REF" for a base-vs-worktree plan
    changes: tuple[Change, ...]
    safety: Safety
    unmanaged: tuple[str, ...] = ()  # codes on the PBX extctl does not manage: reported, untouched
    warnings: tuple[str, ...] = ()  # e.g. a column the target cannot store, policy says warn
    # e.g. which SIP user the phones of new extensions register as (plan/sip_note.py)
    notes: tuple[str, ...] = ()
    # Fingerprint of the PBX state the plan was made against, and a digest per
    # code so a stale plan can say *which* extensions changed.
    fingerprint: str = ""
    # Key the digests were made with: apply recomputes them with the same key.
    digest_key: str = ""
    state_digests: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def counts(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "delete": 0, "disable": 0, "enable": 0}
        for c in self.changes:
            out[c.action] += 1
        return out

    @property
    def empty(self) -> bool:
        return not self.changes
