"""Colour on a terminal only (NO_COLOR / FORCE_COLOR), progress on stderr,
one line per stage in CI, ::group:: under GitHub Actions, --quiet."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from extctl.terminal import Progress, use_colour
from plan.render_color import colorize
from tests.conftest import need
from tests.helpers import csv_bytes, read_until_closed, row

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLAN = "Target: pbx\n+ 2300 create name: x\n~ 2301 update\n- 2302 delete\nPlan: 1 to create.\n"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("env", "tty", "colour"),
    [({}, True, True), ({}, False, False), ({"NO_COLOR": "1"}, True, False),
     ({"FORCE_COLOR": "1"}, False, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
     ({"FORCE_COLOR": "0"}, True, False), ({"TERM": "dumb"}, True, False),
     ({"NO_COLOR": ""}, True, True)],
)
def test_use_colour(env: dict[str, str], tty: bool, colour: bool) -> None:
    assert use_colour(Tty() if tty else io.StringIO(), env) is colour


def test_colorize_keeps_the_lines_and_the_summary_last() -> None:
    out = colorize(PLAN)
    assert ANSI.sub("", out) == PLAN
    assert "\x1b[32m+\x1b[0m 2300" in out and "\x1b[31m-\x1b[0m 2302" in out
    assert out.rstrip("\n").split("\n")[-1] == "\x1b[1mPlan: 1 to create.\x1b[0m"
    unsafe = "UNSAFE PLAN: 5 of 10\nRows: 1\nextctl apply refuses this plan.\n\n" + PLAN
    coloured = colorize(unsafe)
    assert ANSI.sub("", coloured) == unsafe
    assert coloured.startswith("\x1b[1m\x1b[31mUNSAFE PLAN") and "Target: pbx\n" in coloured


def test_progress_modes() -> None:
    for env, want in (({"CI": "true"}, "extctl: reading (0.0 s)\n"),
                      ({"GITHUB_ACTIONS": "true"}, "::group::reading\n"),
                      ({}, "")):
        err = io.StringIO()
        with Progress.choose(quiet=False, env=env, stream=err).stage("reading"):
            pass
        assert err.getvalue().startswith(want) if want else err.getvalue() == ""
    err = io.StringIO()
    with Progress.choose(quiet=True, env={"GITHUB_ACTIONS": "true"}, stream=err).stage("x"):
        pass
    assert err.getvalue() == ""
    tty = Tty()
    with pytest.raises(RuntimeError), Progress.choose(quiet=False, env={}, stream=tty).stage("x"):
        raise RuntimeError
    assert tty.getvalue().endswith("s, failed\n")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "extensions.csv").write_bytes(csv_bytes(row("2300"), row("2301")))
    return tmp_path


def _run(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("NO_COLOR", "FORCE_COLOR", "CI", "GITHUB_ACTIONS")}
    return subprocess.run(["extctl", *args], cwd=repo, env={**base, **env},
                          capture_output=True, text=True)


def test_a_pipe_gets_no_colour_unless_forced(repo: Path) -> None:
    need("extctl")
    plain = _run(repo, "plan")
    assert "+ 2300 create" in plain.stdout and not ANSI.search(plain.stdout + plain.stderr)
    forced = _run(repo, "plan", FORCE_COLOR="1")
    assert "\x1b[32m+\x1b[0m 2300 create" in forced.stdout
    assert not ANSI.search(_run(repo, "plan", FORCE_COLOR="1", NO_COLOR="1").stdout)
    md = _run(repo, "plan", "--format", "markdown", FORCE_COLOR="1")
    assert not ANSI.search(md.stdout)  # what goes to a PR comment never has colour


def test_ci_log_lines_github_groups_and_quiet(repo: Path) -> None:
    need("extctl")
    ci = _run(repo, "plan", CI="true")
    assert re.search(r"^extctl: validating extensions.csv \(\d+\.\d s\)$", ci.stderr, re.M)
    assert re.search(r"^extctl: reading the PBX \(kamailio\)", ci.stderr, re.M)
    gh = _run(repo, "plan", GITHUB_ACTIONS="true")
    assert gh.stderr.count("::group::") == gh.stderr.count("::endgroup::") == 3
    assert "::group" not in gh.stdout
    quiet = _run(repo, "apply", "--yes", "--quiet", GITHUB_ACTIONS="true")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "Applied to kamailio: 2 created, 0 updated, 0 disabled, 0 enabled, " \
        "0 deleted.\n" and quiet.stderr == ""
    saved = _run(repo, "plan", "--out", "p.json", "--quiet")
    assert saved.stderr == "" and "No changes." in saved.stdout


def test_a_terminal_gets_colour_and_progress(repo: Path) -> None:
    need("extctl")
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "CI", "GITHUB_ACTIONS")}
    proc = subprocess.Popen(["extctl", "plan"], cwd=repo, stdout=slave, stderr=slave,
                            env={**env, "TERM": "xterm"})
    os.close(slave)
    out = read_until_closed(master).decode()
    proc.wait(timeout=60)
    assert "\x1b[32m+\x1b[0m 2300 create" in out
    assert re.search(r"validating extensions.csv: \d+\.\d s", out)
    assert ANSI.sub("", out).rstrip().splitlines()[-1].startswith("Plan: 2 to create")
