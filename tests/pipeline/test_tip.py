"""The "is this commit still the tip" decision, on a real git repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from extctl.errors import UsageError
from pipeline.github import output_line
from pipeline.tip import decide
from tests.conftest import need


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_tip_and_not_tip(tmp_path: Path) -> None:
    need("git")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "one")
    old = _git(tmp_path, "rev-parse", "HEAD")
    assert decide(old, "main", tmp_path).is_tip
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "two")
    later = decide(old, "main", tmp_path)
    assert not later.is_tip and "no longer the tip of main" in later.message()
    with pytest.raises(UsageError, match="unknown git revision"):
        decide(old, "origin/main", tmp_path)
    with pytest.raises(UsageError, match="not a git revision"):
        decide("--all", "main", tmp_path)


def test_multiline_output_uses_a_delimiter() -> None:
    assert output_line("tip", "true") == "tip=true\n"
    text = output_line("body", "a\nb")
    head, _, rest = text.partition("\n")
    delim = head.split("<<")[1]
    assert rest == f"a\nb\n{delim}\n"
