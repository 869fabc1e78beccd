"""The registration audit: 100,000 extensions with 100,000 registrations.

    python bench/audit_bench.py [--count 100000] [--sample 5000]

1. audit() on in-memory frames (whole-column joins and groupbys) against a naive
   per-extension loop (scan the registrations for each extension, ipaddress per
   row) run on --sample extensions and extrapolated;
2. end to end: `extctl audit --state` on a Kamailio SQLite database holding the
   extensions (written by the target's apply) and the location rows, in a new
   process (imports, read_state, read_registrations, audit, render, state file).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from extctl.policy import TargetConfig
from pbx.kamailio import KamailioTarget
from tests.pbx.helpers import many, request_for
from watch.audit import audit

ROOT = Path(__file__).resolve().parents[1]
NOW = pd.Timestamp("2026-12-01T06:00:00Z")
JD = 2440587.5


def frames(count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(2105)
    ext = many(count)
    ext["remote"] = np.where(rng.random(count) < 0.1, "true", "false")
    ext.loc[ext["remote"] == "true", "allowed_ips"] = ""
    ext["enabled"] = np.where(rng.random(count) < 0.02, "false", "true")
    # 100,000 registrations: 95% of the extensions, some twice, some for unknown users
    codes = ext["code"].sample(frac=0.95, random_state=1).tolist()
    codes += codes[: count - len(codes) - count // 100] + [""] * (count // 100)
    n = len(codes)
    hours = rng.uniform(-60, 1, n)
    ips = np.where(rng.random(n) < 0.9, "10.0.0." + pd.Series(rng.integers(1, 250, n))
                   .astype(str), "198.51.100.7")
    regs = pd.DataFrame({
        "code": codes, "username": [c or f"ghost{i}" for i, c in enumerate(codes)],
        "contact": "sip:x@" + pd.Series(ips), "source_ip": ips, "user_agent": "Yealink",
        "expires": NOW + pd.to_timedelta(hours, unit="h"),
        "last_seen": NOW + pd.to_timedelta(hours - 1, unit="h"),
    })
    return ext, regs


def naive(ext: pd.DataFrame, regs: pd.DataFrame, limit: pd.Timedelta) -> int:
    """What a first script would do: per extension, scan its registrations."""
    overdue = 0
    rows = regs.to_dict("records")
    for e in ext.to_dict("records"):
        if e["enabled"] != "true":
            continue
        mine = [r for r in rows if r["code"] == e["code"]]
        seen = max((min(NOW, max(r["expires"], r["last_seen"])) for r in mine), default=None)
        if seen is None or NOW - seen > limit:
            overdue += 1
        for r in mine:
            if e["allowed_ips"]:
                ip = ipaddress.ip_address(r["source_ip"])
                any(ip in ipaddress.ip_network(n) for n in e["allowed_ips"].split(";"))
    return overdue


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=200)
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    limit = pd.Timedelta(hours=24)
    ext, regs = frames(args.count)
    prev = pd.Series([], dtype="datetime64[ns, UTC]", index=pd.Index([], dtype=object))
    start = time.perf_counter()
    result = audit(ext, regs, prev, now=NOW, limit=limit)
    vec = time.perf_counter() - start
    print(f"audit() {args.count:,} extensions x {len(regs):,} registrations: {vec:.2f} s "
          f"({len(result.overdue):,} overdue, {len(result.foreign):,} outside allowed_ips)")
    sample = ext.head(args.sample)
    start = time.perf_counter()
    naive(sample, regs, limit)
    loop = (time.perf_counter() - start) * args.count / len(sample)
    print(f"per-extension loop (on {len(sample):,}, extrapolated): {loop:.1f} s  "
          f"ratio {loop / vec:.0f}x")

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "pbx.sqlite"
        target = KamailioTarget(TargetConfig("bench", "kamailio", f"sqlite:///{db}"))
        target.apply(request_for(target, ext))
        with sqlite3.connect(db) as conn:
            conn.executemany(
                "INSERT INTO location (ruid, username, contact, received, expires, "
                "last_modified, user_agent, callid) VALUES (?, ?, ?, ?, ?, ?, ?, 'c')",
                zip((f"r{i}" for i in range(len(regs))),
                    regs["username"].where(regs["code"] == "", regs["code"]),
                    regs["contact"], "sip:" + regs["source_ip"],
                    (regs["expires"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds() / 86400
                    + JD,
                    (regs["last_seen"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds() / 86400
                    + JD,
                    regs["user_agent"], strict=True))
        (Path(tmp) / "extctl.toml").write_text(
            f'[targets.b]\nkind = "kamailio"\nurl = "sqlite:///{db}"\n')
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "extctl.main", "audit", "--now", NOW.isoformat(),
             "--state", "state.json", "--format", "json"], cwd=tmp, capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
        cli = time.perf_counter() - start
        assert done.returncode == 1, done.stderr
        print(f"extctl audit end to end (SQLite, new process, state written): {cli:.2f} s "
              f"(budget 5 s)")


if __name__ == "__main__":
    main()
