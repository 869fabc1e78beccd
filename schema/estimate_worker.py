"""The estimator's worker process (schema/estimator.py): `python -m
schema.estimate_worker PARENT_PID`, fed through stdin.

Its input is one JSON line (the policy's estimator settings, the chunk size,
the first chunk it may not start, and the passwords), then chunk limits, one
number a line, as the parent takes chunks from the back. It writes "K [bits,
...]" for each chunk K it finishes, in order, and "end". Kept apart from
schema/estimator.py so it starts in milliseconds: nothing but the estimator
is imported.
"""

from __future__ import annotations

import json
import os
import select
import sys
from typing import IO

from schema.password import estimate_many


def _die_with_parent(parent: int) -> None:
    """The kernel kills this worker when the process that started it ends,
    however it ends (the CLI leaves with os._exit, or is killed)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):  # another OS: the closed pipe ends it instead
        return
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(0)


def _read_line(fd: int, pending: bytearray) -> bytes:
    """The next whole line from `fd`, waiting for it (b"" at end of input);
    os.read only, so no buffer hides the limits that follow the header."""
    while b"\n" not in pending:
        data = os.read(fd, 1 << 16)
        if not data:
            return b""
        pending += data
    line, _, rest = bytes(pending).partition(b"\n")
    pending[:] = rest
    return line


def _limits(fd: int, pending: bytearray, limit: int) -> int:
    """The lowest chunk limit the parent has written so far (no waiting)."""
    while select.select([fd], [], [], 0)[0]:
        data = os.read(fd, 4096)
        if not data:  # the parent closed the pipe: start nothing more
            return 0
        pending += data
    *lines, rest = pending.split(b"\n")
    pending[:] = rest
    return min([limit, *(int(x) for x in lines if x.strip())])


def worker(parent: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
    _die_with_parent(parent)
    fd = stdin.fileno()
    pending = bytearray()
    line = _read_line(fd, pending)
    if not line:  # the parent ended before sending anything
        return
    header = json.loads(line)
    items: list[str] = header["items"]
    size: int = header["chunk"]
    threshold, inputs = header["threshold"], header["inputs"]
    limit = min(header["limit"], -(-len(items) // size))
    for k in range(limit):
        limit = _limits(fd, pending, limit)
        if k >= limit:
            break
        bits = estimate_many(items[k * size:(k + 1) * size], threshold, inputs)
        stdout.write(f"{k} {json.dumps(bits)}\n".encode())
        stdout.flush()
    stdout.write(b"end\n")
    stdout.flush()


if __name__ == "__main__":
    try:
        worker(int(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):  # the parent has gone
        os._exit(0)
