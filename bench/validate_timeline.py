"""Where a big validation spends its wall time: one timeline, printed.

Runs `extctl validate`'s library path in this process on a generated file and
prints when each stage ends, and how far the estimator's worker had got when
this process joined it (schema/estimator.py). Read it next to
validate_bench.py's totals: it says which stage to look at, not how fast.
Usage: python bench/validate_timeline.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from validate_bench import write_case  # noqa: E402

CHILD = r"""
import gc, os, sys, time, datetime as dt
gc.disable()  # as extctl.main does for validate
start = time.perf_counter()
def mark(what):
    print(f"{time.perf_counter() - start:6.2f} s  {what}", flush=True)
from extctl.policy import load_policy
from validate.parse import Prefetch
policy = load_policy()
job = Prefetch("extensions.csv", policy)
mark("file read and parse started (thread)")
import validate.run as run
from schema.estimator import Estimates
mark("pandas and pandera imported")
def timed(name, *labels):
    fn, calls = getattr(run, name), []
    def wrapper(*args, **kwargs):
        out = fn(*args, **kwargs)
        calls.append(1)
        mark(labels[min(len(calls), len(labels)) - 1])
        return out
    setattr(run, name, wrapper)
timed("read_table", "table built")
timed("add_derived", "derived columns")
timed("_failures", "pandera schema: every rule but the late ones",
      "pandera schema: password-guessable (late)")
report_findings = run._Report.findings
def findings(self, frame, failing):
    out = report_findings(self, frame, failing)
    mark(f"{len(out):,} findings built")
    return out
run._Report.findings = findings
join = Estimates._all_bits
def joined(self):
    mark(f"joins the worker: it has done {self._front} of {len(self._chunks)} chunks")
    out = join(self)
    mark(f"all estimates in: the worker did {self._front}")
    return out
Estimates._all_bits = joined
report = run.validate_prefetched(job, policy, dt.date.today(), keep_frame=False)
mark(f"done: {len(report.findings):,} findings")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case"
        write_case(case, args.rows)
        for run in range(args.runs):
            print(f"run {run + 1}:")
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", CHILD], cwd=case, check=True,
                           env={"OPENBLAS_NUM_THREADS": "1",  # as extctl.main sets it
                                **os.environ, "PYTHONPATH": str(HERE.parent)})
            print(f"  (process, with interpreter start and exit: "
                  f"{time.perf_counter() - t0:.2f} s)")


if __name__ == "__main__":
    main()
