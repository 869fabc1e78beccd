"""A big file's Arrow parse, cut at record boundaries into pieces two threads share.

Prefetch (validate/parse.py) parses in a thread while the main thread imports
pandas and pandera. The imports usually end first (0.55 s against 0.7 s for
a million rows on this machine), and the main thread would then wait for the
table with one core idle: the estimator's worker starts only once the table
is there. So the parse thread takes the pieces from the front, and the main
thread, once it asks for the table, takes them from the back until the two
meet (the work stealing of schema/estimator.py). pyarrow releases the GIL
while it parses, so both run at once. No pandas here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# Pieces of about this size: small enough that the two threads meet within
# one of each other, big enough that a read_csv call's setup is noise.
PIECE_BYTES = 8 << 20

# parse_one(piece, first): the piece's table (the first piece holds the
# header row), or None when it needs the exact reader.
ParseOne = Callable[[memoryview, bool], "pa.Table | None"]


def cuts(data: bytes, size: int | None = None) -> list[int]:
    """Offsets just after a newline, about `size` (PIECE_BYTES) apart: where
    pieces start. Only for files whose records are lines (no newline inside
    quotes)."""
    size = size or PIECE_BYTES
    out: list[int] = []
    at = size
    while at < len(data):
        nl = data.find(b"\n", at)
        if nl < 0 or nl + 1 >= len(data):
            break
        out.append(nl + 1)
        at = nl + 1 + size
    return out


class Pieces:
    """The pieces of `data` starting at `starts` (after the first at 0), each
    parsed once by whichever thread takes it (`work`)."""

    def __init__(self, data: bytes, starts: list[int], parse_one: ParseOne) -> None:
        bounds = [0, *starts, len(data)]
        self._view = memoryview(data)
        self._spans = list(pairwise(bounds))
        self._parse_one = parse_one
        self._tables: list[pa.Table | None] = [None] * len(self._spans)
        self._failed = False
        self._front, self._back = 0, len(self._spans)  # the next piece from each end
        self._busy = 0
        self._cond = threading.Condition()

    def work(self, from_front: bool) -> None:
        """Parse pieces from one end until none is left to start."""
        while (i := self._take(from_front)) is not None:
            start, end = self._spans[i]
            table = None
            try:
                table = self._parse_one(self._view[start:end], i == 0)
            finally:
                with self._cond:
                    self._tables[i] = table
                    self._failed = self._failed or table is None
                    self._busy -= 1
                    self._cond.notify_all()

    def table(self) -> pa.Table | None:
        """Every piece parsed (this thread working from the front), joined in
        order; None when a piece needs the exact reader."""
        import pyarrow as pa

        self.work(from_front=True)
        with self._cond:
            self._cond.wait_for(lambda: self._busy == 0)
        if self._failed:
            return None
        return pa.concat_tables([t for t in self._tables if t is not None])

    def _take(self, from_front: bool) -> int | None:
        with self._cond:
            if self._front >= self._back or self._failed:
                return None
            if from_front:
                i, self._front = self._front, self._front + 1
            else:
                self._back -= 1
                i = self._back
            self._busy += 1
            return i
