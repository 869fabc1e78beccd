"""The fusionpbx target against FusionPBX's own tables (5.5.7 boolean flags and
5.4.4 text flags) on a real PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from extctl.errors import StalePlan, TargetError
from pbx.base import open_target
from tests.pbx.fusion import (
    DOMAIN,
    DOMAIN_UUID,
    VERSIONS,
    config,
    load_tables,
    target,
    ui_extension,
)
from tests.pbx.helpers import dump, execute, frame, request_for, row

pytestmark = pytest.mark.integration


@pytest.fixture(params=VERSIONS)
def fusion_url(request: pytest.FixtureRequest, pg_db_url: str) -> Iterator[str]:
    load_tables(pg_db_url, request.param)
    yield pg_db_url.replace("+psycopg", "")


def ext(url: str, code: str) -> dict[str, object]:
    rows = execute(url, """
        SELECT extension, number_alias, password, effective_caller_id_name, limit_max,
               CAST(do_not_disturb AS text), CAST(forward_all_enabled AS text),
               forward_all_destination, auth_acl, cidr, CAST(enabled AS text), description,
               user_context, CAST(extension_uuid AS text), call_group
        FROM v_extensions
        WHERE number_alias = :c OR (COALESCE(number_alias, '') = '' AND extension = :c)
        """, c=code)
    assert len(rows) == 1, rows
    keys = ("extension", "number_alias", "password", "name", "limit_max", "dnd", "fwd_on",
            "fwd", "auth_acl", "cidr", "enabled", "description", "user_context", "uuid",
            "call_group")
    return dict(zip(keys, rows[0], strict=True))


def test_registered_kind(fusion_url: str) -> None:
    assert type(open_target(config(fusion_url))).__name__ == "FusionpbxTarget"


def test_create_maps_every_column(fusion_url: str) -> None:
    t = target(fusion_url)
    desired = frame([
        row("2105", username="alice", call_limit="3", dnd="true",
            forward_number="+14085550123", allowed_ips="10.1.0.0/16;192.168.1.5",
            notes="front desk", name="Alice Doe"),
        row("2106", enabled="false"),
    ])
    t.apply(request_for(t, desired, secrets={"2105": "k2VqP9wX3nR7tL5y-a",
                                               "2106": "k2VqP9wX3nR7tL5y-b"}))
    a = ext(fusion_url, "2105")
    assert a["extension"] == "alice" and a["number_alias"] == "2105"
    assert a["password"] == "k2VqP9wX3nR7tL5y-a"
    assert a["name"] == "Alice Doe" and a["limit_max"] == "3"
    assert (a["dnd"], a["fwd_on"], a["fwd"]) == ("true", "true", "+14085550123")
    assert a["auth_acl"] == "10.1.0.0/16,192.168.1.5"
    assert a["cidr"] is None  # never cidr: it would let the address in without a password
    assert a["enabled"] == "true" and a["description"] == "front desk"
    assert a["user_context"] == DOMAIN
    b = ext(fusion_url, "2106")
    assert b["extension"] == "2106" and b["enabled"] == "false" and b["fwd_on"] == "false"
    state = t.read_state().set_index("code")
    assert state.loc["2105", "forward_number"] == "+14085550123"
    assert state.loc["2105", "allowed_ips"] == "10.1.0.0/16;192.168.1.5"
    assert state.loc["2105", "username"] == "alice"
    assert state.loc["2105", "managed"] == "true"
    assert state.loc["2106", "enabled"] == "false"
    assert state.loc["2105", "notes"] == "front desk"


def test_second_apply_plans_nothing_and_update_keeps_uuid(fusion_url: str) -> None:
    from plan.apply import plan_for_target

    t = target(fusion_url)
    desired = frame([row("2105", call_limit="2"), row("2106")])
    t.apply(request_for(t, desired))
    before = ext(fusion_url, "2105")
    # a column FusionPBX's UI set (not mapped by extctl) must survive an update
    execute(fusion_url, "UPDATE v_extensions SET call_group = 'sales' WHERE number_alias='2105'")
    import pandas as pd

    csv = pd.DataFrame([{"code": "2105", "name": "User 2105", "allowed_ips": "10.0.0.0/8",
                         "call_limit": "2"},
                        {"code": "2106", "name": "User 2106", "allowed_ips": "10.0.0.0/8"}])
    plan = plan_for_target(csv, t, config(fusion_url))
    assert plan.changes == ()
    t.apply(request_for(t, frame([row("2105", call_limit="4"), row("2106")])))
    after = ext(fusion_url, "2105")
    assert after["uuid"] == before["uuid"] and after["limit_max"] == "4"
    assert after["call_group"] == "sales" and after["password"] == before["password"]


def test_unmanaged_row_left_alone_then_adopted(fusion_url: str) -> None:
    t = target(fusion_url)
    uuid = ui_extension(fusion_url, "300", password="ui-secret-pw")
    t.apply(request_for(t, frame([row("2105")])))
    state = t.read_state().set_index("code")
    assert state.loc["300", "managed"] == "false"
    assert ext(fusion_url, "300")["password"] == "ui-secret-pw"
    # a CSV row with the same code adopts it; an auto password keeps the phone's one
    t.apply(request_for(t, frame([row("2105"), row("300", name="Reception")]), secrets={}))
    adopted = ext(fusion_url, "300")
    assert adopted["uuid"] == uuid and adopted["password"] == "ui-secret-pw"
    assert adopted["name"] == "Reception" and adopted["call_group"] == "sales"
    assert t.read_state().set_index("code").loc["300", "managed"] == "true"


def test_delete_removes_managed_rows_only(fusion_url: str) -> None:
    t = target(fusion_url)
    ui_extension(fusion_url, "300")
    t.apply(request_for(t, frame([row("2105"), row("2106")])))
    execute(fusion_url, "INSERT INTO v_extension_users (extension_user_uuid, domain_uuid, "
                        "extension_uuid) SELECT gen_random_uuid(), domain_uuid, extension_uuid "
                        "FROM v_extensions WHERE number_alias = '2106'")
    t.apply(request_for(t, frame([row("2105")])))
    codes = set(t.read_state()["code"])
    assert codes == {"2105", "300"}
    assert execute(fusion_url, "SELECT count(*) FROM v_extension_users") == [(0,)]


def test_domain_missing_or_disabled_is_a_clear_error(fusion_url: str) -> None:
    with pytest.raises(TargetError, match=r"domain 'nope.example' is not in v_domains"):
        target(fusion_url, domain="nope.example").read_state()
    execute(fusion_url, "UPDATE v_domains SET domain_enabled = false")
    with pytest.raises(TargetError, match="is disabled in FusionPBX"):
        target(fusion_url).read_state()


def test_other_domain_rows_are_invisible(fusion_url: str) -> None:
    execute(fusion_url, "INSERT INTO v_domains (domain_uuid, domain_name, domain_enabled) "
                        "VALUES (gen_random_uuid(), 'other.example', true)")
    a, b = target(fusion_url), target(fusion_url, domain="other.example")
    a.apply(request_for(a, frame([row("2105")])))
    b.apply(request_for(b, frame([row("2105"), row("2107")])))
    assert set(a.read_state()["code"]) == {"2105"}
    assert set(b.read_state()["code"]) == {"2105", "2107"}
    # deleting in one tenant leaves the other's 2105 alone
    a.apply(request_for(a, frame([])))
    assert set(b.read_state()["code"]) == {"2105", "2107"}


def test_not_postgres_or_no_domain_is_refused(tmp_path: object) -> None:
    from extctl.policy import TargetConfig

    with pytest.raises(TargetError, match="PostgreSQL"):
        open_target(TargetConfig("f", "fusionpbx", "sqlite:///x.sqlite", options=(("domain",
                                                                                   "d"),)))
    with pytest.raises(TargetError, match="option domain is required"):
        open_target(TargetConfig("f", "fusionpbx", "postgresql://u:p@127.0.0.1/db"))


def test_stale_plan_refused(fusion_url: str) -> None:
    t = target(fusion_url)
    t.apply(request_for(t, frame([row("2105"), row("2106")])))
    request = request_for(t, frame([row("2105", call_limit="5"), row("2106")]))
    execute(fusion_url, "UPDATE v_extensions SET limit_max = '9' WHERE number_alias = '2106'")
    before = dump(fusion_url)
    with pytest.raises(StalePlan, match="2106"):
        t.apply(request)
    assert dump(fusion_url) == before


def test_failed_apply_leaves_everything(fusion_url: str) -> None:
    t = target(fusion_url)
    t.apply(request_for(t, frame([row("2105")])))
    before = dump(fusion_url)
    request = request_for(t, frame([row("2105", call_limit="3"), row("2106")]))
    # a trigger makes the INSERT fail after the UPDATE ran: all must roll back
    execute(fusion_url, """CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'boom'; END $$""")
    execute(fusion_url, "CREATE TRIGGER t BEFORE INSERT ON v_extensions "
                        "FOR EACH ROW EXECUTE FUNCTION boom()")
    with pytest.raises(TargetError, match="boom"):
        t.apply(request)
    assert dump(fusion_url) == before


def test_apply_holds_the_lock(fusion_url: str) -> None:
    """A second apply waits for the first (advisory lock), then finds it stale."""
    import sqlalchemy as sa

    from pbx.sql import PG_LOCK_KEY

    t = target(fusion_url)
    request = request_for(t, frame([row("2105")]))
    eng = sa.create_engine(fusion_url.replace("postgresql://", "postgresql+psycopg://"))
    conn = eng.connect()
    conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
    done: list[str] = []
    worker = threading.Thread(target=lambda: (t.apply(request), done.append("applied")))
    worker.start()
    time.sleep(1.0)
    assert done == []  # waiting for the lock
    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
    worker.join(30)
    conn.close()
    eng.dispose()
    assert done == ["applied"]


def test_domain_uuid_is_the_domains(fusion_url: str) -> None:
    t = target(fusion_url)
    t.apply(request_for(t, frame([row("2105")])))
    rows = execute(fusion_url, "SELECT CAST(domain_uuid AS text) FROM v_extensions")
    assert rows == [(DOMAIN_UUID,)]
