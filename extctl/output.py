"""Writing a command's whole output to stdout, or failing loudly.

A large `print` into a pipe whose reader left (`extctl plan | head`) does not
always raise: CPython's buffered writer reports the bytes the kernel took
before EPIPE as a short write, and text-mode writes ignore the count, so
the rest vanishes and the command would exit 0. Writing the bytes in a loop
turns the short write into the BrokenPipeError the CLI maps to exit 1.
"""

from __future__ import annotations

import sys


def emit(text: str) -> None:
    """Write `text` to stdout completely (BrokenPipeError if the reader left)."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a text-only stream (some test runners): nothing to lose
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    view = memoryview(text.encode("utf-8"))
    while view:
        written = out.write(view)
        if written is None:  # a non-blocking stream that would block: retry
            continue
        view = view[written:]
    out.flush()
