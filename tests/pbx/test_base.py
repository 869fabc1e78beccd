"""state_digests / fingerprint / changed_codes (vectorised in issue 3)."""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from pbx.base import STATE_COLUMNS, changed_codes, fingerprint, state_digests


def _state(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {c: [f"{c}-{i}" for i in range(n)] for c in STATE_COLUMNS}
        | {"code": [str(9000 - i * 7) for i in range(n)]},
        dtype="str",
    )


def test_digests_are_keyed_hex_per_code_and_cover_the_password() -> None:
    st = _state(50)
    a = state_digests(st, "0123456789abcdef")
    assert list(a.index) == list(st["code"])
    assert all(re.fullmatch(r"[0-9a-f]{16}", d) for d in a)
    assert (a != state_digests(st, "fedcba9876543210")).all()  # the key matters
    st2 = st.copy()
    st2.loc[3, "password"] = "other"
    b = state_digests(st2, "0123456789abcdef")
    assert changed_codes(dict(a.items()), dict(b.items())) == [st.loc[3, "code"]]


def test_fingerprint_is_sha256_of_sorted_lines_whatever_the_row_order() -> None:
    digests = state_digests(_state(200), "0123456789abcdef")
    body = "\n".join(f"{c}={d}" for c, d in sorted(digests.items()))
    assert fingerprint(digests) == hashlib.sha256(body.encode()).hexdigest()
    assert fingerprint(digests.sample(frac=1, random_state=3)) == fingerprint(digests)
    empty = state_digests(_state(0), "0123456789abcdef")
    assert fingerprint(empty) == hashlib.sha256(b"").hexdigest()
