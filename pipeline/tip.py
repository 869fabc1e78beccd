"""Is the commit a deploy was started for still the tip of its branch?

A re-run of an old deploy (or one that waited for approval while newer commits
landed) must not apply: its CSV is older than the branch, and applying it would
roll the PBX back. The newest commit's own deploy applies the newer state.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from extctl.errors import UsageError


@dataclass(frozen=True)
class TipDecision:
    commit: str
    ref: str
    tip: str

    @property
    def is_tip(self) -> bool:
        return self.commit == self.tip

    def message(self) -> str:
        if self.is_tip:
            return f"{self.commit[:12]} is the tip of {self.ref}: apply may run"
        return (f"{self.commit[:12]} is no longer the tip of {self.ref} (now {self.tip[:12]}): "
                "skipping the apply so an old commit never rolls the PBX back; the newer "
                "commit's deploy applies the current CSV")


def _resolve(rev: str, cwd: Path) -> str:
    if rev.startswith("-"):
        raise UsageError(f"{rev!r}: not a git revision")
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                              cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; the tip check needs it") from None
    if done.returncode != 0:
        raise UsageError(f"{rev!r}: unknown git revision here (check out with fetch-depth: 0)")
    return done.stdout.strip()


def decide(commit: str, ref: str, cwd: Path) -> TipDecision:
    return TipDecision(_resolve(commit, cwd), ref, _resolve(ref, cwd))
