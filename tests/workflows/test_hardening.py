"""Every workflow file, generically: the hardening checks of the issue, and
that the harness can run it (expressions parse, every `uses:` is handled)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need
from tests.workflows.expr import Evaluator, expressions
from tests.workflows.harness import HANDLED, load
from tests.workflows.lint import rules, shellcheck, workflow_files

FILES = workflow_files()
IDS = [f.name for f in FILES]


def test_the_pipeline_workflows_exist() -> None:
    names = set(IDS)
    assert {"extensions-check.yml", "extensions-deploy.yml", "extensions-drift.yml",
            "ci.yml"} <= names


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_project_rules(path: Path) -> None:
    assert rules(path) == []


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_shellcheck_every_run_script(path: Path) -> None:
    need("shellcheck")
    assert shellcheck(path) == []


def test_rules_catch_what_they_promise(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.head_ref }}"\n'
        "      - run: echo $HOME\n"
    )
    found = "\n".join(rules(bad))
    assert "actions/checkout@v4 must be @3d3c42e5" in found
    assert "no top-level permissions" in found and "declares no permissions" in found
    assert "expression in a run: script" in found and "persist-credentials" in found
    if shutil.which("shellcheck"):
        assert "SC2086" in "".join(shellcheck(bad))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_zizmor_offline_finds_nothing(path: Path) -> None:
    need("zizmor")
    done = subprocess.run(["zizmor", "--offline", "--no-progress", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_github_workflow_schema() -> None:
    need("check-jsonschema")
    done = subprocess.run(["check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                           *map(str, FILES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_harness_can_run_it(path: Path) -> None:
    workflow = load(path)
    ev = Evaluator({}, {"success": True, "failure": False})
    for job in workflow["jobs"].values():
        conditions = [job.get("if"), *(s.get("if") for s in job.get("steps", []))]
        for cond in conditions:
            if isinstance(cond, str):
                ev.evaluate(cond.strip().removeprefix("${{").removesuffix("}}"))
        for step in job.get("steps", []):
            for expr in expressions(str(step.get("with", {})) + str(step.get("env", {}))):
                ev.evaluate(expr)
            if "uses" in step:
                assert step["uses"].split("@")[0] in HANDLED


def test_deploy_is_two_jobs_behind_one_queue() -> None:
    deploy = load("extensions-deploy.yml")
    assert deploy["concurrency"] == {"group": "pbx-deploy", "cancel-in-progress": False}
    plan, apply = deploy["jobs"]["plan"], deploy["jobs"]["apply"]
    assert apply["needs"] == "plan" and apply["environment"].startswith("production")
    plan_env = [s.get("env", {}) for s in plan["steps"]]
    assert {"PBX_URL": "${{ secrets.PBX_READONLY_URL }}"} in plan_env
    assert all("secrets.PBX_URL" not in str(e) for e in plan_env)
    check = load("extensions-check.yml")
    assert "secrets." not in str(check)  # fork pull requests get no secrets
