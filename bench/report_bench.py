"""The monthly report of 100,000 rows, end to end and against a per-row loop.

    python bench/report_bench.py [--rows 100000]

`extctl report --state` in a new process per format (validation of the CSV
included), then the report build + Markdown render alone, compared with the
same sections built by iterating over the rows (iterrows) in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from bench.gen import rows
from extctl.policy import Policy
from watch.report import build
from watch.report_render import markdown
from watch.run import read_rows

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 1)


def naive(frame: pd.DataFrame, seen: dict[str, str]) -> str:
    out = []
    for _, r in frame.iterrows():
        if not r["owner"]:
            out.append(f"| {r['code']} | {r['name']} | {r['team']} |")
        if r["enabled"] == "false":
            out.append(f"| {r['code']} | {r['name']} | {r['owner']} |")
        if r["remote"] == "true":
            out.append(f"| {r['code']} | {r['name']} | {r['allowed_ips']} |")
        if r["high_risk"] == "true":
            due = dt.date.fromisoformat(r["password_rotated"]) + dt.timedelta(days=183)
            out.append(f"| {r['code']} | {due} |")
        last = seen.get(r["code"])
        if r["enabled"] != "false" and (last is None or last < "2026-11-01"):
            out.append(f"| {r['code']} | {last or 'never'} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "extensions.csv"
        csv.write_text("\n".join(rows(args.rows, 2105)) + "\n", encoding="utf-8")
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        seen = {c: "2026-11-20T00:00:00Z" for c in frame["code"][::2]}
        (Path(tmp) / "state.json").write_text(json.dumps({"last_seen": seen}))
        (Path(tmp) / "extctl.toml").write_text(
            "".join(f'[teams.{t}]\ncodes = ["{1_000_000 + i * 20_000}-'
                    f'{1_000_000 + (i + 1) * 20_000 - 1}"]\n'
                    for i, t in enumerate(["support", "sales", "billing", "noc", "reception",
                                           "exec", "field"])))
        for fmt in ("markdown", "csv", "html"):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "extctl.main", "report", "--state", "state.json",
                 "--today", TODAY.isoformat(), "--format", fmt, "--out", f"r.{fmt}"],
                cwd=tmp, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=False)
            took = time.perf_counter() - start
            assert done.returncode == 0, done.stderr
            print(f"extctl report --format {fmt}, {args.rows:,} rows, new process: "
                  f"{took:.2f} s (budget 5 s)")
        checked_frame, _ = read_rows(str(csv))
        from watch.state import load

        last = load(Path(tmp) / "state.json")
        start = time.perf_counter()
        markdown(build(checked_frame, Policy(), TODAY, last_seen=last))
        vec = time.perf_counter() - start
        start = time.perf_counter()
        naive(frame, {k: v[:10] for k, v in seen.items()})
        loop = time.perf_counter() - start
        print(f"build + markdown (whole columns): {vec:.2f} s; iterrows loop: {loop:.2f} s; "
              f"ratio {loop / vec:.1f}x")


if __name__ == "__main__":
    main()
