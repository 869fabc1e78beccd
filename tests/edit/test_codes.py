"""The vectorised free-code test against a per-code reference."""

from __future__ import annotations

import random

import numpy as np

from edit.codes import Taken, first_free_block
from extctl.policy import Policy


def reference_blocked(code: int, existing: list[int], policy: Policy) -> bool:
    text = str(code)
    if not policy.code_min_length <= len(text) <= policy.code_max_length:
        return True
    others = [str(c) for c in existing] + list(policy.reserved_codes)
    return any(o.startswith(text) or text.startswith(o) for o in others)


def test_blocked_matches_the_per_code_reference() -> None:
    rng = random.Random(10)
    policy = Policy(code_min_length=3, code_max_length=5)
    for _ in range(20):
        existing = sorted({rng.randint(100, 99999) for _ in range(rng.randint(0, 60))})
        cand = np.array(sorted({rng.randint(1, 120000) for _ in range(300)}), dtype=np.int64)
        got = Taken(np.array(existing, dtype=np.int64), policy).blocked(cand)
        want = [reference_blocked(int(c), existing, policy) for c in cand]
        assert got.tolist() == want


def test_first_free_block_skips_reserved_and_length_changes() -> None:
    policy = Policy(reserved_codes=("911",))
    taken = Taken(np.array([903], dtype=np.int64), policy)
    # 900-902 free, 904-910 free, 911 reserved, 912-999 free
    assert first_free_block(taken, ((900, 1010),), 3) == 900
    assert first_free_block(taken, ((900, 1010),), 5) == 904
    assert first_free_block(taken, ((900, 1010),), 8) == 912
    # 995-999 and 1000-1004 are five each: a block never crosses to 4 digits
    assert first_free_block(taken, ((995, 1004),), 5) == 995
    assert first_free_block(taken, ((995, 1004),), 6) is None
