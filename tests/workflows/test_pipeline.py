"""The workflows, run by the harness as GitHub would, asserting what a person
sees: annotations, the one plan comment, the deploy summary, the PBX after
apply, the drift issue."""

from __future__ import annotations

import re

import pytest

from tests.helpers import csv_bytes, row
from tests.workflows.conftest import World, rows

pytestmark = pytest.mark.integration

CHECK, DEPLOY, DRIFT = "extensions-check.yml", "extensions-deploy.yml", "extensions-drift.yml"


def test_duplicate_code_fails_the_check_and_the_comment_shows_the_findings(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}), "rename")
    world.runner.run(CHECK, world.pull_request())
    assert "Plan: 0 to create, 1 to update" in world.api.comments(7)[0]["body"]
    bad = [*rows(c2303={"name": "Sam Roe"}), row("2301", username="2399")]  # line 14
    world.commit("feature", bad, "add a second 2301")
    jobs = world.runner.run(CHECK, world.pull_request())
    check = jobs["check"]
    assert check.result == "failure"
    validate = check.step("Validate (annotates the bad lines)")
    assert validate.outcome == "failure"
    assert re.search(r"^::error file=extensions\.csv,line=14\b", validate.stdout, re.M)
    # The same comment, now the findings: no stale "plan looks fine" stays.
    [comment] = world.api.comments(7)
    assert comment["edits"] == 1
    assert "invalid" in comment["body"] and "| 14 |" in comment["body"]
    assert "Plan:" not in comment["body"] and "Sam Roe" not in comment["body"]


def test_good_change_posts_one_comment_and_a_second_push_updates_it(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}, c2310=None), "rename, drop")
    first = world.runner.run(CHECK, world.pull_request())["check"]
    assert first.result == "success", first.log
    [comment] = world.api.comments(7)
    body = comment["body"]
    assert "Plan: 0 to create, 1 to update, 0 to disable, 0 to enable, 1 to delete." in body
    # What a reviewer must not miss comes first: the delete before the rename.
    assert body.index("2310") < body.index("Sam Roe")
    assert "Plan:" in first.summary and "Sam Roe" in first.summary

    world.commit("feature", rows(c2303={"name": "Sam Roe"}, c2304={"enabled": "false"}),
                 "keep 2310, disable 2304")
    world.runner.run(CHECK, world.pull_request())
    [comment] = world.api.comments(7)  # still exactly one comment, edited in place
    assert comment["edits"] == 1 and comment["header"] == "extctl-plan"
    assert "2304" in comment["body"] and "2310" not in comment["body"]
    assert comment["body"].index("2304") < comment["body"].index("Sam Roe")


def test_fork_pull_request_gets_the_check_but_no_comment_call(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}), "rename")
    check = world.runner.run(CHECK, world.pull_request(head_repo="stranger/pbx"))["check"]
    assert check.result == "success"
    assert check.step("Post or update the one plan comment").outcome == "skipped"
    assert world.api.comments(7) == []
    assert "Sam Roe" in check.summary


def test_a_change_outside_the_watched_paths_starts_no_check(world: World) -> None:
    world.git("checkout", "-q", "feature")
    (world.origin / "README.md").write_text("docs\n")
    world.git("add", "-A")
    world.git("commit", "-q", "-m", "docs only")
    assert world.runner.run(CHECK, world.pull_request()) == {}


def _pbx_plan(world: World) -> str:
    done = world.extctl("plan", "--detailed-exitcode")
    assert done.returncode in (0, 2), done.stderr
    return done.stdout


def test_merge_plans_then_applies_exactly_that_plan(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}, c2310=None), "rename, drop")
    before, after = world.merge_feature()
    jobs = world.runner.run(DEPLOY, world.push(after, before))
    plan, apply = jobs["plan"], jobs["apply"]
    assert plan.result == "success", plan.log
    assert "Plan: 0 to create, 1 to update" in plan.summary and "2310" in plan.summary
    assert apply.result == "success", apply.log
    applied = apply.step("Apply exactly that plan (refused if the PBX changed since)")
    assert "~ 2303 update name: \"Agent 2303\" -> \"Sam Roe\"" in applied.stdout
    assert "- 2310 delete" in applied.stdout
    assert _pbx_plan(world).strip() == "Target: pbx\nNo changes."
    # The CI log: one group per stage, no colour codes anywhere.
    planned = plan.step("Plan against the live PBX (read-only role)")
    assert "::group::reading the PBX (pbx)" in planned.stderr
    assert "\x1b[" not in plan.log + apply.log + plan.summary


def test_pbx_changed_between_plan_and_apply_is_refused(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}), "rename")
    before, after = world.merge_feature()

    def by_hand() -> None:
        world.sql("UPDATE usr_preferences SET value = 'Hand Made' "
                  "WHERE attribute = 'name' AND username = '2305'")

    jobs = world.runner.run(DEPLOY, world.push(after, before), between={"apply": by_hand})
    apply = jobs["apply"]
    assert apply.result == "failure"
    assert "stale" in apply.log and "2305" in apply.log
    assert "Sam Roe" not in _pbx_plan(world).split("Target")[0]
    assert "2303 update" in _pbx_plan(world)  # nothing of the plan was applied


def test_rerun_of_an_older_commit_skips_the_apply(world: World) -> None:
    world.commit("feature", rows(c2303={"name": "Sam Roe"}), "rename")
    first_before, first = world.merge_feature()
    world.commit("feature", rows(c2303={"name": "Sam Roe"}, c2304={"name": "Ann Lee"}), "more")
    world.merge_feature()
    # The newer commit's deploy ran; now someone re-runs the older one.
    jobs = world.runner.run(DEPLOY, world.push(first, first_before))
    assert jobs["apply"].result == "skipped"
    tip = jobs["plan"].step("Is this commit still the tip of main?")
    assert "::notice title=Apply skipped::" in tip.stdout and first[:12] in tip.stdout
    assert "Sam Roe" not in world.extctl("plan").stdout.split("\n")[0]
    assert "2303 update" in _pbx_plan(world)  # the PBX was not touched


def test_nightly_drift_opens_one_issue_and_a_clean_night_closes_it(world: World) -> None:
    sha = world.git("rev-parse", "main")
    nightly = world.push(sha, sha)
    nightly.name, nightly.payload = "schedule", {"schedule": "17 3 * * *"}
    clean = world.runner.run(DRIFT, nightly)["drift"]
    assert clean.result == "success" and world.api.issues() == []

    world.sql("UPDATE usr_preferences SET value = 'Hand Made' "
              "WHERE attribute = 'name' AND username = '2305'")
    for _ in range(2):
        night = world.runner.run(DRIFT, nightly)["drift"]
        assert night.result == "success", night.log
    [issue] = world.api.issues("pbx-drift")  # found again and updated, not duplicated
    assert issue["state"] == "open" and issue["edits"] == 1
    assert "2305" in issue["body"] and "Hand Made" in issue["body"]

    fixed = world.extctl("apply", "--yes")
    assert fixed.returncode == 0, fixed.stderr
    night = world.runner.run(DRIFT, nightly)["drift"]
    assert night.step("Close the drift issue after a clean night").outcome == "success"
    [issue] = world.api.issues("pbx-drift")
    assert issue["state"] == "closed" and "no drift" in issue["comments"][0]


def test_no_secret_reaches_comment_summary_or_issue(world: World) -> None:
    secret = "Zq8vLmN3pXw7RtY2kJ5hGf9d"
    literal = rows(c2303={"password": secret})
    world.commit("feature", literal, "a literal password")
    check = world.runner.run(CHECK, world.pull_request())["check"]
    assert check.result == "success", check.log
    [comment] = world.api.comments(7)
    assert "password: (changed)" in comment["body"] and "1 password change" in comment["body"]
    assert secret not in comment["body"] and secret not in check.summary
    assert secret not in check.log


def test_csv_bytes_helper_is_what_the_world_commits() -> None:
    assert csv_bytes(*rows()).count(b"\n") == 13
