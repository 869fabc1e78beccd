"""Drift: the PBX changed behind extctl's back. Read as a list of scenarios.

For every table an extension touches, on kamailio and asterisk, on SQLite and a
real PostgreSQL: delete, corrupt or duplicate its rows by hand (or add a
conflicting unmanaged row); then `plan` names the extension and what is wrong,
and `apply` converges (the second plan says "No changes."), or the plan
refuses with the fix. Each scenario failed on the code before issue 8.
"""

from __future__ import annotations

import pytest

from extctl.errors import CheckFailed
from plan.render_text import render_text
from tests.pbx.drift_harness import LITERAL, Pbx, rows

# (id, hand edit, what the plan must say about 2300 / 2301 / ...)
KAMAILIO = [
    ("subscriber-deleted", ["DELETE FROM subscriber WHERE username = '2300'"],
     ["~ 2300 update repair: subscriber missing", "password: (regenerated: the PBX lost it)"]),
    ("subscriber-and-preferences-deleted",  # issue 8 item 1: the apply used to fail
     ["DELETE FROM subscriber WHERE username = '2300'",
      "DELETE FROM usr_preferences WHERE uuid = '2300'"],
     ["~ 2300 update repair: subscriber and usr_preferences missing"]),
    ("preferences-deleted", ["DELETE FROM usr_preferences WHERE uuid = '2301'"],
     ["~ 2301 update repair: usr_preferences missing"]),
    ("one-attribute-deleted",
     ["DELETE FROM usr_preferences WHERE uuid = '2302' AND attribute = 'enabled'"],
     ["~ 2302 update repair: usr_preferences enabled missing"]),
    ("ha1-corrupted", ["UPDATE subscriber SET ha1 = 'x' WHERE username = 'bob.l'"],
     ["~ 2301 update repair: subscriber ha1 does not match the password"]),
    ("password-blanked", ["UPDATE subscriber SET password = '' WHERE username = '2300'"],
     ["~ 2300 update repair: subscriber password blank", "(regenerated: the PBX lost it)"]),
    ("literal-password-changed",
     ["UPDATE subscriber SET password = 'hand-set' WHERE username = 'bob.l'"],
     ["~ 2301 update", "password: (changed)"]),
    ("attribute-corrupted",
     ["UPDATE usr_preferences SET value = '0' WHERE uuid = '2300' AND attribute = 'enabled'"],
     ["~ 2300 enable"]),
    ("attribute-duplicated",
     ["INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value) "
      "VALUES ('2300', '2300', '{domain}', 'name', 0, 'Aaa Older')"],
     ["~ 2300 update repair: usr_preferences duplicated"]),
    ("bookkeeping-only-of-a-removed-row",
     ["DELETE FROM subscriber WHERE username = 'cat'",
      "DELETE FROM usr_preferences WHERE uuid = '2302'"],
     ["- 2302 delete"]),
]
ASTERISK = [
    ("endpoint-deleted", ["DELETE FROM ps_endpoints WHERE id = '2300'"],  # item 1
     ["~ 2300 update repair: ps_endpoints missing"]),
    ("auth-deleted", ["DELETE FROM ps_auths WHERE id = '2300'"],
     ["~ 2300 update repair: ps_auths missing", "(regenerated: the PBX lost it)"]),
    ("aor-deleted", ["DELETE FROM ps_aors WHERE id = '2301'"],
     ["~ 2301 update repair: ps_aors missing"]),
    ("all-three-deleted",
     ["DELETE FROM ps_endpoints WHERE id = '2300'", "DELETE FROM ps_auths WHERE id = '2300'",
      "DELETE FROM ps_aors WHERE id = '2300'"],
     ["~ 2300 update repair: ps_endpoints, ps_auths and ps_aors missing"]),
    ("endpoint-auth-repointed", ["UPDATE ps_endpoints SET auth = 'nobody' WHERE id = '2301'"],
     ["~ 2301 update repair: ps_auths missing; ps_endpoints auth is not the code"]),
    ("context-corrupted", ["UPDATE ps_endpoints SET context = 'evil' WHERE id = '2300'"],
     ["~ 2300 update repair: ps_endpoints context is not from-internal"]),
    ("deny-corrupted", ["UPDATE ps_endpoints SET deny = '' WHERE id = '2301'"],
     ["~ 2301 update repair: ps_endpoints deny is wrong"]),
    ("password-blanked", ["UPDATE ps_auths SET password = '' WHERE id = '2300'"],
     ["~ 2300 update repair: ps_auths password blank", "(regenerated: the PBX lost it)"]),
    ("callerid-corrupted", ["UPDATE ps_endpoints SET callerid = 'x' WHERE id = '2302'"],
     ["~ 2302 update name: \"\" -> \"Cat Tls\""]),
    ("disabled-by-hand", ["UPDATE ps_aors SET max_contacts = 0 WHERE id = '2300'"],
     ["~ 2300 enable", "repair: ps_aors remove_existing is wrong"]),
    ("bookkeeping-only-of-a-removed-row",
     ["DELETE FROM ps_endpoints WHERE id = '2302'", "DELETE FROM ps_auths WHERE id = '2302'",
      "DELETE FROM ps_aors WHERE id = '2302'"],
     ["- 2302 delete"]),
]
SCENARIOS = [("kamailio", *s) for s in KAMAILIO] + [("asterisk", *s) for s in ASTERISK]


@pytest.mark.parametrize(("kind", "name", "edits", "expected"), SCENARIOS,
                         ids=[f"{k}-{n}" for k, n, _, _ in SCENARIOS])
def test_hand_edit_is_planned_and_converges(kind: str, name: str, edits: list[str],
                                            expected: list[str], sql_url: str) -> None:
    pbx = Pbx(kind, sql_url)
    pbx.apply(rows())
    before = pbx.passwords()
    pbx.sql(*edits)
    desired = rows().iloc[:2] if name.startswith("bookkeeping-only") else rows()
    text = pbx.converge(desired)
    for line in expected:
        assert line in text, text
    assert LITERAL not in text
    after = pbx.passwords()
    assert after["2301"] == LITERAL  # the literal is what the CSV says, always
    regenerated = "lost it" in text
    assert (after["2300"] != before["2300"]) == regenerated, text  # only when really gone
    assert after["2300"] != ""


@pytest.mark.parametrize("kind", ["kamailio", "asterisk"])
def test_username_held_by_an_unmanaged_extension_is_refused_with_both_ways_out(
        kind: str, sql_url: str) -> None:
    """Item 3: an unmanaged `bob` on the PBX; a new CSV row wants username BOB."""
    pbx = Pbx(kind, sql_url)
    pbx.apply(rows())
    if kind == "kamailio":
        pbx.sql("INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                "VALUES ('bob', '{domain}', 'pw-by-hand-0000', 'x', 'y')")
    else:
        pbx.sql("INSERT INTO ps_endpoints (id, auth, aors) VALUES ('2799', '2799', '2799')",
                "INSERT INTO ps_auths (id, auth_type, username, password) "
                "VALUES ('2799', 'userpass', 'bob', 'pw-by-hand-0000')")
    desired = rows({"code": "2800", "name": "New Bob", "username": "BOB",
                    "allowed_ips": "10.0.0.0/8"})
    with pytest.raises(CheckFailed) as err:
        pbx.plan(desired)
    message = str(err.value)
    holder = "bob" if kind == "kamailio" else "2799"
    assert f"extensions.csv:5:username: 2800: username BOB is already held on the PBX by " \
           f"{holder}" in message
    assert "adopt it" in message and "give 2800 another username" in message
    if kind == "asterisk":
        assert "change this row's code to 2799" in message
    # the second way out: rename
    renamed = rows({"code": "2800", "name": "New Bob", "username": "robert",
                    "allowed_ips": "10.0.0.0/8"})
    pbx.converge(renamed)


def test_asterisk_adopting_the_unmanaged_holder_converges(sql_url: str) -> None:
    """Item 3's first way out: give the CSV row the unmanaged extension's code."""
    pbx = Pbx("asterisk", sql_url)
    pbx.apply(rows())
    pbx.sql("INSERT INTO ps_auths (id, auth_type, username, password) "
            "VALUES ('2799', 'userpass', 'bob', 'pw-by-hand-0000')")  # an orphan auth
    text = pbx.converge(rows({"code": "2799", "name": "New Bob", "username": "bob",
                              "allowed_ips": "10.0.0.0/8"}))
    assert "~ 2799 update (adopt) repair: ps_endpoints missing; ps_aors missing" in text


def test_kamailio_domain_change_moves_every_extension_keeping_passwords(sql_url: str) -> None:
    """Item 2: a planned move, ha1 recomputed, auto passwords kept, counted by safety."""
    pbx = Pbx("kamailio", sql_url, domain="old.example")
    many = [{"code": str(2310 + i), "name": f"Agent {i}", "allowed_ips": "10.0.0.0/8"}
            for i in range(9)]
    desired = rows(*many)
    pbx.apply(desired)
    before = pbx.passwords()
    pbx.domain = "new.example"
    plan = pbx.plan(desired)
    text = render_text(plan)
    assert plan.counts()["update"] == 12 and plan.counts()["create"] == 0, text
    assert "~ 2300 update repair: moved from domain old.example" in text
    assert plan.safety.unsafe and "UNSAFE PLAN" in text  # 12 of 12 touched
    from extctl.errors import UnsafePlan
    from pbx.base import open_target
    from plan.apply import apply_plan, prepare

    with pytest.raises(UnsafePlan):
        prepare(desired, open_target(pbx.config), pbx.config)
    apply_plan(desired, open_target(pbx.config), pbx.config, force=True)
    assert pbx.plan(desired).empty
    assert pbx.passwords() == before
    import hashlib

    from tests.pbx.helpers import execute

    found = execute(pbx.url, "SELECT username, domain, password, ha1 FROM subscriber")
    assert {d for _, d, _, _ in found} == {"new.example"}
    for user, domain, password, ha1 in found:
        assert ha1 == hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()
    prefs = execute(pbx.url, "SELECT DISTINCT domain FROM usr_preferences")
    assert prefs == [("new.example",)]
