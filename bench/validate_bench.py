"""Validation speed: extctl vs `frictionless validate`, pre-commit hook, --help.

Prints figures; it asserts nothing (budgets are read by a person, see README).
Usage: python bench/validate_bench.py [--rows 1000000] [--runs 5] [--frictionless-runs 3]
       [--skip-frictionless]
The extctl and frictionless runs alternate, so a machine that slows down
or speeds up during the bench (these VMs do, by tens of percent) weighs on
both medians alike.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import rows as gen_rows  # noqa: E402

# The nearest Table Schema can get to extensions.csv: the same column rules
# where frictionless has a constraint for them (no password estimator, no
# libphonenumber, no prefix or cross-column rules, so it does *less* work).
BOOL = {"type": "boolean", "trueValues": ["true", "yes", "1", "True", "TRUE"],
        "falseValues": ["false", "no", "0", "False", "FALSE"]}
TABLE_SCHEMA = {
    "fields": [
        {"name": "code", "type": "string",
         "constraints": {"required": True, "unique": True, "pattern": "[1-9][0-9]{2,6}"}},
        {"name": "name", "type": "string",
         "constraints": {"required": True, "maxLength": 64, "pattern": "[^=+@-].*"}},
        {"name": "username", "type": "string", "constraints": {"pattern": "[A-Za-z0-9._-]{1,40}"}},
        {"name": "password", "type": "string", "constraints": {"maxLength": 64}},
        {"name": "call_limit", "type": "integer", "constraints": {"minimum": 1, "maximum": 10}},
        {"name": "dnd", **BOOL},
        {"name": "forward_number", "type": "string",
         "constraints": {"pattern": "\\+[1-9][0-9]{1,14}"}},
        {"name": "allowed_ips", "type": "string",
         "constraints": {"pattern": "[0-9a-fA-F:./;]+"}},
        {"name": "remote", **BOOL},
        {"name": "enabled", **BOOL},
        {"name": "team", "type": "string", "constraints": {"pattern": "[a-z0-9-]+"}},
        {"name": "owner", "type": "string", "constraints": {"pattern": "[^@ ]+@[^@ ]+\\.[^@ ]+"}},
        {"name": "high_risk", **BOOL},
        {"name": "password_rotated", "type": "date"},
        {"name": "transport", "type": "string", "constraints": {"enum": ["udp", "tcp", "tls"]}},
        {"name": "notes", "type": "string", "constraints": {"maxLength": 200}},
    ]
}


def script(name: str) -> str | None:
    """The console script beside this interpreter, as pre-commit runs a hook
    from its own environment (a version manager's shim on PATH would add its
    own start-up time to every figure)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


FRICTIONLESS = ("import sys, frictionless; "
                "report = frictionless.validate('extensions.csv', schema='schema.json'); "
                "sys.exit(0 if report.valid else 1)")


def has_frictionless() -> bool:
    import importlib.util

    return importlib.util.find_spec("frictionless") is not None


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, res.returncode


def write_case(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extensions.csv").write_text("\n".join(gen_rows(n, 2105)) + "\n", encoding="utf-8")
    # 1,000,000 codes need 7 digits; the default policy allows 3-6.
    (folder / "extctl.toml").write_text("code_length = [3, 7]\n")
    (folder / "schema.json").write_text(json.dumps(TABLE_SCHEMA))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--frictionless-runs", type=int, default=3)
    ap.add_argument("--skip-frictionless", action="store_true")
    args = ap.parse_args()
    extctl = script("extctl") or sys.exit("extctl is not installed (pip install -e .)")
    # frictionless's own Python API in a fresh interpreter (imports included, as
    # its CLI pays them): its `frictionless` console script breaks when pip pairs
    # a newer click with its typer ("Secondary flag is not valid ...").
    frictionless = [sys.executable, "-c", FRICTIONLESS] if has_frictionless() else None
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        write_case(big, args.rows)
        write_case(small, 1000)
        literal = sum(1 for line in (big / "extensions.csv").open() if ",auto," not in line) - 1
        print(f"file: {args.rows:,} rows, {literal:,} literal passwords, "
              f"{(big / 'extensions.csv').stat().st_size / 1e6:.0f} MB")

        fr_runs = 0 if args.skip_frictionless or not frictionless else args.frictionless_runs
        runs: list[tuple[float, int]] = []
        fr: list[tuple[float, int]] = []
        for i in range(max(args.runs, fr_runs)):  # alternating (see the docstring)
            if i < args.runs:
                runs.append(timed([extctl, "validate"], big))
            if i < fr_runs and frictionless:
                fr.append(timed(frictionless, big))
        ext = statistics.median(t for t, _ in runs)
        print(f"extctl validate {args.rows:,} rows: median {ext:.2f} s of {args.runs} "
              f"(runs {', '.join(f'{t:.2f}' for t, _ in runs)}; exit {runs[0][1]})  budget 5 s")
        if fr:
            med = statistics.median(t for t, _ in fr)
            print(f"frictionless validate {args.rows:,} rows: median {med:.2f} s of {len(fr)} "
                  f"(runs {', '.join(f'{t:.2f}' for t, _ in fr)}; exit {fr[0][1]})")
            print(f"ratio frictionless / extctl (medians): {med / ext:.1f}x  (need >= 10x); "
                  f"slowest extctl against fastest frictionless: "
                  f"{min(t for t, _ in fr) / max(t for t, _ in runs):.1f}x")

        hook = [timed([extctl, "validate", "extensions.csv"], small)[0] for _ in range(11)]
        fmt = [timed([extctl, "fmt", "--check", "extensions.csv"], small)[0] for _ in range(11)]
        # What any pandera validator pays before reading a byte: the interpreter
        # and `import pandas, pandera.pandas` (hypothesis hidden, as extctl does).
        floor = [timed([sys.executable, "-c", "import sys; sys.modules['hypothesis'] = None; "
                        "import pandas, pandera.pandas"], small)[0] for _ in range(11)]
        print(f"pre-commit hook extctl validate, 1,000 rows: median {statistics.median(hook):.2f} s"
              "  budget 1.0 s")
        print(f"  of which the floor, python -c 'import pandas, pandera.pandas': median "
              f"{statistics.median(floor):.2f} s")
        print(f"pre-commit hook extctl fmt --check, 1,000 rows: median "
              f"{statistics.median(fmt):.2f} s")
        if frictionless:
            fr_small = [timed(frictionless, small)[0] for _ in range(5)]
            print(f"frictionless validate, 1,000 rows: median {statistics.median(fr_small):.2f} s"
                  f" (ratio {statistics.median(fr_small) / statistics.median(hook):.1f}x)")
        helps = [timed([extctl, "--help"], small)[0] for _ in range(11)]
        bare = [timed([sys.executable, "-c", "pass"], small)[0] for _ in range(11)]
        print(f"extctl --help: median {statistics.median(helps):.3f} s  budget 0.3 s "
              f"(bare python start: {statistics.median(bare):.3f} s)")


if __name__ == "__main__":
    main()
