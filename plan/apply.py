"""`extctl apply`: recompute the plan, refuse a stale or unsafe one, push it.

The target does lock + stale check + write in one transaction; this module
decides *what* to send: the desired rows and the new secrets. Secrets exist
only in the ApplyRequest handed to the target, never in a plan or a message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from extctl.errors import StalePlan, UnsafePlan, UsageError
from plan.changes import PasswordChange, Plan
from plan.render_text import named
from schema.columns import AUTO_PASSWORD

if TYPE_CHECKING:
    import pandas as pd

    from extctl.policy import TargetConfig
    from pbx.base import ApplyRequest, Target

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
PASSWORD_LENGTH = 32  # 32 x log2(62) = 190 bits; letters and digits only, any PBX takes them
STALE_NAMED = 20


def generate_passwords(count: int) -> list[str]:
    """`count` independent random passwords from `secrets` (the OS CSPRNG).

    Vectorised rejection sampling: bytes >= 248 are dropped so `byte % 62` is
    uniform (248 = 4 x 62); 1M passwords take well under a second."""
    import numpy as np

    if count <= 0:
        return []
    need = count * PASSWORD_LENGTH
    picked = np.empty(0, dtype=np.uint8)
    while len(picked) < need:
        raw = np.frombuffer(secrets.token_bytes(need + need // 16 + 64), dtype=np.uint8)
        picked = np.concatenate([picked, raw[raw < 248]])
    letters = np.array(list(ALPHABET), dtype="<U1")[picked[:need] % 62]
    return letters.reshape(count, PASSWORD_LENGTH).view(f"<U{PASSWORD_LENGTH}").ravel().tolist()


def new_digest_key() -> str:
    """16 ASCII characters, the key size pandas' SipHash wants."""
    return secrets.token_hex(8)


def plan_for_target(
    desired: pd.DataFrame, target: Target, config: TargetConfig, digest_key: str | None = None,
    state: pd.DataFrame | None = None,
) -> Plan:
    """Read the PBX (unless `state` is a read of it already) and plan against
    it (one read; the digests are of that read)."""
    from plan.diff import make_plan

    mode: Literal["error", "warn"] = "warn" if config.unsupported == "warn" else "error"
    state = target.read_state() if state is None else state
    plan = make_plan(
        desired, state, target_name=config.name,
        supported=frozenset(type(target).supported), unsupported_mode=mode,
        safety=config.safety, digest_key=digest_key or new_digest_key(),
        check_rows=target.check_rows,
    )
    return _with_sip_note(plan, desired, state, target, config)


def _with_sip_note(plan: Plan, desired: pd.DataFrame, state: pd.DataFrame, target: Target,
                   config: TargetConfig) -> Plan:
    from dataclasses import replace

    from pbx.base import sip_identity
    from plan.sip_note import sip_login_note

    note = sip_login_note(sip_identity(target), config.kind, desired, state)
    return replace(plan, notes=(*plan.notes, note)) if note else plan


def check_saved(saved: Plan, fresh: Plan) -> None:
    """StalePlan when the PBX or the CSV changed since `saved` was made."""
    from pbx.base import changed_codes
    from plan.render_json import change_to_dict

    changed = changed_codes(dict(saved.state_digests), dict(fresh.state_digests))
    if changed or saved.fingerprint != fresh.fingerprint:
        raise StalePlan(
            "the plan is stale: the PBX changed since it was made (extensions changed: "
            f"{named(changed, STALE_NAMED) or 'state'}); run extctl plan again"
        )
    old = {c.code: change_to_dict(c) for c in saved.changes}
    new = {c.code: change_to_dict(c) for c in fresh.changes}
    if old != new:
        differ = sorted((c for c in old.keys() | new.keys() if old.get(c) != new.get(c)),
                        key=lambda c: (len(c), c))
        raise StalePlan(
            "the plan is stale: extensions.csv changed since it was made (the plan for "
            f"{named(differ, STALE_NAMED)} is different now); run extctl plan --out again"
        )


def prepare(
    desired: pd.DataFrame, target: Target, config: TargetConfig, *,
    saved: Plan | None = None, force: bool = False,
) -> Plan:
    """The plan apply will push: fresh from the PBX, checked against `saved`.

    Raises StalePlan (saved plan out of date) and UnsafePlan (over the safety
    threshold without --force)."""
    if saved is not None:
        if not saved.digest_key:
            raise UsageError(
                f"the plan was made against {saved.target} (plan --base) and cannot be applied; "
                "run extctl plan --target NAME --out PLAN.json"
            )
        if saved.target != config.name:
            raise UsageError(
                f"the plan was made for target {saved.target!r}, not {config.name!r}"
            )
    plan = plan_for_target(desired, target, config, saved.digest_key if saved else None)
    if saved is not None:
        check_saved(saved, plan)
    if not force:
        refuse_unsafe(plan)
    return plan


def refuse_unsafe(plan: Plan) -> None:
    """UnsafePlan when the plan crosses the target's safety threshold."""
    s = plan.safety
    if s.unsafe:
        raise UnsafePlan(
            f"refusing an unsafe plan: it updates or deletes {s.touched} of {s.managed} managed "
            f"extensions (over {100 * s.threshold:g}%): {named(s.codes, STALE_NAMED)}; "
            "review it and apply with --force"
        )


def build_request(plan: Plan, desired: pd.DataFrame) -> ApplyRequest:
    """Desired rows of every written code, and a secret for each password change:
    the CSV literal, or a fresh generated one (creates, rotations, now-auto)."""
    from pbx.base import ApplyRequest
    from plan.diff import normalise_desired

    rows = normalise_desired(desired)
    written = [c.code for c in plan.changes if c.action != "delete"]
    rows = rows.set_index(rows["code"].to_numpy()).loc[written]
    needs = [c.code for c in plan.changes
             if any(isinstance(v, PasswordChange) for _, v in c.fields)]
    chosen = rows.loc[needs, "password"]
    auto = chosen == AUTO_PASSWORD
    out = dict(zip(chosen.index[~auto.to_numpy()], chosen[~auto].tolist(), strict=True))
    generated = generate_passwords(int(auto.sum()))
    out.update(zip(chosen.index[auto.to_numpy()], generated, strict=True))
    return ApplyRequest(plan=plan, rows=rows, secrets=out, digest_key=plan.digest_key)


@dataclass(frozen=True)
class Applied:
    target: str
    counts: dict[str, int]

    def summary(self) -> str:
        n = self.counts
        return (
            f"Applied to {self.target}: {n['create']} created, {n['update']} updated, "
            f"{n['disable']} disabled, {n['enable']} enabled, {n['delete']} deleted."
        )


def execute(plan: Plan, desired: pd.DataFrame, target: Target) -> Applied:
    """Push `plan` (from `prepare`). The target re-checks the digests inside its
    transaction, so a change between prepare and now is still refused."""
    target.apply(build_request(plan, desired))
    return Applied(plan.target, plan.counts())


def apply_plan(
    desired: pd.DataFrame, target: Target, config: TargetConfig, *,
    saved: Plan | None = None, force: bool = False,
) -> Applied:
    """prepare + execute, for callers that need no confirmation step."""
    plan = prepare(desired, target, config, saved=saved, force=force)
    return execute(plan, desired, target)
