"""Hand edits in FusionPBX's UI (or SQL) between applies: extctl converges
or refuses with both names; never touches what it does not manage."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from extctl.errors import CheckFailed, TargetError
from pbx.fusionpbx import FusionpbxTarget
from plan.apply import apply_plan, plan_for_target
from plan.changes import Plan
from tests.pbx.fusion import config, load_tables, target, ui_extension
from tests.pbx.helpers import dump, execute, frame, request_for, row

pytestmark = pytest.mark.integration


@pytest.fixture
def url(pg_db_url: str) -> Iterator[str]:
    load_tables(pg_db_url, "5.5.7")
    yield pg_db_url.replace("+psycopg", "")


def csv(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"allowed_ips": "10.0.0.0/8", **r} for r in rows], dtype=object)


def plan(t: FusionpbxTarget, desired: pd.DataFrame) -> Plan:
    return plan_for_target(desired, t, t.config)


def apply(t: FusionpbxTarget, desired: pd.DataFrame) -> None:
    apply_plan(desired, t, t.config, force=True)


BASE = csv({"code": "2105", "name": "Alice", "username": "alice"},
           {"code": "2106", "name": "Bob"})


def test_row_deleted_by_hand_is_planned_back(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    execute(url, "DELETE FROM v_extensions WHERE number_alias = '2106'")
    p = plan(t, BASE)
    assert [(c.action, c.code) for c in p.changes] == [("create", "2106")]
    apply(t, BASE)
    assert plan(t, BASE).changes == ()
    assert execute(url, "SELECT count(*) FROM extctl_managed WHERE code = '2106'") == [(1,)]


def test_unmanaged_row_with_our_extension_is_refused_naming_both(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    other = ui_extension(url, "alice", number_alias="300")
    with pytest.raises(CheckFailed) as err:
        plan(t, csv({"code": "2105", "name": "Alice Doe", "username": "alice"},
                    {"code": "2106", "name": "Bob"}, {"code": "300", "name": "X"})
             .iloc[[0, 1]])
    text = str(err.value)
    assert "2105" in text and "'alice'" in text and other in text


def test_unmanaged_row_answering_to_our_code_is_refused(url: str) -> None:
    t = target(url)
    ui_extension(url, "2107", number_alias="301")
    with pytest.raises(CheckFailed, match=r"2107 code: SIP user '2107'.*extension '2107'"):
        plan(t, csv({"code": "2107", "name": "New"}))


def test_apply_refuses_the_conflict_even_without_a_plan_check(url: str) -> None:
    ui_extension(url, "alice", number_alias="300")
    before = dump(url)
    fresh = target(url)  # never read: check_rows had nothing to check against
    with pytest.raises(TargetError, match=r"refusing to write: 2105 username: SIP user 'alice'"):
        fresh.apply(request_for(fresh, frame([row("2105", username="alice")])))
    assert dump(url) == before


def test_duplicate_rows_for_a_code_are_shown_and_refused(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    dup = ui_extension(url, "2106")  # a second row answering to 2106
    with pytest.raises(CheckFailed, match=rf"2106 .*{dup}"):
        plan(t, BASE)
    state = t.read_state().set_index("code")
    assert state.loc["2106", "managed"] == "true"
    assert "other FusionPBX row" in state.loc["2106", "username"]
    execute(url, "DELETE FROM v_extensions WHERE extension_uuid = CAST(:u AS uuid)", u=dup)
    assert plan(t, BASE).changes == ()


def test_hand_edits_of_mapped_columns_converge(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    execute(url, "UPDATE v_extensions SET extension = 'al', description = 'x', "
                 "enabled = false, auth_acl = '', cidr = '0.0.0.0/0' "
                 "WHERE number_alias = '2105'")
    p = plan(t, BASE)
    [change] = p.changes
    assert change.action == "enable" and change.code == "2105"
    assert set(change.field_map()) == {"username", "enabled", "notes", "allowed_ips"}
    apply(t, BASE)
    assert plan(t, BASE).changes == ()
    [(ext, acl, cidr, enabled)] = execute(
        url, "SELECT extension, auth_acl, cidr, enabled FROM v_extensions "
             "WHERE number_alias = '2105'")
    assert (ext, acl, cidr, enabled) == ("alice", "10.0.0.0/8", None, True)


def test_cidr_set_by_hand_is_shown_and_cleared(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    execute(url, "UPDATE v_extensions SET cidr = '0.0.0.0/0' WHERE number_alias = '2106'")
    [change] = plan(t, BASE).changes
    old = change.field_map()["allowed_ips"]
    assert "cidr 0.0.0.0/0" in getattr(old, "old", "")
    apply(t, BASE)
    assert execute(url, "SELECT cidr FROM v_extensions WHERE number_alias = '2106'") == [(None,)]
    assert plan(t, BASE).changes == ()


def test_number_alias_changed_by_hand_converges(url: str) -> None:
    t = target(url)
    apply(t, BASE)
    execute(url, "UPDATE v_extensions SET number_alias = '2199' WHERE number_alias = '2106'")
    p = plan(t, BASE)
    assert [(c.action, c.code) for c in p.changes] == [("delete", "2199"), ("create", "2106")]
    apply(t, BASE)
    assert plan(t, BASE).changes == ()
    assert sorted(r[0] for r in execute(url, "SELECT number_alias FROM v_extensions")) == [
        "2105", "2106"]


def test_unmanaged_rows_never_deleted(url: str) -> None:
    t = target(url)
    ui_extension(url, "300")
    apply(t, BASE)
    apply(t, csv())
    assert [r[0] for r in execute(url, "SELECT extension FROM v_extensions")] == ["300"]


def test_safety_threshold_holds(url: str) -> None:
    from extctl.errors import UnsafePlan
    from plan.apply import prepare

    t = target(url)
    many = csv(*({"code": str(3000 + i), "name": f"U{i}"} for i in range(12)))
    apply(t, many)
    with pytest.raises(UnsafePlan):
        prepare(many.iloc[:2], t, config(url))
