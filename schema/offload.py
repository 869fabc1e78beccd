"""The two costly column checks, half handed to a second process.

This machine has 2 cores and validation is CPU-bound: the password estimator
(zxcvbn, ~0.25 ms a literal password) and libphonenumber's validity patterns
are the two costs that do not fit one core's budget at a million rows. When
they are big enough, they start in a forked worker as soon as the table is
read, while the rest of the schema runs here; the two checks that need them
run last and join. Small files never pay for a process.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from contextvars import ContextVar

import numpy as np
import pandas as pd

from schema.password import estimate_many
from schema.phone import valid_e164

_WORTH_A_PROCESS = 2000  # estimator calls; phone numbers count for a tenth each
# The worker gets the phone numbers and this share of the passwords: the main
# process still has every other rule to run.
_REMOTE_SHARE = 0.7


# Handed to the worker by fork rather than by pickling (a million numbers
# would cost more to send than to check): set just before the pool forks.
_SHARED: dict[str, object] = {}


def _phones(numbers: pd.Series) -> np.ndarray:
    result: np.ndarray = valid_e164(numbers).to_numpy(dtype=bool)
    return result


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


def _remote_guesses(stop: int, threshold: float) -> list[float]:
    passwords = _SHARED["passwords"]
    assert isinstance(passwords, list)
    return estimate_many(passwords[:stop], threshold)


class Offload:
    def __init__(self, passwords: list[str], numbers: pd.Series, threshold: float) -> None:
        self._passwords = passwords
        self._threshold = threshold
        self._numbers = numbers
        self._split = 0
        self._pool: ProcessPoolExecutor | None = None
        self._guess: Future[list[float]] | None = None
        self._phone: Future[np.ndarray] | None = None
        if len(passwords) + len(numbers) // 10 >= _WORTH_A_PROCESS:
            _SHARED.update(passwords=passwords, numbers=numbers)
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("fork"),
                initializer=_die_with_parent, initargs=(os.getpid(),),
            )
            self._phone = self._pool.submit(_remote_phones)  # forks the worker
            self._split = int(len(passwords) * _REMOTE_SHARE)
            self._guess = self._pool.submit(_remote_guesses, self._split, threshold)
            _SHARED.clear()

    def guess_bits(self) -> list[float]:
        local = estimate_many(self._passwords[self._split:], self._threshold)
        return (self._guess.result() if self._guess is not None else []) + local

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
