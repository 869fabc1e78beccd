"""The two costly column checks, half handed to a second process.

This machine has 2 cores and validation is CPU-bound: the password estimator
(zxcvbn, ~0.25 ms a literal password) and libphonenumber's validity patterns
are the two costs that do not fit one core's budget at a million rows. When
they are big enough, they start in a forked worker as soon as the table is
read (the worker picks its own inputs from the raw columns, so the fork waits
for nothing), while the rest of the schema runs here; the two checks that
need them run last and join. Small files never pay for a process.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from contextvars import ContextVar

import numpy as np
import pandas as pd

from schema.derive import canonical_numbers, guess_mask, literal_passwords
from schema.password import estimate_many
from schema.phone import valid_e164

_WORTH_A_PROCESS = 2000  # estimator calls; phone numbers count for a tenth each
# The worker gets the phone numbers and this share of the passwords: the main
# process still has every other rule to run.
_REMOTE_SHARE = 0.66


# Handed to the worker by fork rather than by pickling (a million numbers
# would cost more to send than to check): set just before the pool forks.
_SHARED: dict[str, object] = {}


def _phones(numbers: pd.Series) -> np.ndarray:
    """Validity of the canonical numbers, in row order."""
    canonical = numbers[canonical_numbers(numbers)]
    result: np.ndarray = valid_e164(canonical).to_numpy(dtype=bool)
    return result


def _items(passwords: pd.Series, min_len: int) -> list[str]:
    return [str(p) for p in passwords[guess_mask(passwords, min_len)]]


def _die_with_parent(parent: int) -> None:
    """Worker initializer: the kernel kills this worker when the process that
    forked it ends, however it ends (the CLI leaves with os._exit, or is
    killed). An orphaned worker would hold the caller's stdout open forever."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # another OS: close() still shuts it down
        return
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(0)


def _remote_phones() -> np.ndarray:
    numbers = _SHARED["numbers"]
    assert isinstance(numbers, pd.Series)
    return _phones(numbers)


def _remote_guesses(min_len: int, threshold: float, inputs: list[str]) -> list[float]:
    passwords = _SHARED["passwords"]
    assert isinstance(passwords, pd.Series)
    items = _items(passwords, min_len)
    return estimate_many(items[:_split(len(items))], threshold, inputs)


def _split(count: int) -> int:
    return int(count * _REMOTE_SHARE)


class Offload:
    """The estimator's verdicts on `guess_mask(passwords, min_len)` rows and
    libphonenumber's on `canonical_numbers(numbers)` rows, each in row order;
    an empty column skips that check."""

    def __init__(self, passwords: pd.Series, numbers: pd.Series, min_len: int,
                 threshold: float, inputs: list[str] | None = None) -> None:
        self._numbers = numbers
        self._threshold = threshold
        self._inputs = inputs or []
        self._pool: ProcessPoolExecutor | None = None
        self._guess: Future[list[float]] | None = None
        self._phone: Future[np.ndarray] | None = None
        # Upper bounds, cheap to count: literal passwords, non-blank numbers.
        work = int(literal_passwords(passwords).sum()) + int((numbers != "").sum()) // 10
        if work >= _WORTH_A_PROCESS:
            _SHARED.update(passwords=passwords, numbers=numbers)
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork"),
                initializer=_die_with_parent, initargs=(os.getpid(),),
            )
            self._phone = self._pool.submit(_remote_phones)  # forks the worker
            self._guess = self._pool.submit(_remote_guesses, min_len, threshold, self._inputs)
            _SHARED.clear()

    def guess_bits(self, items: list[str]) -> list[float]:
        """Estimates of `items`, the passwords `guess_mask` selects in row order
        (the worker selected the same ones from the same column)."""
        if self._guess is None:
            return estimate_many(items, self._threshold, self._inputs)
        local = estimate_many(items[_split(len(items)):], self._threshold, self._inputs)
        return self._guess.result() + local

    def phone_valid(self) -> np.ndarray:
        if self._phone is not None:
            return self._phone.result()
        return _phones(self._numbers)

    def close(self) -> None:
        if self._pool is None:
            return
        # Both answers joined (the usual case): the idle worker exits at once
        # and is reaped here. Otherwise (a check failed first) do not wait for
        # its work; it ends with this process (_die_with_parent).
        idle = all(f is None or f.done() for f in (self._guess, self._phone))
        self._pool.shutdown(wait=idle, cancel_futures=True)


# The offload of the validation in progress (set by validate.run).
CURRENT: ContextVar[Offload | None] = ContextVar("extctl_offload", default=None)
