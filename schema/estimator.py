"""The password estimator's work, shared with a second process from the start.

Estimating literal passwords (zxcvbn, ~0.3 ms each) is the one cost of a big
validation that does not fit one core, and it needs nothing but the password
column. So when a file has enough literal passwords, the CLI hands them to
a worker process as soon as the file is parsed (validate/parse.py), while
this process still imports pandas and pandera: the second core, otherwise
idle then, starts on them at once. The worker takes the chunks in order from
the front; when the rest of validation is done, this process takes them
from the back until the two meet (work stealing), so neither core idles
whatever the machine's load.

No pandas here (the parse thread runs this while pandas imports). The
worker is schema/estimate_worker.py; it learns the passwords through its
stdin pipe, never from argv or the environment, and writes numbers only.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from extctl.policy import Policy
from schema.columns import auto_rows
from schema.password import estimate_many, user_inputs

if TYPE_CHECKING:
    import pyarrow as pa

# Below this many estimator calls a process costs more than it saves.
WORTH_A_PROCESS = 2000
# ~20 ms of estimates: small enough that the two processes meet within a
# chunk of each other, big enough that the pipe traffic is noise.
_CHUNK = 64


@dataclass(frozen=True)
class Spec:
    """What the estimator needs besides the passwords (the policy's part)."""

    min_length: int  # shorter literal passwords fail password-length instead
    threshold: float  # min_guess_bits
    inputs: tuple[str, ...]  # schema.password.user_inputs


def spec_for(policy: Policy) -> Spec | None:
    """The estimator's part of the policy; None when password-guessable is off."""
    if policy.severity_of("password-guessable", "error") == "off":
        return None
    return Spec(policy.min_length, policy.min_guess_bits, tuple(password_inputs(policy)))


def password_inputs(policy: Policy) -> list[str]:
    """The estimator's user inputs for every row (schema.password.user_inputs)."""
    return user_inputs(policy.password_words, policy.target_domains())


def early(arr: pa.Array | pa.ChunkedArray, spec: Spec) -> Estimates | None:
    """Estimates of a password column's judged passwords, started now if
    there are enough of them for the worker; None otherwise (validation
    then estimates the few itself)."""
    items = judged_passwords(arr, spec.min_length)
    return Estimates(items, spec) if len(items) >= WORTH_A_PROCESS else None


def judged_passwords(arr: pa.Array | pa.ChunkedArray, min_length: int) -> list[str]:
    """The passwords of `arr` the estimator judges (judged_mask), in row order."""
    import pyarrow as pa

    passwords: list[str] = arr.filter(pa.array(judged_mask(arr, min_length))).to_pylist()
    return passwords


def judged_mask(arr: pa.Array | pa.ChunkedArray, min_length: int) -> np.ndarray:
    """Rows whose password the estimator judges: literal (schema.columns.is_auto
    is false) and at least `min_length` characters. Arrow only, no pandas."""
    import pyarrow.compute as pc

    auto = auto_rows(arr)
    long_enough = pc.greater_equal(pc.utf8_length(arr), min_length).to_numpy(
        zero_copy_only=False)
    judged: np.ndarray = ~auto & long_enough
    return judged


class Estimates:
    """Bits of `items`, each chunk estimated by the worker or by this process.

    `bits_of(passwords)` answers for any list: passwords not among `items`
    (the caller's selection differed) are estimated here."""

    def __init__(self, items: Sequence[str], spec: Spec) -> None:
        # Each password once: a file where many rows share one (a pasted
        # default) costs one estimate for it, not one per row.
        self.items = list(dict.fromkeys(items))
        self._spec = spec
        self._chunks: list[list[float] | None] = [None] * -(-len(self.items) // _CHUNK)
        self._lock = threading.Lock()
        self._front = 0  # the chunk the worker is on: every one before it is done
        self._limit = len(self._chunks)  # the worker starts no chunk from here on
        self._finished = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        if len(self.items) >= WORTH_A_PROCESS:
            # Started, fed and listened to in a thread: the caller (the parse
            # thread, or validation) goes on at once.
            threading.Thread(target=self._run_worker, daemon=True).start()
        else:
            self._finished.set()

    # --- this process -----------------------------------------------------

    def bits_of(self, passwords: Sequence[str]) -> list[float]:
        known = dict(zip(self.items, self._all_bits(), strict=True))
        missing = list(dict.fromkeys(p for p in passwords if p not in known))
        if missing:
            known.update(zip(missing, self._estimate(missing), strict=True))
        return [known[p] for p in passwords]

    def close(self) -> None:
        """Stop the worker if it is still running (a check failed first), and
        reap it: a long-lived caller (tests, edit commands) keeps no zombie."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a limit buffered for a worker now gone
                    pipe.close()

    def _estimate(self, items: list[str]) -> list[float]:
        return estimate_many(items, self._spec.threshold, list(self._spec.inputs))

    def _all_bits(self) -> list[float]:
        # From the back, until the chunk the worker is on.
        for k in range(len(self._chunks) - 1, -1, -1):
            with self._lock:
                if self._finished.is_set() or k <= self._front:
                    break
                if self._chunks[k] is not None:
                    continue
            self._tell_limit(k)  # the worker starts no chunk from k on
            self._store(k, self._estimate(self.items[k * _CHUNK:(k + 1) * _CHUNK]))
        self._tell_limit(0)  # nothing more for the worker to start
        self._finished.wait()
        for k, chunk in enumerate(self._chunks):  # a worker that died left gaps
            if chunk is None:
                self._store(k, self._estimate(self.items[k * _CHUNK:(k + 1) * _CHUNK]))
        return [b for chunk in self._chunks for b in chunk or ()]

    def _store(self, k: int, bits: list[float]) -> None:
        with self._lock:
            done = self._chunks[k]
            # Both processes did chunk k (they met inside it): the estimator's
            # rare two answers are resolved as schema.password does, lowest wins.
            self._chunks[k] = bits if done is None else [min(a, b) for a, b in
                                                         zip(done, bits, strict=True)]

    def _tell_limit(self, k: int) -> None:
        with self._lock:  # one writer at a time on the pipe (see _run_worker)
            self._limit = min(self._limit, k)
            proc = self._proc
            if proc is None or proc.stdin is None:
                return  # not started yet: the header will carry the limit
            # The worker may have ended (all done, or died): it needs no limit then.
            with contextlib.suppress(ValueError, OSError):
                proc.stdin.write(f"{k}\n".encode())
                proc.stdin.flush()

    def _run_worker(self) -> None:
        try:
            # No worker, or it died: this process does what it left (_all_bits).
            with contextlib.suppress(OSError, ValueError):
                self._feed_and_listen()
        finally:
            self._finished.set()

    def _feed_and_listen(self) -> None:
        with self._lock:
            proc = self._proc = subprocess.Popen(
                [sys.executable, "-m", "schema.estimate_worker", str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                close_fds=True)
            assert proc.stdin is not None and proc.stdout is not None
            header = {"threshold": self._spec.threshold, "inputs": list(self._spec.inputs),
                      "chunk": _CHUNK, "limit": self._limit, "items": self.items}
            proc.stdin.write(json.dumps(header).encode() + b"\n")
            proc.stdin.flush()
        for line in proc.stdout:
            k, _, bits = line.partition(b" ")
            if not bits:  # "end"
                break
            index = int(k)
            self._store(index, json.loads(bits))
            with self._lock:
                self._front = max(self._front, index + 1)


# The estimates of the validation in progress (set by validate.run).
CURRENT: ContextVar[Estimates | None] = ContextVar("extctl_estimates", default=None)
