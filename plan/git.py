"""Read extensions.csv as it was at a git ref (`plan --base REF`)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from extctl.errors import UsageError


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; --base needs git") from None


def read_at_ref(path: str | os.PathLike[str], ref: str) -> bytes | None:
    """The bytes of `path` at `ref`, or None when the file did not exist there.

    `path` is a working-tree path; it is resolved relative to the repository
    root because `git show REF:path` wants that form."""
    file = Path(path).resolve()
    top = _git(["rev-parse", "--show-toplevel"], file.parent)
    if top.returncode != 0:
        raise UsageError(f"{path}: not inside a git repository; --base needs one")
    root = Path(top.stdout.decode().strip()).resolve()
    if ref.startswith("-"):
        raise UsageError(f"--base {ref!r}: not a git ref")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root)
    if commit.returncode != 0:
        raise UsageError(f"--base {ref!r}: unknown git ref (fetch it first, e.g. git fetch origin)")
    try:
        rel = file.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{path}: outside the git repository at {root}") from None
    # Resolve against the commit id so a ref named like a path cannot confuse git.
    shown = _git(["show", f"{commit.stdout.decode().strip()}:{rel}"], root)
    if shown.returncode != 0:
        return None  # not in that commit: every row is a create
    return shown.stdout
