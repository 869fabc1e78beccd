"""A pull-request world for the workflow harness: an origin repository with
main and a feature branch, the embedded SQLite PBX, and the fake GitHub API."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import need
from tests.helpers import csv_bytes, row
from tests.workflows.fakes import GitHubApi
from tests.workflows.harness import Event, Runner

POLICY = '[targets.pbx]\nkind = "kamailio"\nurl_env = "PBX_URL"\ndefault = true\n'
CODES = [str(c) for c in range(2300, 2312)]


def rows(**changes: dict[str, str] | None) -> list[dict[str, str]]:
    """The twelve base rows with per-code edits; None drops the row."""
    out = []
    for code in CODES:
        edit = changes.get(f"c{code}", {})
        if edit is None:
            continue
        out.append(row(code, username=code, **edit))
    return out


@dataclass
class World:
    origin: Path
    pbx: Path
    api: GitHubApi
    runner: Runner

    @property
    def secrets(self) -> dict[str, str]:
        return self.runner.secrets

    def git(self, *args: str) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
               "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
        done = subprocess.run(["git", *args], cwd=self.origin, env=env, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    def commit(self, branch: str, csv: bytes | list[dict[str, str]], message: str) -> str:
        if self.git("symbolic-ref", "--short", "HEAD") != branch:
            self.git("checkout", "-q", branch)
        data = csv if isinstance(csv, bytes) else csv_bytes(*csv)
        (self.origin / "extensions.csv").write_bytes(data)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def extctl(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PBX_URL": self.secrets["PBX_URL"], "NO_COLOR": "1"}
        return subprocess.run(["extctl", *args], cwd=cwd or self.origin, env=env,
                              capture_output=True, text=True)

    def pull_request(self, number: int = 7, head_repo: str = "acme/pbx") -> Event:
        head = self.git("rev-parse", "feature")
        base = self.git("rev-parse", "main")
        changed = tuple(self.git("diff", "--name-only", base, head).splitlines())
        payload = {"number": number, "pull_request": {
            "number": number, "head": {"sha": head, "ref": "feature",
                                       "repo": {"full_name": head_repo}},
            "base": {"ref": "main", "sha": base}}}
        return Event("pull_request", head, f"refs/pull/{number}/merge", payload,
                     base_ref="main", head_ref="feature", changed=changed)

    def push(self, sha: str, before: str) -> Event:
        changed = tuple(self.git("diff", "--name-only", before, sha).splitlines())
        return Event("push", sha, "refs/heads/main", {"after": sha, "before": before},
                     changed=changed)

    def merge_feature(self) -> tuple[str, str]:
        before = self.git("rev-parse", "main")
        self.git("checkout", "-q", "main")
        self.git("merge", "-q", "--ff-only", "feature")
        return before, self.git("rev-parse", "main")

    def sql(self, statement: str) -> None:
        import sqlite3

        with sqlite3.connect(self.pbx) as conn:
            conn.execute(statement)


@pytest.fixture
def world(tmp_path: Path) -> World:
    need("git", "bash")
    origin = tmp_path / "origin"
    origin.mkdir()
    pbx = tmp_path / "pbx.sqlite"
    api = GitHubApi(tmp_path / "github.json")
    url = f"sqlite:///{pbx}"
    runner = Runner(tmp_path / "runner", origin, api,
                    {"PBX_URL": url, "PBX_READONLY_URL": url})
    w = World(origin, pbx, api, runner)
    w.git("init", "-q", "-b", "main")
    # The checkout of a run fetches commits by id, as actions/checkout does.
    w.git("config", "uploadpack.allowAnySHA1InWant", "true")
    (origin / "extctl.toml").write_text(POLICY)
    w.commit("main", rows(), "the extensions")
    applied = w.extctl("apply", "--yes")
    assert applied.returncode == 0, applied.stderr
    w.git("branch", "feature")
    return w


Between = Callable[[], None]
