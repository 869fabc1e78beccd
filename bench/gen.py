"""Seeded, realistic extensions.csv files for the benchmarks.

Mostly `auto` passwords, 1% literal random ones, most rows forwarding to a
valid number, office subnets repeating as they do in a real company.
Usage: python bench/gen.py ROWS OUT.csv [--seed N]
"""

from __future__ import annotations

import argparse
import random
import string
from pathlib import Path

COLUMNS = (
    "code,name,username,password,call_limit,dnd,forward_number,allowed_ips,remote,enabled,"
    "team,owner,high_risk,password_rotated,transport,notes"
)
FIRST = ["Mia", "Liam", "Ava", "Noah", "Zoe", "Ravi", "Chen", "Amara", "Jonas", "Lea", "Omar",
         "Sofia", "Kenji", "Ines", "Tariq", "Nora", "Mateo", "Hana", "Yusuf", "Elena"]
LAST = ["Lopez", "Smith", "Patel", "Nguyen", "Müller", "Rossi", "Kowalski", "Okafor", "Silva",
        "Tanaka", "Haddad", "Johansson", "Dubois", "Novak", "Garcia", "Kim", "Brown", "Cohen"]
TEAMS = ["support", "sales", "billing", "noc", "reception", "exec", "field"]
AREA = ["201", "212", "310", "408", "415", "512", "617", "646", "650", "702", "713", "917"]
SAFE = string.ascii_letters + string.digits + "#!%*+-=?@^_~"
# Codes starting with an emergency number (1120000 reaches 112 first) are
# code-reserved: a realistic file has none, so they are skipped.
RESERVED = ("911", "112", "999", "933", "988")


def codes(n: int, start: int) -> list[int]:
    """`n` codes from `start` up, skipping those that start with a reserved code."""
    out: list[int] = []
    code = start
    while len(out) < n:
        if not str(code).startswith(RESERVED):
            out.append(code)
        code += 1
    return out


def literal_password(rng: random.Random) -> str:
    # What an admin pastes from a password generator: 16-20 random characters.
    length = rng.randint(16, 20)
    while True:
        pw = "".join(rng.choice(SAFE) for _ in range(length))
        if not any(pw[i] == pw[i + 1] == pw[i + 2] for i in range(len(pw) - 2)):
            return pw


def rows(n: int, seed: int, start: int = 1_000_000) -> list[str]:
    rng = random.Random(seed)
    subnets = [f"10.{a}.{b}.0/24" for a in range(20, 30) for b in range(0, 50, 10)]
    out = [COLUMNS]
    for code in codes(n, start):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        remote = rng.random() < 0.10
        high = rng.random() < 0.01
        literal = rng.random() < 0.01
        forward = (f"+1{rng.choice(AREA)}{rng.randint(2, 9)}{rng.randint(0, 99):02d}"
                   f"{rng.randint(0, 9999):04d}") if rng.random() < 0.8 else ""
        out.append(",".join([
            str(code),
            f"{first} {last}",
            "" if rng.random() < 0.7 else f"{first.lower()}.{last.lower()}.{code}"
            .encode("ascii", "ignore").decode(),
            literal_password(rng) if literal else "auto",
            str(rng.randint(1, 4)),
            "true" if rng.random() < 0.03 else "false",
            forward,
            "" if remote else rng.choice(subnets),
            "true" if remote else "false",
            "false" if rng.random() < 0.02 else "true",
            rng.choice(TEAMS),
            f"{first.lower()}.{code}@example.com".encode("ascii", "ignore").decode(),
            "true" if high else "false",
            f"2026-{rng.randint(6, 11):02d}-{rng.randint(1, 20):02d}" if high else "",
            "tls" if remote else "udp",
            "" if rng.random() < 0.9 else '"Desk phone, 2nd floor"',  # RFC 4180 quoted
        ]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2105)
    args = ap.parse_args()
    text = "\n".join(rows(args.rows, args.seed)) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
