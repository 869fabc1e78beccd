"""The small contract every PBX target implements, and the state fingerprint.

State is a pandas DataFrame, one row per extension on the PBX, with every
column of `STATE_COLUMNS` as canonical strings (the same text `extctl fmt`
writes; "" for blank). `password` holds the real secret: the state never
leaves the process, only digests of it do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from schema.columns import COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from extctl.policy import TargetConfig
    from plan.changes import Plan

# managed: "true"/"false"; password_source: "auto" | "literal" | "" (unmanaged)
STATE_COLUMNS: tuple[str, ...] = (*COLUMNS, "managed", "password_source")


@dataclass(frozen=True)
class ApplyRequest:
    plan: Plan
    # Desired rows (canonical strings, username resolved, password "auto" or the
    # literal) for every created/updated/disabled/enabled code, indexed by code.
    rows: pd.DataFrame
    # New secrets for exactly the codes whose change carries a PasswordChange.
    secrets: Mapping[str, str]
    # Key the plan's digests were made with (see state_digests).
    digest_key: str


@dataclass(frozen=True)
class Registration:
    username: str
    contact: str
    user_agent: str
    last_seen: str  # ISO 8601 UTC


class Target(Protocol):
    kind: ClassVar[str]
    # Columns this kind can store. A desired non-default value in any other
    # column is an error in the plan unless the target says unsupported = "warn".
    supported: ClassVar[frozenset[str]]

    def __init__(self, config: TargetConfig) -> None: ...

    def read_state(self) -> pd.DataFrame:
        """Current extensions, STATE_COLUMNS; raises TargetError when unreachable."""
        ...

    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]:
        """(code, column, message) for desired rows this target cannot store as is."""
        ...

    def apply(self, request: ApplyRequest) -> None:
        """All or nothing, under a lock; StalePlan if the state no longer matches."""
        ...


def state_digests(state: pd.DataFrame, key: str) -> pd.Series:
    """A short keyed digest per code over every stored column, password included.

    Keyed (pandas' SipHash with a random per-plan key) so that the digests in a
    saved plan are not a reusable unsalted hash of anybody's password.
    """
    import pandas as pd

    if state.empty:
        return pd.Series([], dtype=object, index=pd.Index([], name="code"))
    frame = state.loc[:, list(STATE_COLUMNS)].astype(str)
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=key)
    return pd.Series(
        [f"{h:016x}" for h in hashed.to_numpy()], index=pd.Index(state["code"], name="code")
    )


def fingerprint(digests: pd.Series) -> str:
    body = "\n".join(f"{c}={d}" for c, d in sorted(digests.items()))
    return hashlib.sha256(body.encode()).hexdigest()


def changed_codes(saved: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """Codes added, removed or changed on the PBX between two digest maps."""
    return sorted(c for c in set(saved) | set(now) if saved.get(c) != now.get(c))


# kind -> "module:Class"; imported lazily so `extctl --help` stays fast.
TARGETS: dict[str, str] = {
    "kamailio": "pbx.kamailio:KamailioTarget",
    "asterisk": "pbx.asterisk:AsteriskTarget",
}


def open_target(config: TargetConfig) -> Target:
    from importlib import import_module

    from extctl.errors import UsageError

    if config.kind not in TARGETS:
        raise UsageError(
            f"target {config.name!r}: unknown kind {config.kind!r} "
            f"(known: {', '.join(sorted(TARGETS))})"
        )
    module, cls = TARGETS[config.kind].split(":")
    target: Target = getattr(import_module(module), cls)(config)
    return target
