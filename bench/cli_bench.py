"""What a user waits for at the command line, end to end (interpreter start,
validation, PBX read, diff, write), on the embedded default target (Kamailio
schema in SQLite):

    python bench/cli_bench.py [--rows 100000] [--runs 3]

1. `extctl apply --yes` of ROWS new extensions into an empty pbx.sqlite;
2. `extctl plan` with nothing to change (the deploy job's re-check);
3. `extctl plan` after 1% of the rows changed (a big reviewed change);
each compared with `extctl validate` of the same file in the same run, the
part of the wait that does not depend on the PBX.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen import rows as gen_rows  # noqa: E402
from validate_bench import script  # noqa: E402


def valid_rows(n: int) -> list[str]:
    """The generator's rows, with the few literal passwords the policy rejects
    (random strings can still be guessable) set to auto."""
    from extctl.policy import parse_policy
    from validate.run import validate_bytes

    lines = gen_rows(n, 2105)
    report = validate_bytes(("\n".join(lines) + "\n").encode(), "extensions.csv",
                            parse_policy({"code_length": [3, 7]}),
                            dt.date(2026, 11, 26))
    for f in report.findings:
        # password-literal is a warning on every literal: those stay literal.
        if f.rule.startswith("password-") and f.severity == "error" and f.line is not None:
            cells = lines[f.line - 1].split(",")
            cells[3] = "auto"
            lines[f.line - 1] = ",".join(cells)
    return lines


def timed(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {res.returncode}:\n{res.stderr[-2000:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    extctl = script("extctl") or sys.exit("extctl is not installed (pip install -e .)")
    lines = valid_rows(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "extctl.toml").write_text("code_length = [3, 7]\n")
        csv = work / "extensions.csv"
        csv.write_text("\n".join(lines) + "\n")

        def median(cmd: list[str], ok: tuple[int, ...] = (0,)) -> float:
            return statistics.median(timed(cmd, work, ok) for _ in range(args.runs))

        check = median([extctl, "validate"])
        apply = timed([extctl, "apply", "--yes"], work)
        print(f"extctl apply --yes, {args.rows:,} new extensions: {apply:.2f} s "
              f"(extctl validate of the file: {check:.2f} s)")
        same = median([extctl, "plan", "--detailed-exitcode"])
        print(f"extctl plan, nothing to change: median {same:.2f} s "
              f"({same / check:.1f}x validate)")
        rng = random.Random(5)
        changed = lines[:1] + [
            line.replace(",udp,", ",tcp,") if rng.random() < 0.01 and ",udp," in line else line
            for line in lines[1:]]
        csv.write_text("\n".join(changed) + "\n")
        diff = median([extctl, "plan", "--detailed-exitcode"], ok=(2,))
        print(f"extctl plan, {sum(a != b for a, b in zip(lines, changed, strict=True)):,} changed: "
              f"median {diff:.2f} s ({diff / check:.1f}x validate)")


if __name__ == "__main__":
    main()
