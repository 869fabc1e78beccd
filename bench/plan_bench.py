"""Plan engine benchmark: vectorised make_plan vs a naive per-row dict diff.

    python bench/plan_bench.py [--rows 1000000] [--nochange-rows 100000]

Budgets (issue 3): 1,000,000 vs 1,000,000 rows with 1% changed in < 5 s
including the state digests; a no-change re-plan of 100,000 rows in < 3 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from extctl.policy import Safety
from pbx.base import STATE_COLUMNS
from plan.diff import make_plan
from schema.columns import COLUMNS, DEFAULTS

KEY = "0123456789abcdef"


def frames(n: int, changed: float, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded realistic desired/current frames; `changed` of the rows differ."""
    rng = np.random.default_rng(seed)
    codes = (1_000_000 + np.arange(n)).astype(str)
    first = np.array(["Mia", "Noah", "Emma", "Liam", "Olivia", "Lucas", "Sofia", "Ben"])
    last = np.array(["Lopez", "Smith", "Müller", "Rossi", "Dubois", "Kowalski", "Tanaka"])
    names = np.char.add(np.char.add(rng.choice(first, n), " "), rng.choice(last, n))
    teams = np.array(["support", "sales", "ops", "dev", "exec"])
    desired = pd.DataFrame({c: np.full(n, "", dtype=object) for c in COLUMNS})
    desired["code"] = codes
    desired["name"] = names
    desired["call_limit"] = rng.integers(1, 5, n).astype(str)
    desired["dnd"] = np.where(rng.random(n) < 0.05, "true", "false")
    desired["remote"] = np.where(rng.random(n) < 0.1, "true", "false")
    desired["allowed_ips"] = np.where(desired["remote"] == "true", "", "10.0.0.0/8")
    desired["team"] = rng.choice(teams, n)
    desired["owner"] = np.char.add(desired["team"].to_numpy().astype(str), "@example.com")
    desired["password_rotated"] = "2025-01-15"
    desired["transport"] = np.where(rng.random(n) < 0.2, "tls", "udp")
    desired = desired.astype("str")

    current = desired.copy()
    current["username"] = current["code"]
    current["enabled"] = "true"
    current["high_risk"] = "false"
    current["password"] = [f"Gen{i:020d}abcdefgh" for i in range(n)]
    current["password_source"] = "auto"
    current["managed"] = "true"
    current["repair"] = ""  # a whole extension: nothing for the PBX to repair
    current = current.loc[:, list(STATE_COLUMNS)]

    k = int(n * changed)
    if k:
        # A third updates, a third deletes (row missing from the CSV), a third creates.
        upd = rng.choice(n, k // 3, replace=False)
        call = desired["call_limit"].to_numpy(dtype=object)
        call[upd] = "9"
        desired["call_limit"] = pd.array(call, dtype="str")
        keep = np.ones(n, dtype=bool)
        keep[rng.choice(np.setdiff1d(np.arange(n), upd), k // 3, replace=False)] = False
        new = desired.head(k - 2 * (k // 3)).copy()
        new["code"] = (3_000_000 + np.arange(len(new))).astype(str)
        desired = pd.concat([desired[keep], new], ignore_index=True)
    return desired, current


def naive(desired: pd.DataFrame, current: pd.DataFrame) -> int:
    """The obvious per-row Python diff, for comparison."""
    want = {r["code"]: r for r in desired.to_dict("records")}
    have = {r["code"]: r for r in current.to_dict("records")}
    compared = [c for c in COLUMNS if c not in ("code", "password")]
    changes = 0
    for code, row in want.items():
        old = have.get(code)
        if old is None:
            changes += 1
            continue
        new = {c: row[c] or DEFAULTS.get(c, "") for c in compared}
        new["username"] = row["username"] or code
        if any(new[c] != (old[c] or DEFAULTS.get(c, "")) for c in compared):
            changes += 1
    changes += sum(1 for code in have if code not in want)
    return changes


def timed(desired: pd.DataFrame, current: pd.DataFrame) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, changes): best of two runs."""
    best = (float("inf"), 0.0, 0)
    for _ in range(2):
        start, cpu = time.perf_counter(), time.process_time()
        plan = make_plan(
            desired, current, target_name="bench", supported=frozenset(COLUMNS),
            safety=Safety(max_change_fraction=1.0), digest_key=KEY,
        )
        run = (time.perf_counter() - start, time.process_time() - cpu, len(plan.changes))
        best = min(best, run)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--nochange-rows", type=int, default=100_000)
    args = parser.parse_args()
    ok = True
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for label, n, frac, budget in (
        (f"{args.rows:,} vs {args.rows:,}, 1% changed", args.rows, 0.01, 5.0),
        (f"no-change re-plan of {args.nochange_rows:,}", args.nochange_rows, 0.0, 3.0),
    ):
        desired, current = frames(n, frac)
        seconds, cpu, changes = timed(desired, current)
        start = time.perf_counter()
        naive_changes = naive(desired, current)
        naive_s = time.perf_counter() - start
        verdict = "ok" if seconds < budget else "OVER BUDGET"
        ok &= seconds < budget
        print(
            f"{label}: make_plan {seconds:.2f} s wall, {cpu:.2f} s CPU ({changes:,} changes, "
            f"budget {budget:.0f} s, "
            f"{verdict}); naive per-row dict diff {naive_s:.2f} s ({naive_changes:,} changes, "
            f"no digests); naive/vectorised = {naive_s / seconds:.1f}x"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
