"""Static checks of .github/workflows that need more than zizmor and
check-jsonschema: shellcheck over every `run:` script, and the project's own
rules (pinned actions, least permissions, no event data spliced into shell).
Also the pre-commit hook `workflow-lint`: `python -m tests.workflows.lint`."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.workflows.harness import WORKFLOWS, load, run_scripts

# The verified commits of each release (read from each action's repository).
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "marocchino/sticky-pull-request-comment": ("5770ad5eb8f42dd2c4f34da00c94c5381e49af88",
                                               "v3.0.5"),
    "peter-evans/create-issue-from-file": ("fca9117c27cdc29c6c4db3b86c48e4115a786710", "v6.0.0"),
}
_USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+?)@(\S+)\s*(?:#\s*(\S+))?\s*$")


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def shellcheck(path: Path) -> list[str]:
    """shellcheck findings of every `run:` script, as GitHub runs it (bash -e)."""
    problems = []
    for job, name, script in run_scripts(load(path)):
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
        done = subprocess.run(["shellcheck", "--shell=bash", "--severity=style", f.name],
                              capture_output=True, text=True)
        Path(f.name).unlink()
        if done.returncode != 0:
            problems.append(f"{path.name}: job {job}, step {name!r}:\n{done.stdout}")
    return problems


def rules(path: Path) -> list[str]:
    """Pinned actions, least permissions, no `${{ }}` in shell, no persisted token."""
    problems = []
    text, workflow = path.read_text(), load(path)
    for number, line in enumerate(text.splitlines(), 1):
        m = _USES.match(line)
        if not m:
            continue
        action, ref, tag = m.groups()
        pin = PINS.get(action)
        if pin is None or (ref, tag) != pin:
            want = f"{pin[0]} # {pin[1]}" if pin else "an action from the verified list"
            problems.append(f"{path.name}:{number}: {action}@{ref} must be @{want}")
    if "permissions" not in workflow:
        problems.append(f"{path.name}: no top-level permissions (use permissions: {{}})")
    for job_id, job in workflow["jobs"].items():
        if "permissions" not in job:
            problems.append(f"{path.name}: job {job_id} declares no permissions")
        for step in job.get("steps", []):
            if "${{" in step.get("run", ""):
                problems.append(f"{path.name}: job {job_id}: an expression in a run: script "
                                "(pass it through env: instead)")
            checkout = step.get("uses", "").startswith("actions/checkout@")
            if checkout and step.get("with", {}).get("persist-credentials") is not False:
                problems.append(f"{path.name}: job {job_id}: checkout without "
                                "persist-credentials: false")
    return problems


def main() -> int:
    problems = [p for f in workflow_files() for p in (*rules(f), *shellcheck(f))]
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
