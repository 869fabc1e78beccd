"""extctl's forward-number validity vs phonenumbers.is_valid_number, number by number.

A seeded sample (default 200,000) of numbers drawn from every region's own
metadata (example numbers, leading digits, possible lengths, national
prefixes), perturbed; every canonical-form number of up to 15 digits. Prints
the number of disagreements (must be 0) and both timings (the ratio is what
the column-wide fast path saves).
Usage: python bench/phone_bench.py [--count 200000] [--seed 20261201]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args()

    import pandas as pd

    from schema.phone import valid_e164
    from tests.schema.phone_sample import reference, sample

    numbers = sample(args.count, args.seed)
    regions = len({n[:4] for n in numbers})
    t0 = time.perf_counter()
    got = valid_e164(pd.Series(numbers, dtype="string[pyarrow]")).tolist()
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    want = [reference(n) for n in numbers]
    theirs = time.perf_counter() - t0
    wrong = [n for n, g, w in zip(numbers, got, want, strict=True) if g != w]
    print(f"sample: {len(numbers):,} numbers (seed {args.seed}), {sum(want):,} valid, "
          f"{regions:,} distinct 3-digit heads")
    print(f"extctl valid_e164: {ours:.2f} s; phonenumbers one by one: {theirs:.2f} s "
          f"(ratio {theirs / ours:.1f}x)")
    print(f"disagreements: {len(wrong)}" + (f" e.g. {wrong[:10]}" if wrong else ""))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
