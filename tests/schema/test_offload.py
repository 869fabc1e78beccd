"""The second-process offload gives exactly the serial answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schema.offload import Offload
from schema.password import estimate_many
from schema.phone import valid_e164


def test_offload_matches_serial_results() -> None:
    passwords = [f"tQ7#vZ2m!Lp9Rx{i:04d}" for i in range(2100)] + ["Summer2024!Summer"]
    numbers = ["+14085550123", "+1408555012", "+442071838750", "+4930"] * 50
    offload = Offload(passwords, pd.Series(numbers, dtype="string[pyarrow]"), 50.0)
    try:
        assert offload._pool is not None  # big enough for a second process
        verdicts = [b >= 50 for b in offload.guess_bits()]
        assert verdicts == [b >= 50 for b in estimate_many(passwords, 50.0)]
        assert verdicts[-1] is False and all(verdicts[:-1])
        serial = valid_e164(pd.Series(numbers, dtype="string[pyarrow]")).to_numpy()
        assert np.array_equal(offload.phone_valid(), serial)
        assert offload.phone_valid()[:4].tolist() == [True, False, True, False]
    finally:
        offload.close()


def test_small_batches_stay_in_process() -> None:
    numbers = pd.Series(["+14085550123"], dtype="string[pyarrow]")
    offload = Offload(["tQ7#vZ2m!Lp9Rx4k"], numbers, 50.0)
    assert offload._pool is None
    assert offload.guess_bits()[0] >= 50
    assert offload.phone_valid().tolist() == [True]
