"""The columns of extensions.csv, in canonical order. Imported by the CLI, so no pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "name",
    "username",
    "password",
    "call_limit",
    "dnd",
    "forward_number",
    "allowed_ips",
    "remote",
    "enabled",
    "team",
    "owner",
    "high_risk",
    "password_rotated",
    "transport",
    "notes",
)
REQUIRED: Final[frozenset[str]] = frozenset({"code", "name"})
BOOLEAN_COLUMNS: Final[tuple[str, ...]] = ("dnd", "remote", "enabled", "high_risk")

# Value a blank cell means, in canonical text form. Everything in extctl
# (CSV, plan, PBX state) compares values as these canonical strings.
DEFAULTS: Final[dict[str, str]] = {
    "username": "",  # blank: the code (resolved by the plan, not by fmt)
    "password": "",  # blank or "auto": generated at apply
    "call_limit": "",  # blank: the target's default
    "dnd": "false",
    "remote": "false",
    "enabled": "true",
    "high_risk": "false",
    "transport": "udp",
}

TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "yes", "1"})
FALSE_WORDS: Final[frozenset[str]] = frozenset({"false", "no", "0"})

AUTO_PASSWORD: Final[str] = "auto"  # the canonical spelling (what fmt writes)


def is_auto(password: str) -> bool:
    """The one definition of "this password cell means generate one": blank or
    `auto` in any ASCII case, nothing around it. `" auto"` is not auto (it is a
    literal, and fails password-charset for its space), so a stray space can
    never silently turn a generated password into a literal or back.
    schema.derive.auto_mask is the same test over a whole column."""
    return password == "" or (password.lower() == AUTO_PASSWORD and password.isascii())


def auto_rows(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """is_auto over an Arrow string column (pyarrow only: the parse thread
    runs it while pandas imports); schema.derive.auto_mask takes a Series."""
    import numpy as np
    import pyarrow.compute as pc

    # Nearly every row is exactly "auto" or blank: lower-case only the rest.
    auto: np.ndarray = pc.or_(pc.equal(arr, AUTO_PASSWORD), pc.equal(arr, "")).to_numpy(
        zero_copy_only=False).astype(bool)
    rows = np.flatnonzero(~auto)
    if len(rows):
        lowered = pc.ascii_lower(take_rows(arr, rows))
        auto[rows] = pc.equal(lowered, AUTO_PASSWORD).to_numpy(zero_copy_only=False)
    return auto


def take_rows(arr: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> pa.Array | pa.ChunkedArray:
    """`arr.take(rows)`: `arr` itself when `rows` are all its rows in order,
    and chunk by chunk when `rows` ascend. Arrow's take on a chunked string
    column first concatenates every chunk (~2 ms a column at a million rows,
    however few rows are taken, and the parser leaves one chunk per MiB);
    from each chunk it costs only what it takes."""
    import numpy as np
    import pyarrow as pa

    steps = np.diff(rows)
    if len(rows) == len(arr) and (not len(rows) or rows[0] == 0) and bool(np.all(steps == 1)):
        return arr
    if (not isinstance(arr, pa.ChunkedArray) or arr.num_chunks < 2 or not len(rows)
            or bool(np.any(steps < 0))):
        return arr.take(pa.array(rows, type=pa.int64()))
    ends = np.cumsum([len(c) for c in arr.chunks])
    which = np.searchsorted(ends, rows, side="right")  # the chunk each row is in
    cuts = np.flatnonzero(np.diff(which)) + 1  # where the ascending rows change chunk
    starts = np.concatenate(([0], ends[:-1]))
    pieces = [arr.chunk(int(k)).take(pa.array(part - starts[k], type=pa.int64()))
              for part, k in zip(np.split(rows, cuts), which[np.r_[0, cuts]], strict=True)]
    # One array, as Arrow's take gives: a kernel over many chunks repeats its
    # setup on each (RE2 compiles the pattern once a chunk).
    return pa.concat_arrays(pieces)


TRANSPORTS: Final[tuple[str, ...]] = ("udp", "tcp", "tls")
SECRET_COLUMNS: Final[frozenset[str]] = frozenset({"password"})
MASK: Final[str] = "***"


def mask_prefix(text: str) -> str:
    """A cell that may be a secret, quoted for a message: at most its first
    quarter (3 characters at most), then ***. A header cell of a file whose
    first line is data is quoted this way (it may be a password)."""
    keep = min(3, len(text) // 4)
    return repr(text[:keep] + MASK)
