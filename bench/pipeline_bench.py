"""What the workflows render for a huge change, and the terminal colouring.

    python bench/pipeline_bench.py [--rows 200000]

Prints: the PR comment (risky first, capped at GitHub's limit) and the job
summary for a plan of ROWS changes, and colour for the text plan by
whole-text str.replace vs the naive Python loop per line (a ratio).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.comment import plan_comment
from pipeline.summary import plan_summary
from plan.changes import Change, FieldChange, PasswordChange, Plan, Safety
from plan.render_color import GREEN, RED, RESET, YELLOW, colorize
from plan.render_text import render_text


def ANSI_FREE(text: str) -> str:  # noqa: N802 - reads like a constant function
    for code in (GREEN, RED, YELLOW, RESET, "\x1b[1m"):
        text = text.replace(code, "")
    return text


def big_plan(n: int) -> Plan:
    kinds = []
    for i in range(n):
        code = str(1_000_000 + i)
        if i % 10 == 0:
            kinds.append(Change("delete", code))
        elif i % 10 == 1:
            kinds.append(Change("update", code, (("password", PasswordChange("rotated")),)))
        elif i % 10 == 2:
            kinds.append(Change("create", code, (("name", FieldChange("", f"Agent {i}")),)))
        else:
            kinds.append(Change("update", code, (("name", FieldChange("Old", f"Agent {i}")),)))
    return Plan("pbx", tuple(kinds), Safety(False, n, n, 1.0))


def naive_colour(text: str) -> str:
    colours = {"+": GREEN, "-": RED, "~": YELLOW}
    out = []
    for line in text.split("\n"):
        c = colours.get(line[:1]) if line[1:2] == " " else None
        out.append(f"{c}{line[:1]}{RESET}{line[1:]}" if c else line)
    return "\n".join(out)


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    took = time.perf_counter() - start
    print(f"{label:<44} {took:8.3f} s")
    return result, took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    n = parser.parse_args().rows
    plan = big_plan(n)
    body, _ = timed(f"PR comment, {n} changes", lambda: plan_comment(plan, title="bench"))
    print(f"  comment length {len(body)} chars (GitHub limit 65,536)")
    summary, _ = timed(f"job summary, {n} changes", lambda: plan_summary(plan, title="bench"))
    print(f"  summary length {len(summary)} chars (GitHub limit 1 MiB)")
    text, _ = timed("render_text", lambda: render_text(plan))
    fast, t_fast = timed("colour: str.replace over the whole text", lambda: colorize(text))
    slow, t_slow = timed("colour: naive loop per line", lambda: naive_colour(text))
    assert ANSI_FREE(fast) == ANSI_FREE(slow) == text  # same text, only colour added
    print(f"  ratio naive/whole-text: {t_slow / t_fast:.1f}x")


if __name__ == "__main__":
    main()
