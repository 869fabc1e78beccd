from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from extctl.errors import StalePlan, UnsafePlan, UsageError
from extctl.policy import Safety, TargetConfig
from pbx.base import ApplyRequest
from plan.apply import apply_plan, build_request, generate_passwords, plan_for_target, prepare
from plan.planfile import load_plan, save_plan
from schema.columns import COLUMNS
from tests.plan.helpers import SECRET, desired, plan, state


def test_generated_passwords_are_long_random_and_alphanumeric() -> None:
    pw = generate_passwords(2000)
    assert len(set(pw)) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", p) for p in pw)
    # every one of the 62 characters shows up: no truncated alphabet
    assert len(set("".join(pw))) == 62
    assert generate_passwords(0) == []


def test_request_secrets_literal_from_csv_generated_for_auto() -> None:
    want = desired(
        {"code": "2105", "name": "A", "password": SECRET},  # create, literal
        {"code": "2106", "name": "B"},  # create, auto
        {"code": "2107", "name": "C", "password_rotated": "2025-06-01"},  # rotated
        {"code": "2108", "name": "D", "call_limit": "3"},  # plain update: no secret
    )
    have = state({"code": "2107", "name": "C", "password_rotated": "2025-01-01"},
                 {"code": "2108", "name": "D"}, {"code": "2109", "name": "E"})
    p = plan(want, have)
    req = build_request(p, want)
    assert set(req.secrets) == {"2105", "2106", "2107"}
    assert req.secrets["2105"] == SECRET
    assert re.fullmatch(r"[A-Za-z0-9]{32}", req.secrets["2106"])
    assert req.secrets["2106"] != req.secrets["2107"]
    assert list(req.rows.index) == ["2105", "2106", "2107", "2108"]  # deletes carry no row
    assert req.rows.loc["2106", "password"] == "auto"
    assert req.rows.loc["2106", "username"] == "2106"
    assert req.digest_key == p.digest_key
    assert SECRET not in repr(req.plan)


class FakeTarget:
    """In-memory stand-in, for the orchestration unit tests only."""

    kind: ClassVar[str] = "fake"
    supported: ClassVar[frozenset[str]] = frozenset(COLUMNS)

    def __init__(self, current: pd.DataFrame) -> None:
        self.current = current
        self.requests: list[ApplyRequest] = []

    def read_state(self) -> pd.DataFrame:
        return self.current

    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]:
        return []

    def apply(self, request: ApplyRequest) -> None:
        self.requests.append(request)


CONFIG = TargetConfig("fake", "fake", "none", safety=Safety())


def _ten() -> pd.DataFrame:
    return state(*({"code": str(2000 + i), "name": "N"} for i in range(10)))


def test_unsafe_plan_refused_without_force() -> None:
    target = FakeTarget(_ten())
    want = desired(*({"code": str(2000 + i), "name": "N"} for i in range(6)))
    with pytest.raises(UnsafePlan, match=r"4 of 10 .*2006, 2007, 2008, 2009.*--force"):
        apply_plan(want, target, CONFIG)  # type: ignore[arg-type]
    assert target.requests == []
    done = apply_plan(want, target, CONFIG, force=True)  # type: ignore[arg-type]
    assert done.counts["delete"] == 4 and len(target.requests) == 1


def test_saved_plan_stale_when_the_pbx_changed(tmp_path: Path) -> None:
    want = desired({"code": "2000", "name": "New name"})
    target = FakeTarget(_ten().head(2))
    saved_path = tmp_path / "p.json"
    save_plan(plan_for_target(want, target, CONFIG), saved_path)  # type: ignore[arg-type]
    changed = target.current.copy()
    changed.loc[1, "call_limit"] = "7"  # 2001 changed behind our back
    target.current = changed
    with pytest.raises(StalePlan, match=r"PBX changed.*2001") as err:
        prepare(want, target, CONFIG, saved=load_plan(saved_path))  # type: ignore[arg-type]
    assert "2000" not in str(err.value)


def test_saved_plan_refused_when_the_csv_changed(tmp_path: Path) -> None:
    target = FakeTarget(_ten().head(2))
    saved_path = tmp_path / "p.json"
    want = desired({"code": "2000", "name": "New"}, {"code": "2001", "name": "N"})
    save_plan(plan_for_target(want, target, CONFIG), saved_path)  # type: ignore[arg-type]
    edited = desired({"code": "2000", "name": "New"}, {"code": "2001", "name": "Other"})
    with pytest.raises(StalePlan, match=r"extensions.csv changed.*2001"):
        prepare(edited, target, CONFIG, saved=load_plan(saved_path))  # type: ignore[arg-type]
    # unchanged CSV and PBX: the saved plan goes through with its own key
    ok = prepare(want, target, CONFIG, saved=load_plan(saved_path))  # type: ignore[arg-type]
    assert ok.digest_key == load_plan(saved_path).digest_key


def test_saved_plan_for_another_target_or_base_is_refused(tmp_path: Path) -> None:
    want = desired({"code": "2000", "name": "N"})
    target = FakeTarget(_ten().head(1))
    other = TargetConfig("other", "fake", "none")
    path = tmp_path / "p.json"
    save_plan(plan_for_target(want, target, CONFIG), path)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="made for target 'fake'"):
        prepare(want, target, other, saved=load_plan(path))  # type: ignore[arg-type]
    save_plan(plan(want, state(), target_name="git:main", digest_key=""), path)
    with pytest.raises(UsageError, match="plan --base"):
        prepare(want, target, CONFIG, saved=load_plan(path))  # type: ignore[arg-type]
