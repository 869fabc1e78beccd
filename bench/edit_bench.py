"""The editing commands and export, end to end (interpreter start included):

    python bench/edit_bench.py [--rows 100000] [--runs 3]

1. `extctl generate --count 10000` into a ROWS-row extensions.csv (budget 5 s);
2. `extctl hr-sync` of a ROWS-person HR export (BOM, CRLF, mixed-case
   e-mails, 1% leavers, mobiles written with spaces, 1% changed) against
   the same file (budget 5 s);
3. `extctl export` of ROWS extensions from a Kamailio SQLite database made
   by `extctl apply` (budget 10 s).
Each is compared in the same run with `extctl validate` of the same file
(the floor: every edit validates what it reads and what it writes), and
hr-sync's matching with a per-row Python loop over the same rows (iterrows),
the approach the vectorised join replaces. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from cli_bench import timed, valid_rows  # noqa: E402
from validate_bench import script  # noqa: E402

TODAY = "2026-11-26"


def hr_export(lines: list[str], path: Path, seed: int = 7) -> None:
    """One HR row per owner of the file, plus the mobile the row forwards to."""
    rng = random.Random(seed)
    out = ["\ufeffEmail,Status,Mobile,Department"]
    for row in csv.reader(lines[1:]):
        owner, fwd = row[11], row[6]
        status = "Terminated" if rng.random() < 0.01 else "Active"
        if fwd and rng.random() < 0.01:
            fwd = fwd[:-1] + str((int(fwd[-1]) + 1) % 10)
        mobile = f"{fwd[:2]} {fwd[2:5]} {fwd[5:8]} {fwd[8:]}" if fwd else ""
        email = owner.upper() if rng.random() < 0.5 else owner
        out.append(f"{email},{status},{mobile},Sales")
    path.write_bytes(("\r\n".join(out) + "\r\n").encode("utf-8"))


def naive_hr(extensions: Path, hr: Path) -> float:
    """hr-sync's matching as a per-row loop (iterrows), in process, for scale."""
    import pandas as pd

    ext = pd.read_csv(extensions, dtype=str, keep_default_na=False)
    people = pd.read_csv(hr, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    start = time.perf_counter()
    status = {}
    for _, p in people.iterrows():
        status[p["Email"].strip().lower()] = p["Status"].strip().lower()
    disable, unknown = [], []
    for _, r in ext.iterrows():
        s = status.get(r["owner"].strip().lower())
        if s is None:
            unknown.append(r["code"])
        elif s in ("terminated", "inactive", "left", "leaver") and r["enabled"] != "false":
            disable.append(r["code"])
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    extctl = script("extctl") or sys.exit("extctl is not installed (pip install -e .)")
    lines = valid_rows(args.rows)
    text = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "extctl.toml").write_text(
            'code_length = [3, 7]\n[targets.lab]\nkind = "kamailio"\n'
            f'url = "sqlite:///{work}/pbx.sqlite"\n')
        ext = work / "extensions.csv"

        def median(cmd: list[str], ok: tuple[int, ...] = (0,), fresh: bool = True) -> float:
            times = []
            for _ in range(args.runs):
                if fresh:
                    ext.write_text(text)
                times.append(timed(cmd, work, ok))
            return statistics.median(times)

        floor = median([extctl, "validate", "--today", TODAY])
        print(f"floor: extctl validate of {args.rows:,} rows: median {floor:.2f} s")

        start = 1_000_000 + args.rows
        gen = median([extctl, "generate", "--count", "10000", "--start", str(start),
                      "--name", "Agent {code}", "--username", "a{code}", "--today", TODAY])
        print(f"extctl generate --count 10000 into {args.rows:,} rows: median {gen:.2f} s "
              f"(budget 5 s; {gen / floor:.1f}x validate)")

        hr = work / "hr.csv"
        hr_export(lines, hr)
        sync = median([extctl, "hr-sync", str(hr), "--today", TODAY])
        naive = naive_hr(ext, hr)
        print(f"extctl hr-sync, {args.rows:,}-person HR export: median {sync:.2f} s "
              f"(budget 5 s; {sync / floor:.1f}x validate); matching alone as a per-row "
              f"loop: {naive:.2f} s")

        ext.write_text(text)
        timed([extctl, "apply", "--yes", "--today", TODAY], work)
        out = work / "export.csv"

        def export() -> float:
            out.unlink(missing_ok=True)
            return timed([extctl, "export", "--out", str(out), "--today", TODAY], work,
                         ok=(0, 1))

        exp = statistics.median(export() for _ in range(args.runs))
        plan = median([extctl, "plan", "--today", TODAY], fresh=False)
        print(f"extctl export of {args.rows:,} extensions: median {exp:.2f} s (budget 10 s; "
              f"{exp / floor:.1f}x validate; extctl plan against the same PBX: {plan:.2f} s)")


if __name__ == "__main__":
    main()
