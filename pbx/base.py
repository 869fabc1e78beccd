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

# managed: "true"/"false"; password_source: "auto" | "literal" | "" (unmanaged);
# repair: "" for a whole extension, else what is missing or wrong on the PBX
# ("subscriber missing", "moved from domain a.example"), in the target's words.
# A non-empty repair makes the plan rewrite the extension whole.
STATE_COLUMNS: tuple[str, ...] = (*COLUMNS, "managed", "password_source", "repair")


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


# Columns of Target.read_registrations(): one row per registration (contact).
# code: the extension's code ("" when the registration maps to no extension);
# source_ip: the address the REGISTER came from ("" when unknown); expires and
# last_seen: tz-aware UTC pandas datetimes, NaT when the PBX does not say.
REGISTRATION_COLUMNS: tuple[str, ...] = (
    "code", "username", "contact", "source_ip", "user_agent", "expires", "last_seen",
)


@dataclass(frozen=True)
class SipIdentity:
    """Which CSV values a phone is configured with on one kind of PBX.

    `user` is the column that is the phone's SIP user (the From/To user it
    registers as), `auth` the column that is its digest authentication id,
    `also` other columns the PBX accepts as the SIP user. `username` means
    the CSV username resolved (blank = the code).
    """

    user: str
    auth: str = "username"
    also: tuple[str, ...] = ()

    def describe(self) -> str:
        """One sentence for plans, `extctl credentials` and the README."""
        user = " or the ".join((self.user, *self.also))
        if self.user == self.auth and not self.also:
            return f"the phone registers and authenticates as the {self.user}"
        return (f"the phone's SIP user is the {user}; "
                f"it authenticates with the {self.auth} (digest auth id)")

    def logins(self, rows: pd.DataFrame) -> pd.DataFrame:
        """code, sip_user, auth_user per row of `rows` (code, username columns)."""
        import pandas as pd

        code = rows["code"].astype(str)
        username = rows["username"].fillna("").astype(str) if "username" in rows else code
        resolved = {"code": code, "username": username.where(username != "", code)}
        return pd.DataFrame({"code": code, "sip_user": resolved[self.user],
                             "auth_user": resolved[self.auth]}).reset_index(drop=True)


# Kamailio (and any target that does not say otherwise): SIP user = auth id = username.
SIP_BY_USERNAME = SipIdentity(user="username")


def sip_identity(target: Target | type[Target]) -> SipIdentity:
    """The target's SipIdentity (a kind that declares none uses the username)."""
    found = getattr(target, "sip_identity", SIP_BY_USERNAME)
    return found if isinstance(found, SipIdentity) else SIP_BY_USERNAME


class Target(Protocol):
    kind: ClassVar[str]
    # Columns this kind can store. A desired non-default value in any other
    # column is an error in the plan unless the target says unsupported = "warn".
    supported: ClassVar[frozenset[str]]
    # What the phone uses as SIP user and auth id (pbx.base.sip_identity reads it).
    sip_identity: ClassVar[SipIdentity]

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

    def read_registrations(self) -> pd.DataFrame:
        """Current registrations, REGISTRATION_COLUMNS (see above); empty when the
        PBX holds none or has no registration table yet; TargetError when unreachable."""
        ...


def state_digests(state: pd.DataFrame, key: str,
                  columns: tuple[str, ...] = STATE_COLUMNS) -> pd.Series:
    """A short keyed digest per code over every stored column, password included.

    Keyed (pandas' SipHash with a random per-plan key) so that the digests in a
    saved plan are not a reusable unsalted hash of anybody's password.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if state.empty:
        return pd.Series([], dtype=object, index=pd.Index([], name="code"))
    # One string per row (columns joined by the ASCII unit separator, which no
    # canonical value holds), hashed once: 3x faster than pandas hashing 18
    # high-cardinality Arrow columns one by one.
    arrays = [pa.array(state[c].astype(str).fillna(""), type=pa.large_string())
              for c in columns]
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("\x1f", pa.large_string()))
    hashed = pd.util.hash_array(
        joined.to_numpy(zero_copy_only=False), hash_key=key, categorize=False
    )
    # Hex in one pass over the bytes, not a Python format per row (1M rows);
    # the hex text becomes an Arrow string array without copying.
    text = hashed.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * (len(hashed) + 1), 16, dtype=np.int64)
    hexes = pa.LargeStringArray.from_buffers(
        len(hashed), pa.py_buffer(offsets), pa.py_buffer(text)
    )
    return pd.Series(
        pd.array(hexes, dtype="str"), index=pd.Index(state["code"].astype(str), name="code")
    )


def fingerprint(digests: pd.Series) -> str:
    """SHA-256 over "code=digest" lines sorted by code (codes are unique)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(digests) == 0:
        return hashlib.sha256(b"").hexdigest()
    codes = pa.array(digests.index.astype(str), type=pa.large_string())
    values = pa.array(digests.astype(str), type=pa.large_string())
    lines = pc.binary_join_element_wise(
        codes, pa.scalar("=", pa.large_string()), values, pa.scalar("\n", pa.large_string()),
        pa.scalar("", pa.large_string()),
    )
    lines = pc.take(lines, pc.sort_indices(codes)).combine_chunks() if isinstance(
        lines, pa.ChunkedArray) else pc.take(lines, pc.sort_indices(codes))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:]
    data = lines.buffers()[2]
    # Lines joined by "\n" = every line + "\n", minus the last newline.
    body = memoryview(data)[int(offsets[0]) : int(offsets[len(lines)]) - 1]
    return hashlib.sha256(body).hexdigest()


def changed_codes(saved: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """Codes added, removed or changed on the PBX between two digest maps."""
    return sorted(c for c in set(saved) | set(now) if saved.get(c) != now.get(c))


# kind -> "module:Class"; imported lazily so `extctl --help` stays fast.
TARGETS: dict[str, str] = {
    "kamailio": "pbx.kamailio:KamailioTarget",
    "asterisk": "pbx.asterisk:AsteriskTarget",
    "fusionpbx": "pbx.fusionpbx:FusionpbxTarget",
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
