from __future__ import annotations

import pandas as pd
import pytest

from extctl.errors import CheckFailed
from extctl.policy import Safety
from plan.changes import FieldChange, PasswordChange
from plan.diff import csv_state
from schema.columns import COLUMNS
from tests.plan.helpers import SECRET, desired, plan, state


def by_code(p):  # type: ignore[no-untyped-def]
    return {c.code: c for c in p.changes}


def test_no_changes_when_csv_matches_the_pbx() -> None:
    want = desired({"code": "2105", "name": "Mia Lopez", "call_limit": "2"})
    have = state({"code": "2105", "name": "Mia Lopez", "call_limit": "2"})
    p = plan(want, have)
    assert p.empty
    assert p.counts() == {"create": 0, "update": 0, "delete": 0, "disable": 0, "enable": 0}


def test_create_update_delete_and_order() -> None:
    want = desired(
        {"code": "2300", "name": "B", "call_limit": "3"},
        {"code": "2105", "name": "A"},
        {"code": "990", "name": "C"},
    )
    have = state({"code": "2300", "name": "B", "call_limit": "2"},
                 {"code": "2400", "name": "D"}, {"code": "10000", "name": "E"})
    p = plan(want, have)
    assert [(c.action, c.code) for c in p.changes] == [
        ("delete", "2400"), ("delete", "10000"),
        ("create", "990"), ("create", "2105"),
        ("update", "2300"),
    ]
    assert by_code(p)["2300"].fields == (("call_limit", FieldChange("2", "3")),)
    create = by_code(p)["2105"].field_map()
    assert create["name"] == FieldChange("", "A")
    assert create["username"] == FieldChange("", "2105")  # blank username means the code
    assert create["password"] == PasswordChange("new")
    assert "dnd" not in create  # defaults are not listed


def test_disable_and_enable_carry_other_field_changes() -> None:
    want = desired({"code": "2105", "name": "A", "enabled": "false", "dnd": "true"},
                   {"code": "2106", "name": "B", "enabled": "true"})
    have = state({"code": "2105", "name": "A"}, {"code": "2106", "name": "B", "enabled": "false"})
    p = by_code(plan(want, have))
    assert p["2105"].action == "disable"
    assert p["2105"].field_map()["dnd"] == FieldChange("false", "true")
    assert p["2106"].action == "enable"


def test_blank_cells_mean_defaults_on_both_sides() -> None:
    want = desired({"code": "2105", "name": "A", "enabled": "", "transport": ""})
    have = state({"code": "2105", "name": "A", "dnd": "", "transport": ""})
    assert plan(want, have).empty


def test_unmanaged_are_listed_never_touched_and_adopted_when_in_csv() -> None:
    want = desired({"code": "2105", "name": "Mia"})
    have = state({"code": "2105", "name": "Old", "managed": "false", "password_source": ""},
                 {"code": "2999", "name": "Fax", "managed": "false", "password_source": ""})
    p = plan(want, have)
    assert p.unmanaged == ("2999",)
    assert [c.code for c in p.changes] == ["2105"]
    adopt = p.changes[0].field_map()
    assert adopt["managed"] == FieldChange("false", "true")
    assert adopt["name"] == FieldChange("Old", "Mia")
    # auto on adoption keeps the phone's current password (bootstrap from export)
    assert "password" not in adopt


def test_adopt_without_differences_is_still_an_update() -> None:
    want = desired({"code": "2105", "name": "A"})
    have = state({"code": "2105", "name": "A", "managed": "false", "password_source": ""})
    p = plan(want, have)
    assert [(c.action, c.fields) for c in p.changes] == [
        ("update", (("managed", FieldChange("false", "true")),))
    ]


@pytest.mark.parametrize(
    ("want_pw", "want_date", "src", "have_pw", "have_date", "reason"),
    [
        ("", "2025-06-01", "auto", "generated", "2025-01-01", "rotated"),
        ("auto", "2025-06-01", "auto", "generated", "2025-01-01", "rotated"),
        ("", "2025-01-01", "auto", "generated", "2025-06-01", None),  # older: no rotation
        ("", "2025-01-01", "auto", "generated", "2025-01-01", None),
        ("", "", "auto", "generated", "", None),
        ("auto", "", "literal", SECRET, "", "now-auto"),
        (SECRET, "", "literal", SECRET, "", None),
        (SECRET, "", "literal", SECRET + "x", "", "literal"),
        (SECRET, "", "auto", "generated", "", "literal"),
    ],
)
def test_password_cases(  # noqa: PLR0917 - one parameter per case column
    want_pw: str, want_date: str, src: str, have_pw: str, have_date: str,
    reason: str | None,
) -> None:
    want = desired({"code": "2105", "name": "A", "password": want_pw,
                    "password_rotated": want_date})
    have = state({"code": "2105", "name": "A", "password": have_pw,
                  "password_source": src, "password_rotated": have_date})
    p = plan(want, have)
    got = [v for c in p.changes for k, v in c.fields if k == "password"]
    assert got == ([PasswordChange(reason)] if reason else [])  # type: ignore[arg-type]


def test_unsupported_column_is_an_error_naming_codes() -> None:
    want = desired({"code": "2105", "name": "A", "dnd": "true"},
                   {"code": "2106", "name": "B", "dnd": "false"})
    supported = frozenset(COLUMNS) - {"dnd"}
    with pytest.raises(CheckFailed, match=r"column dnd .*: 2105\b") as err:
        plan(want, state(), supported=supported, target_name="asterisk")
    assert "2106" not in str(err.value)  # its value is the default


def test_unsupported_column_in_warn_mode_is_ignored_with_a_warning() -> None:
    want = desired({"code": "2105", "name": "A", "forward_number": "+14155550100"})
    have = state({"code": "2105", "name": "A"})
    supported = frozenset(COLUMNS) - {"forward_number"}
    p = plan(want, have, supported=supported, unsupported_mode="warn")
    assert p.empty
    assert len(p.warnings) == 1 and "forward_number" in p.warnings[0] and "2105" in p.warnings[0]


def test_unsupported_error_names_at_most_twenty() -> None:
    want = desired(*({"code": str(3000 + i), "name": "A", "dnd": "true"} for i in range(30)))
    with pytest.raises(CheckFailed, match="and 10 more"):
        plan(want, state(), supported=frozenset(COLUMNS) - {"dnd"})


def test_target_check_rows_problems_fail_the_plan() -> None:
    want = desired({"code": "2105", "name": "A" * 50})

    def check(rows: pd.DataFrame) -> list[tuple[str, str, str]]:
        return [(c, "name", "longer than 40 characters") for c in rows["code"]
                if len(rows.set_index("code").loc[c, "name"]) > 40]

    with pytest.raises(CheckFailed, match="2105 name: longer than 40"):
        plan(want, state(), check_rows=check)


def test_duplicate_desired_codes_fail() -> None:
    with pytest.raises(CheckFailed, match=r"duplicate codes.*2105"):
        plan(desired({"code": "2105", "name": "A"}, {"code": "2105", "name": "B"}), state())


def _managed(n: int) -> pd.DataFrame:
    return state(*({"code": str(2000 + i), "name": "N"} for i in range(n)))


def _touch(n: int, k: int) -> pd.DataFrame:
    rows = [{"code": str(2000 + i), "name": "N" if i >= k else "M"} for i in range(n)]
    return desired(*rows)


def test_safety_exactly_thirty_percent_is_safe() -> None:
    assert not plan(_touch(10, 3), _managed(10)).safety.unsafe
    assert not plan(_touch(100, 30), _managed(100)).safety.unsafe


def test_safety_above_thirty_percent_is_unsafe_and_names_rows() -> None:
    s = plan(_touch(10, 4), _managed(10)).safety
    assert s.unsafe and s.managed == 10 and s.touched == 4
    assert s.codes == ("2000", "2001", "2002", "2003")


def test_safety_deletes_count_and_creates_do_not() -> None:
    want = desired(*({"code": str(2000 + i), "name": "N"} for i in range(6)),
                   *({"code": str(5000 + i), "name": "X"} for i in range(50)))
    s = plan(want, _managed(10)).safety
    assert s.unsafe and s.touched == 4


def test_safety_below_min_existing_is_never_unsafe() -> None:
    assert not plan(_touch(9, 9), _managed(9)).safety.unsafe
    custom = Safety(min_existing=5, max_change_fraction=0.5)
    assert plan(_touch(9, 5), _managed(9), safety=custom).safety.unsafe


def test_digests_cover_the_current_state() -> None:
    have = _managed(3)
    p = plan(_touch(3, 0), have)
    assert [c for c, _ in p.state_digests] == ["2000", "2001", "2002"]
    assert len(p.fingerprint) == 64 and p.digest_key
    changed = have.copy()
    changed.loc[1, "password"] = "other"
    q = plan(_touch(3, 0), changed)
    assert dict(p.state_digests)["2001"] != dict(q.state_digests)["2001"]
    assert dict(p.state_digests)["2000"] == dict(q.state_digests)["2000"]


def test_csv_state_for_base_plans() -> None:
    base = desired({"code": "2105", "name": "A", "password": SECRET},
                   {"code": "2106", "name": "B"})
    st = csv_state(base).set_index("code")
    assert st.loc["2105", "password_source"] == "literal"
    assert st.loc["2106", "password_source"] == "auto"
    assert st.loc["2106", "password"] == ""
    assert (st["managed"] == "true").all()
    head = desired({"code": "2105", "name": "A", "password": SECRET},
                   {"code": "2106", "name": "B", "password_rotated": "2025-02-01"})
    p = plan(head, csv_state(base), digest_key="")
    assert [(c.action, c.code) for c in p.changes] == [("update", "2106")]
    assert p.changes[0].field_map()["password"] == PasswordChange("rotated")
    assert p.state_digests == () and p.fingerprint == ""


def test_non_numeric_codes_on_the_pbx_still_align() -> None:
    want = desired({"code": "2105", "name": "A"})
    have = state({"code": "2105", "name": "A"},
                 {"code": "fax-01", "name": "Fax", "managed": "false"})
    p = plan(want, have)
    assert p.empty and p.unmanaged == ("fax-01",)


def _bench():  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "plan_bench.py"
    spec = importlib.util.spec_from_file_location("plan_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_change_replan_of_100k_within_budget() -> None:
    import time

    bench = _bench()
    want, have = bench.frames(100_000, 0.0)
    start = time.perf_counter()
    p = plan(want, have)
    assert time.perf_counter() - start < 3.0
    assert p.empty and len(p.state_digests) == 100_000


def test_one_percent_changed_matches_the_naive_diff() -> None:
    bench = _bench()
    want, have = bench.frames(30_000, 0.01)
    p = plan(want, have, safety=Safety(max_change_fraction=1.0))
    assert len(p.changes) == bench.naive(want, have) == 300
    assert p.counts() == {"create": 100, "update": 100, "delete": 100, "disable": 0, "enable": 0}
