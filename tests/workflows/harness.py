"""Run a GitHub Actions workflow file the way a runner would, offline.

Every `run:` step runs with bash (`bash --noprofile --norc -eo pipefail`, GitHub's
default) in the job's checkout, with GitHub's environment variables and files
(GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, ...) and the
step's `env:` with `${{ }}` resolved (secrets from a dict). `if:` conditions,
`needs:`, step outcomes and job outputs are evaluated as GitHub does. The
`uses:` steps are done by the harness: checkout clones the test's origin
repository, setup-python is this interpreter, the artifact actions copy files,
and the comment/issue actions record their inputs in the fake GitHub API
(fakes.py), the only thing faked. `pip install` of the checkout is a no-op
shim: this interpreter already runs the extctl under test.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from tests.workflows.expr import condition, substitute
from tests.workflows.fakes import GitHubApi

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
# The `uses:` the harness can perform, by action (the part before @).
HANDLED = ("actions/checkout", "actions/setup-python", "actions/upload-artifact",
           "actions/download-artifact", "actions/cache", "marocchino/sticky-pull-request-comment",
           "peter-evans/create-issue-from-file")


def load(name: str | Path) -> dict[str, Any]:
    path = WORKFLOWS / name if isinstance(name, str) else name
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def run_scripts(workflow: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(job, step name, script) of every `run:` step."""
    out = []
    for job_id, job in workflow["jobs"].items():
        for i, step in enumerate(job.get("steps", [])):
            if "run" in step:
                out.append((job_id, step.get("name", f"step {i + 1}"), step["run"]))
    return out


@dataclass
class Step:
    name: str
    outcome: str  # success | failure | skipped
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def log(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Job:
    name: str
    result: str = "skipped"  # success | failure | skipped
    steps: list[Step] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"{self.name} has no step named {name!r}: {[s.name for s in self.steps]}")

    @property
    def log(self) -> str:
        return "".join(s.log for s in self.steps)


@dataclass
class Event:
    """What triggered the run: the name, the payload, the commit and ref."""

    name: str
    sha: str
    ref: str
    payload: dict[str, Any] = field(default_factory=dict)
    base_ref: str = ""
    head_ref: str = ""
    changed: tuple[str, ...] = ()  # files the push/PR changed, for `paths:`


def _globs_match(patterns: list[str], files: tuple[str, ...]) -> bool:
    def match(path: str, pattern: str) -> bool:
        return fnmatchcase(path, pattern.replace("**", "*"))

    return any(match(f, p) for f in files for p in patterns)


def triggered(workflow: dict[str, Any], event: Event) -> bool:
    """Would GitHub start this workflow for `event`? (event name, branches, paths)"""
    on = workflow["on"]
    if isinstance(on, str | list):
        return event.name in ([on] if isinstance(on, str) else on)
    if event.name not in on:
        return False
    spec = on[event.name] or {}
    branch = event.base_ref if event.name == "pull_request" else event.ref.removeprefix(
        "refs/heads/")
    if "branches" in spec and not any(fnmatchcase(branch, b) for b in spec["branches"]):
        return False
    return not ("paths" in spec and not _globs_match(spec["paths"], event.changed))


def _shims(bindir: Path, api_state: Path) -> None:
    bindir.mkdir(parents=True, exist_ok=True)
    gh = bindir / "gh"
    fakes = Path(__file__).with_name("fakes.py")
    gh.write_text(f'#!/bin/sh\nexec {sys.executable} {fakes} {api_state} "$@"\n')
    pip = bindir / "pip"
    # `pip install .[extras]` of the checkout: this interpreter runs the extctl
    # under test already; anything else a workflow pip-installs fails loudly.
    pip.write_text('#!/bin/sh\ncase "$1 $2" in\n  "install ."|"install .["*) '
                   'echo "harness: extctl is installed in this interpreter"; exit 0;;\n'
                   '  *) echo "harness: unexpected pip $*" >&2; exit 1;;\nesac\n')
    for p in (gh, pip):
        p.chmod(p.stat().st_mode | stat.S_IEXEC)


def _parse_env_file(text: str) -> dict[str, str]:
    out, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            value = []
            while lines[i] != delim:
                value.append(lines[i])
                i += 1
            i += 1
            out[key] = "\n".join(value)
        elif "=" in line:
            key, value1 = line.split("=", 1)
            out[key] = value1
    return out


class Runner:
    """One run of one workflow: its jobs in `needs:` order, artifacts between them."""

    def __init__(self, tmp: Path, origin: Path, api: GitHubApi, secrets: dict[str, str]) -> None:
        self.tmp, self.origin, self.api, self.secrets = tmp, origin, api, secrets
        self.bindir = tmp / "bin"
        _shims(self.bindir, api.path)
        self.count = 0
        self._saves: list[tuple[Path, Path, list[str]]] = []  # actions/cache post-steps

    def run(self, name: str | Path, event: Event, *,
            between: dict[str, Any] | None = None) -> dict[str, Job]:
        """Run workflow `name` for `event`; `between[job]` is called before that job starts
        (e.g. to change the PBX while reviewers read the plan)."""
        workflow = load(name)
        if not triggered(workflow, event):
            return {}
        self.count += 1
        run_dir = self.tmp / f"run{self.count}"
        artifacts = run_dir / "artifacts"
        artifacts.mkdir(parents=True)
        event_path = run_dir / "event.json"
        event_path.write_text(json.dumps(event.payload))
        github = {
            "event_name": event.name, "event": event.payload, "sha": event.sha, "ref": event.ref,
            "ref_name": event.ref.rsplit("/", 1)[-1] if event.ref.startswith("refs/heads/")
            else event.ref.removeprefix("refs/"), "base_ref": event.base_ref,
            "head_ref": event.head_ref, "repository": "acme/pbx", "token": "ghs_faketoken",
            "server_url": "https://github.com", "run_id": str(1000 + self.count),
        }
        jobs: dict[str, Job] = {}
        pending = dict(workflow["jobs"])
        while pending:
            ready = [j for j, spec in pending.items()
                     if all(n in jobs for n in _needs(spec))]
            if not ready:
                raise ValueError(f"cycle in needs: {list(pending)}")
            job_id = ready[0]
            spec = pending.pop(job_id)
            if between and job_id in between:
                between[job_id]()
            jobs[job_id] = self._job(job_id, spec=spec, workflow=workflow, github=github,
                                     event_path=event_path, run_dir=run_dir,
                                     artifacts=artifacts, done=jobs)
        return jobs

    def _job(self, job_id: str, *, spec: dict[str, Any], workflow: dict[str, Any],
             github: dict[str, Any], event_path: Path, run_dir: Path, artifacts: Path,
             done: dict[str, Job]) -> Job:
        job = Job(job_id)
        needs = {n: {"result": done[n].result, "outputs": done[n].outputs} for n in _needs(spec)}
        ok_needs = all(done[n].result == "success" for n in _needs(spec))
        contexts: dict[str, Any] = {"github": github, "secrets": self.secrets, "needs": needs,
                                    "steps": {}, "env": {}, "vars": {}, "inputs": {}}
        status = {"success": ok_needs, "failure": not ok_needs}
        if not condition(spec.get("if"), contexts, status):
            return job
        workspace = run_dir / job_id / "workspace"
        workspace.mkdir(parents=True)
        files = run_dir / job_id / "files"
        files.mkdir()
        env_extra: dict[str, str] = {}
        base_env = {
            "PATH": f"{self.bindir}:{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(run_dir / job_id), "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace), "GITHUB_EVENT_NAME": github["event_name"],
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_SHA": github["sha"],
            "GITHUB_REF": github["ref"], "GITHUB_REF_NAME": github["ref_name"],
            "GITHUB_BASE_REF": github["base_ref"], "GITHUB_HEAD_REF": github["head_ref"],
            "GITHUB_REPOSITORY": github["repository"], "GITHUB_RUN_ID": github["run_id"],
            "GITHUB_SERVER_URL": github["server_url"], "GITHUB_JOB": job_id,
            "RUNNER_TEMP": str(files), "LANG": "C.UTF-8",
            # Git in the checkout must not read the developer's config.
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        }
        failed = False
        for i, step_spec in enumerate(spec.get("steps", [])):
            name = step_spec.get("name") or step_spec.get("uses") or f"step {i + 1}"
            status = {"success": not failed, "failure": failed}
            if not condition(step_spec.get("if"), contexts, status):
                step = Step(name, "skipped")
            else:
                env = {**base_env, **env_extra}
                for scope in (workflow.get("env", {}), spec.get("env", {}),
                              step_spec.get("env", {})):
                    env.update({k: substitute(v, contexts) for k, v in scope.items()})
                step = self._step(name, spec=step_spec, env=env, contexts=contexts,
                                  workspace=workspace, files=files, artifacts=artifacts, index=i)
                env_extra.update(step.env)
                failed = failed or step.outcome == "failure"
            job.steps.append(step)
            if "id" in step_spec:
                contexts["steps"][step_spec["id"]] = {
                    "outputs": step.outputs, "outcome": step.outcome, "conclusion": step.outcome}
        job.result = "failure" if failed else "success"
        for key_dir, root, rel_paths in self._saves:
            if job.result == "success" and not key_dir.exists():  # caches are immutable
                for rel in rel_paths:
                    if (root / rel).exists():
                        (key_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(root / rel, key_dir / rel)
        self._saves.clear()
        job.summary = "".join(s.summary for s in job.steps)
        job.outputs = {k: substitute(v, contexts) for k, v in spec.get("outputs", {}).items()}
        return job

    def _step(self, name: str, *, spec: dict[str, Any], env: dict[str, str],
              contexts: dict[str, Any], workspace: Path, files: Path, artifacts: Path,
              index: int) -> Step:
        if "uses" in spec:
            inputs = {k: substitute(v, contexts) for k, v in spec.get("with", {}).items()}
            return self._uses(name, spec["uses"], inputs=inputs, env=env, workspace=workspace,
                              artifacts=artifacts)
        paths = {key: files / f"{key.lower()}_{index}" for key in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY", "GITHUB_PATH")}
        for p in paths.values():
            p.write_text("")
        env.update({k: str(p) for k, p in paths.items()})
        script = files / f"step_{index}.sh"
        # GitHub splices `${{ }}` into the script before bash sees it (the lint
        # forbids it in our workflows; the harness still behaves like GitHub).
        script.write_text(substitute(spec["run"], contexts))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=workspace / spec.get("working-directory", "."), env=env,
                              capture_output=True, text=True, timeout=600)
        step = Step(name, "success" if done.returncode == 0 else "failure", done.stdout,
                    done.stderr, _parse_env_file(paths["GITHUB_OUTPUT"].read_text()),
                    _parse_env_file(paths["GITHUB_ENV"].read_text()))
        step.summary = paths["GITHUB_STEP_SUMMARY"].read_text()
        return step

    def _checkout(self, depth: str, env: dict[str, str], workspace: Path) -> None:
        """As actions/checkout: fetch-depth 0 fetches every branch and tag;
        otherwise only the run's commit, with no remote branches at all."""
        sha = env["GITHUB_SHA"]
        if depth == "0":
            _git(["clone", "-q", "--no-hardlinks", str(self.origin), str(workspace)],
                 self.tmp, env)
        else:
            _git(["init", "-q", str(workspace)], self.tmp, env)
            _git(["remote", "add", "origin", self.origin.as_uri()], workspace, env)
            _git(["-c", "protocol.file.allow=always", "fetch", "-q", f"--depth={depth}",
                  "origin", sha], workspace, env)
        _git(["checkout", "-q", "--detach", sha], workspace, env)

    def _uses(self, name: str, uses: str, *, inputs: dict[str, str], env: dict[str, str],
              workspace: Path, artifacts: Path) -> Step:
        action = uses.split("@", 1)[0]
        step = Step(name, "success")
        if action == "actions/checkout":
            self._checkout(inputs.get("fetch-depth", "1"), env, workspace)
        elif action == "actions/setup-python":
            step.stdout = f"harness: python {sys.version.split()[0]} at {sys.executable}\n"
        elif action == "actions/upload-artifact":
            src = workspace / inputs["path"]
            if not src.exists():
                fail = inputs.get("if-no-files-found", "warn") == "error"
                step.outcome = "failure" if fail else "success"
                step.stderr = f"No files were found with the provided path: {inputs['path']}\n"
                return step
            dest = artifacts / inputs.get("name", "artifact")
            dest.mkdir(exist_ok=True)
            shutil.copy2(src, dest / src.name)
        elif action == "actions/download-artifact":
            src = artifacts / inputs.get("name", "artifact")
            if not src.is_dir():
                step.outcome = "failure"
                step.stderr = f"Artifact not found: {inputs.get('name')}\n"
                return step
            dest = workspace / inputs.get("path", ".")
            dest.mkdir(parents=True, exist_ok=True)
            for f in src.iterdir():
                shutil.copy2(f, dest / f.name)
        elif action == "actions/cache":
            # Restore now (exact key, then restore-keys prefixes); save when the job ends.
            caches = self.tmp / "caches"
            keys = [inputs["key"], *inputs.get("restore-keys", "").split()]
            for key in keys:
                hits = sorted(p for p in caches.glob("*") if p.name.startswith(key)) \
                    if caches.is_dir() else []
                if hits:
                    _copy_tree(hits[-1], workspace)
                    step.outputs["cache-hit"] = "true" if hits[-1].name == keys[0] else "false"
                    break
            self._saves.append((caches / inputs["key"], workspace, inputs["path"].split()))
        elif action == "marocchino/sticky-pull-request-comment":
            payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
            number = int(inputs.get("number") or payload["pull_request"]["number"])
            body = (workspace / inputs["path"]).read_text()
            self.api.sticky_comment(number, inputs.get("header", ""), body)
        elif action == "peter-evans/create-issue-from-file":
            body = (workspace / inputs["content-filepath"]).read_text()
            labels = [x.strip() for x in inputs.get("labels", "").split(",") if x.strip()]
            number = inputs.get("issue-number") or None
            got = self.api.issue_from_file(inputs["title"], body, labels,
                                           int(number) if number else None)
            step.outputs["issue-number"] = str(got)
        else:
            raise NotImplementedError(f"the harness cannot run {uses}; add it to HANDLED")
        return step


def _copy_tree(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest, dirs_exist_ok=True)


def _git(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _needs(spec: dict[str, Any]) -> list[str]:
    needs = spec.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)
