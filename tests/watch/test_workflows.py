"""The nightly audit and monthly report workflows: pinned, least-privilege, schema-valid,
zizmor-clean, and every `run:` script clean under shellcheck."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import need

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = [WORKFLOWS / "audit.yml", WORKFLOWS / "monthly-report.yml"]


def load(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pinned_least_privilege_no_event_in_run(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for uses in re.findall(r"uses:\s*(\S+)(.*)", text):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses[0]), uses
        assert re.search(r"# v\d", uses[1]), f"tag comment missing: {uses}"
    data = load(path)
    assert data["permissions"] == {}
    for job in data["jobs"].values():  # type: ignore[attr-defined]
        assert set(job["permissions"]) == {"contents", "issues"}
        for step in job["steps"]:
            if "actions/checkout" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False
            assert "${{" not in step.get("run", ""), step.get("name")


def test_audit_keeps_one_issue_and_the_state_in_the_cache() -> None:
    steps = load(FILES[0])["jobs"]["audit"]["steps"]  # type: ignore[index]
    cache = [s for s in steps if "actions/cache@" in s.get("uses", "")]
    assert cache and cache[0]["with"]["path"] == "audit-state.json"
    issue = [s for s in steps if "create-issue-from-file" in s.get("uses", "")]
    assert issue[0]["with"]["issue-number"] == "${{ steps.issue.outputs.number }}"
    assert any("gh issue close" in s.get("run", "") for s in steps)
    # the audit only reads the PBX: the read-only role, never the writer's secret
    assert "secrets.PBX_READONLY_URL" in FILES[0].read_text()
    assert all("secrets.PBX_URL" not in f.read_text() for f in FILES)


@pytest.mark.integration
def test_zizmor_and_schema() -> None:
    need("zizmor", "check-jsonschema")
    zizmor = subprocess.run(["zizmor", "--offline", *map(str, FILES)],
                            capture_output=True, text=True, check=False)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    schema = subprocess.run(["check-jsonschema", "--builtin-schema",
                             "vendor.github-workflows", *map(str, FILES)],
                            capture_output=True, text=True, check=False)
    assert schema.returncode == 0, schema.stdout + schema.stderr


@pytest.mark.integration
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_run_scripts_pass_shellcheck(path: Path, tmp_path: Path) -> None:
    need("shellcheck")
    scripts = [s["run"] for job in load(path)["jobs"].values()  # type: ignore[attr-defined]
               for s in job["steps"] if "run" in s]
    assert scripts
    for i, script in enumerate(scripts):
        # GitHub runs `bash -e {0}`; the shebang tells shellcheck the same
        file = tmp_path / f"step{i}.sh"
        file.write_text("#!/bin/bash -e\n" + script, encoding="utf-8")
        done = subprocess.run(["shellcheck", str(file)], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stdout
