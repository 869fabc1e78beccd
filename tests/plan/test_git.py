from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from extctl.errors import UsageError
from plan.git import read_at_ref
from tests.conftest import need


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    need("git")
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "extensions.csv").write_text("code,name\n2105,A\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    (tmp_path / "sub" / "extensions.csv").write_text("code,name\n2105,B\n")
    return tmp_path


def test_reads_the_file_at_a_ref_relative_to_the_root(repo: Path) -> None:
    assert read_at_ref(repo / "sub" / "extensions.csv", "HEAD") == b"code,name\n2105,A\n"
    assert read_at_ref(repo / "sub" / "extensions.csv", "main") == b"code,name\n2105,A\n"


def test_absent_file_at_the_ref_is_none(repo: Path) -> None:
    (repo / "sub" / "new.csv").write_text("code,name\n")
    assert read_at_ref(repo / "sub" / "new.csv", "HEAD") is None


def test_unknown_ref_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="unknown git ref"):
        read_at_ref(repo / "sub" / "extensions.csv", "no-such-branch")
    with pytest.raises(UsageError, match="not a git ref"):
        read_at_ref(repo / "sub" / "extensions.csv", "--output=/tmp/x")


def test_outside_a_repository(tmp_path: Path) -> None:
    need("git")
    (tmp_path / "x.csv").write_text("code,name\n")
    with pytest.raises(UsageError, match="not inside a git repository"):
        read_at_ref(tmp_path / "x.csv", "HEAD")
