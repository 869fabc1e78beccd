"""The password strength policy of SPEC §3.1, for literal passwords only.

SIP digest is MD5: a captured REGISTER is cracked offline, so a literal secret
must be long, free of the row's own identifiers, and not guessable by a
zxcvbn-class estimator (dictionary words, leetspeak, keyboard walks, dates),
because character arithmetic alone passes `Summer2024!Summer`.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ProcessPoolExecutor

_ALLOWED = re.compile(r"[\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")
_TOKEN = re.compile(r"[^\W_]{3,}", re.UNICODE)
_LOG2_10 = math.log2(10)
# Below this many estimates a second process costs more than it saves.
_PARALLEL_FROM = 2000


def has_run(password: str, length: int = 4) -> bool:
    """True for `length`+ repeated (aaaa) or sequential (abcd, 4321) characters."""
    run_same = run_up = run_down = 1
    for prev, cur in zip(password, password[1:], strict=False):
        delta = ord(cur) - ord(prev)
        run_same = run_same + 1 if delta == 0 else 1
        run_up = run_up + 1 if delta == 1 else 1
        run_down = run_down + 1 if delta == -1 else 1
        if max(run_same, run_up, run_down) >= length:
            return True
    return False


def personal_hits(password: str, code: str, username: str, name: str) -> list[str]:
    """Which of the row's identifiers the password contains, case-insensitively."""
    low = password.lower()
    hits = [w for w in (code, username) if len(w) >= 3 and w.lower() in low]
    hits += [t for t in _TOKEN.findall(name.lower()) if t in low]
    return hits


def charset_ok(password: str) -> bool:
    return _ALLOWED.fullmatch(password) is not None


def _estimate_many(items: list[tuple[str, list[str]]]) -> list[float]:
    from zxcvbn_rs_py import zxcvbn

    return [float(zxcvbn(pw, inputs).guesses_log10) * _LOG2_10 for pw, inputs in items]


def estimate_bits(items: list[tuple[str, list[str]]]) -> list[float]:
    """Guess entropy in bits for each (password, user inputs).

    Large batches are split with a second process (2 cores here): the
    estimator is the one cost of validation that grows with literal
    passwords.
    """
    if len(items) < _PARALLEL_FROM:
        return _estimate_many(items)
    half = len(items) // 2
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(_estimate_many, items[:half])
        local = _estimate_many(items[half:])
        return remote.result() + local
