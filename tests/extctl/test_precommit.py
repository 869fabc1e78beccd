"""The real pre-commit, in a temporary git repository, runs our hooks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import need
from tests.helpers import csv_bytes, row

ROOT = Path(__file__).parents[2]


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                          env=env, timeout=180)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    need("git", "pre-commit", "extctl")
    repo = tmp_path / "pbx-config"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    # Our published hook definitions, run from this checkout's installed extctl
    # (language: system) instead of a pip install from a clone.
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        assert hook["language"] == "python"
        hook["language"] = "system"
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    res = subprocess.run(["pre-commit", "install"], cwd=repo, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    git(repo, "add", ".pre-commit-config.yaml")
    assert git(repo, "commit", "-q", "-m", "hooks").returncode == 0
    return repo


def test_hook_ids_match_the_spec() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"extctl-validate", "extctl-fmt"}
    import re

    for h in hooks:
        assert re.search(h["files"], "extensions.csv")
        assert re.search(h["files"], "sites/paris/extensions.csv")
        assert not re.search(h["files"], "extensions.csv.bak")


def test_bad_commit_is_refused_with_the_line(repo: Path) -> None:
    (repo / "extensions.csv").write_bytes(csv_bytes(row("2105"), row("2300"), row("2105")))
    git(repo, "add", "extensions.csv")
    res = git(repo, "commit", "-m", "add agents")
    assert res.returncode != 0
    out = res.stdout + res.stderr
    assert "extensions.csv:4:code: code 2105 is also on line 2" in out
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1  # nothing committed


def test_good_commit_goes_through(repo: Path) -> None:
    (repo / "extensions.csv").write_bytes(csv_bytes(row("2105"), row("2300")))
    git(repo, "add", "extensions.csv")
    res = git(repo, "commit", "-m", "add agents")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "extctl validate" in res.stdout + res.stderr
    assert git(repo, "log", "--oneline").stdout.count("\n") == 2
