"""The harness itself behaves as GitHub does, on a small synthetic workflow."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import need
from tests.workflows.expr import Evaluator, condition, substitute
from tests.workflows.fakes import GitHubApi
from tests.workflows.harness import Event, Runner

CTX = {"steps": {"a": {"outputs": {"n": ""}, "outcome": "failure"}},
       "github": {"event_name": "push", "ref": "refs/heads/main"}}
OK = {"success": True, "failure": False}
FAILED = {"success": False, "failure": True}


@pytest.mark.parametrize(
    ("text", "status", "want"),
    [("github.event_name == 'PUSH'", OK, True),  # strings compare case-insensitively
     ("steps.a.outputs.n != ''", OK, False), ("steps.a.outputs.missing == ''", OK, True),
     ("steps.a.outcome == 'failure'", FAILED, False),  # implicit success() && ...
     ("${{ always() && steps.a.outcome == 'failure' }}", FAILED, True),
     ("!cancelled() && github.ref == 'refs/heads/main'", FAILED, True),
     ("failure()", FAILED, True), (None, FAILED, False)],
)
def test_conditions(text: str | None, status: dict[str, bool], want: bool) -> None:
    assert condition(text, CTX, status) is want


def test_substitute_and_errors() -> None:
    assert substitute("n=${{ steps.a.outputs.n }}|${{ github.event_name }}", CTX) == "n=|push"
    with pytest.raises(SyntaxError, match="does not know"):
        Evaluator(CTX, OK).evaluate("hashFiles('x')")


WORKFLOW = """
on: push
permissions: {}
jobs:
  first:
    runs-on: ubuntu-latest
    outputs:
      word: ${{ steps.say.outputs.word }}
    steps:
      - uses: actions/checkout@x
      - uses: actions/cache@x
        with:
          path: seen.txt
          key: seen-${{ github.run_id }}
          restore-keys: seen-
      - id: say
        run: |
          echo "word=hello" >> "$GITHUB_OUTPUT"
          echo "FROM_ENV=carried" >> "$GITHUB_ENV"
          echo "runs: $(cat seen.txt 2>/dev/null || true)" > seen.txt
      - run: test "$FROM_ENV" = carried && echo "# summary" >> "$GITHUB_STEP_SUMMARY"
  broken:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - uses: actions/upload-artifact@x
        with:
          name: missing
          path: nothing-here
          if-no-files-found: error
      - run: echo "never"
      - if: failure()
        run: echo "cleanup ran"
  second:
    needs: broken
    runs-on: ubuntu-latest
    steps:
      - run: echo "never"
  third:
    needs: [first, broken]
    if: always() && needs.first.outputs.word == 'hello'
    runs-on: ubuntu-latest
    steps:
      - run: echo "saw ${{ needs.broken.result }}"
"""


def test_a_synthetic_run(tmp_path: Path) -> None:
    need("git", "bash")
    origin = tmp_path / "origin"
    origin.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=origin, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q",
                    "--allow-empty", "-m", "x"], cwd=origin, check=True)
    subprocess.run(["git", "config", "uploadpack.allowAnySHA1InWant", "true"], cwd=origin,
                   check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=origin, check=True,
                         capture_output=True, text=True).stdout.strip()
    flow = tmp_path / "flow.yml"
    flow.write_text(WORKFLOW)
    runner = Runner(tmp_path / "runner", origin, GitHubApi(tmp_path / "api.json"), {})
    event = Event("push", sha, "refs/heads/main")
    for _ in (1, 2):
        jobs = runner.run(flow, event)  # type: ignore[arg-type]
        first, broken = jobs["first"], jobs["broken"]
        assert first.result == "success", first.log
        assert first.outputs == {"word": "hello"} and first.summary == "# summary\n"
        assert broken.result == "failure"  # the artifact was missing
        assert [s.outcome for s in broken.steps] == ["failure", "skipped", "success"]
        assert "cleanup ran" in broken.log
        assert jobs["second"].result == "skipped" and jobs["third"].result == "success"
        assert "saw failure" in jobs["third"].log
        say = first.step("step 3")
        assert say.outputs == {"word": "hello"}
    # The second run restored the first run's cache through restore-keys.
    assert (tmp_path / "runner" / "run2" / "first" / "workspace" / "seen.txt").read_text() \
        == "runs: runs: \n"
