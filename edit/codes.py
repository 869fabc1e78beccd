"""Which dial codes a new row may take: free, no prefix clash, not reserved,
inside the policy's length. Whole arrays of candidate codes at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from extctl.policy import Policy

MAX_DIGITS = 15  # policy code_length caps at 15: int64 holds every code


def digits(codes: np.ndarray) -> np.ndarray:
    """Number of decimal digits of each positive code."""
    out = np.ones(len(codes), dtype=np.int64)
    for k in range(1, MAX_DIGITS + 1):
        out += codes >= 10**k
    return out


def member(pool: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` in `pool` (sorted, unique): a binary search, no re-sort of
    the pool per call as np.isin does."""
    if not len(pool):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    return np.asarray(pool[pos] == values)


def _heads(codes: np.ndarray) -> np.ndarray:
    """Every proper prefix of every code (as integers), deduplicated."""
    lengths = digits(codes)
    parts = [codes[lengths > k] // 10**k for k in range(1, MAX_DIGITS)]
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


class Taken:
    """The codes of a file plus the reserved ones, ready to test candidates."""

    def __init__(self, existing: np.ndarray, policy: Policy, file: str = "the file") -> None:
        self.file = file
        reserved = np.array([int(c) for c in policy.reserved_codes if c.isdigit()],
                            dtype=np.int64)
        self.policy = policy
        self.existing = np.unique(existing.astype(np.int64))
        self.reserved = np.unique(reserved)
        both = np.concatenate([self.existing, self.reserved])
        self.all = np.unique(both)
        self.heads = _heads(both)  # a candidate equal to one of these is a prefix of a code

    def blocked(self, cand: np.ndarray) -> np.ndarray:
        """True where a candidate cannot be a new code."""
        lengths = digits(cand)
        bad = (lengths < self.policy.code_min_length) | (lengths > self.policy.code_max_length)
        bad |= member(self.all, cand) | member(self.heads, cand)
        bad |= self.has_prefix_in(cand, lengths, self.all)
        return bad

    @staticmethod
    def has_prefix_in(cand: np.ndarray, lengths: np.ndarray, pool: np.ndarray) -> np.ndarray:
        out = np.zeros(len(cand), dtype=bool)
        for k in range(1, MAX_DIGITS):  # strip k trailing digits
            longer = lengths > k
            if longer.any():
                out[longer] |= member(pool, cand[longer] // 10**k)
        return out

    def reason(self, code: int, lines: dict[int, int]) -> str:
        """Why one blocked candidate is blocked (refusals only: a few codes)."""
        text, p = str(code), self.policy
        if not p.code_min_length <= len(text) <= p.code_max_length:
            return (f"code {text} has {len(text)} digits; the policy allows "
                    f"{p.code_min_length}-{p.code_max_length}")
        for r in (str(x) for x in self.reserved.tolist()):
            if text == r or text.startswith(r) or r.startswith(text):
                return f"code {text} clashes with the reserved code {r}"
        if code in lines:
            return f"code {text} is already in {self.file} (line {lines[code]})"
        for other, line in lines.items():
            o = str(other)
            if o.startswith(text) or text.startswith(o):
                shorter, longer = sorted((o, text), key=len)
                return (f"code {text} collides with {o} (line {line}): {shorter} is a prefix "
                        f"of {longer}, so dialling {longer} reaches {shorter} first")
        return f"code {text} is not free"


def first_free_block(taken: Taken, ranges: tuple[tuple[int, int], ...], count: int) -> int | None:
    """Lowest start of `count` consecutive free codes inside one of `ranges`,
    never crossing a change in code length (a 3-digit code would be a prefix
    of the 4-digit ones after it)."""
    best: int | None = None
    for lo, hi in sorted(ranges):
        if hi - lo + 1 < count:
            continue
        cand = np.arange(lo, hi + 1, dtype=np.int64)
        free = ~taken.blocked(cand)
        lengths = digits(cand)
        run = np.concatenate([[0], np.cumsum(free)])
        ok = (run[count:] - run[:-count]) == count
        ok &= lengths[: len(ok)] == lengths[count - 1:]
        hits = np.flatnonzero(ok)
        if len(hits):
            start = int(cand[hits[0]])
            best = start if best is None else min(best, start)
    return best
