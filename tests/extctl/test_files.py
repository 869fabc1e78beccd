"""Issue 7 item 11: extctl reads regular files only, of bounded size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extctl.errors import UsageError
from tests.helpers import run_cli as run

CSV = "code,name,remote\n2105,Mia,true\n"
ENV_SECRET = "hunter2-ci-token-Q7vZ2m"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def extctl(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    # A real process: a read that blocks (FIFO) or never ends (/dev/zero) shows
    # as a timeout here instead of hanging the test run.
    exe = Path(sys.executable).with_name("extctl")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "CI_TOKEN": ENV_SECRET})


def test_symlink_to_proc_environ_prints_no_environment(repo: Path) -> None:
    (repo / "extensions.csv").symlink_to("/proc/self/environ")
    done = extctl("validate", "--format", "github", cwd=repo)
    assert done.returncode == 2, done.stdout + done.stderr
    assert ENV_SECRET not in done.stdout + done.stderr
    assert "special file" in done.stderr and "extensions.csv" in done.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_symlink_to_a_device_is_refused_at_once(repo: Path, target: str) -> None:
    (repo / "extensions.csv").symlink_to(target)
    done = extctl("validate", cwd=repo, timeout=30)
    assert done.returncode == 2 and "regular files" in done.stderr


def test_fifo_is_refused_without_blocking(repo: Path) -> None:
    os.mkfifo(repo / "extensions.csv")  # nobody ever writes to it
    for args in (["validate"], ["fmt", "--check"], ["plan"]):
        done = extctl(*args, cwd=repo, timeout=30)
        assert done.returncode == 2, (args, done.stderr)
        assert "a FIFO" in done.stderr


def test_policy_and_plan_files_are_read_the_same_way(repo: Path) -> None:
    (repo / "extensions.csv").write_text(CSV)
    (repo / "extctl.toml").symlink_to("/proc/self/environ")
    assert run("validate").exit_code == 2
    (repo / "extctl.toml").unlink()
    os.mkfifo(repo / "plan.json")
    done = extctl("apply", "plan.json", "--yes", cwd=repo, timeout=30)
    assert done.returncode == 2 and "a FIFO" in done.stderr


def test_symlink_inside_the_working_directory_is_followed(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "extensions.csv").write_text(CSV)
    (repo / "extensions.csv").symlink_to("data/extensions.csv")
    result = run("validate")
    assert result.exit_code == 0, result.output


def test_symlink_leaving_the_working_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text(CSV)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "extensions.csv").symlink_to(outside)
    monkeypatch.chdir(tmp_path / "repo")
    result = run("validate")
    assert result.exit_code == 2 and "outside the working directory" in result.output


def test_size_cap_comes_from_the_policy(repo: Path) -> None:
    (repo / "extensions.csv").write_text(CSV + "".join(f"{3000 + i},N,true\n"
                                                       for i in range(100)))
    (repo / "extctl.toml").write_text("max_file_bytes = 1000\n")
    result = run("validate")
    assert result.exit_code == 2 and "max_file_bytes" in result.output
    assert run("fmt", "--check").exit_code == 2
    (repo / "extctl.toml").write_text("max_file_bytes = 100000\n")
    assert run("validate").exit_code == 0
    (repo / "extctl.toml").write_text("max_file_bytes = 0\n")
    assert run("validate").exit_code == 2  # a bad policy value is a usage error


def test_read_file_bounds_a_file_that_grows_past_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pseudo-files report st_size 0 and still yield data: the read stops at
    # the cap whatever fstat said. Simulated by growing the file once it is open.
    path = tmp_path / "grow.csv"
    path.write_bytes(b"")
    real_fstat = os.fstat

    def fstat_then_grow(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        path.write_bytes(b"x" * 100)
        return st

    from extctl.files import read_file

    monkeypatch.setattr(os, "fstat", fstat_then_grow)
    with pytest.raises(UsageError, match="more than 10 bytes"):
        read_file(path, 10)
