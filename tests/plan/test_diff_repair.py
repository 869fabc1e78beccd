"""The diff's side of drift (issue 8): a state row with a `repair` text is
rewritten whole; an auto password is regenerated only when the PBX lost it."""

from __future__ import annotations

from plan.changes import FieldChange, PasswordChange
from plan.diff import csv_state
from tests.plan.helpers import desired, plan, state

ROW = {"code": "2300", "name": "Ann", "allowed_ips": "10.0.0.0/8"}


def test_repair_is_an_update_naming_what_is_missing() -> None:
    have = state({**ROW, "repair": "usr_preferences missing"})
    change, = plan(desired(ROW), have).changes
    assert change.action == "update"
    assert change.fields[0] == ("repair", FieldChange("usr_preferences missing", ""))
    assert "password" not in change.field_map()  # the PBX still holds it: kept


def test_auto_password_regenerated_only_when_really_gone() -> None:
    lost = state({**ROW, "repair": "subscriber missing", "password": ""})
    change, = plan(desired(ROW), lost).changes
    assert change.field_map()["password"] == PasswordChange("lost")
    blank_but_whole = state({**ROW, "password": ""})  # e.g. an adopted row read as ""
    assert plan(desired(ROW), blank_but_whole).empty


def test_base_plan_never_claims_a_lost_password() -> None:
    """plan --base: the CSV at the ref has no secrets for auto rows, nothing is lost."""
    assert plan(desired(ROW), csv_state(desired(ROW)), digest_key="").empty


def test_repairs_count_towards_the_safety_threshold() -> None:
    rows = [{**ROW, "code": str(2300 + i)} for i in range(10)]
    have = state(*({**r, "repair": "moved from domain old.example"} for r in rows))
    result = plan(desired(*rows), have)
    assert result.safety.unsafe and result.safety.touched == 10


def test_bindings_cover_written_rows_and_change_with_a_literal() -> None:
    have = state(ROW)
    one = plan(desired({**ROW, "password": "tQ7#vZ2m!Lp9Rx4k"}), have)
    two = plan(desired({**ROW, "password": "k2VqP9wX3nR7tL5y"}), have)
    assert [c for c, _ in one.bindings] == ["2300"]
    assert one.changes == two.changes and one.bindings != two.bindings
    assert "tQ7#vZ2m!Lp9Rx4k" not in repr(one.bindings)
