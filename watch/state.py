"""The audit's state file: when each extension was last seen registered.

The PBX forgets a registration when it expires, so the audit remembers. JSON,
code -> ISO time, nothing else: never a secret. Written atomically (a temp
file in the same directory, then rename) so a killed run leaves the old file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from extctl.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

VERSION = 1


def load(path: str | os.PathLike[str] | None) -> pd.Series:
    """code -> UTC time; empty when there is no file yet."""
    import pandas as pd

    empty = pd.Series([], dtype="datetime64[ns, UTC]", index=pd.Index([], dtype=object))
    if path is None or not Path(path).exists():
        return empty
    from extctl.files import read_file

    try:
        data = json.loads(read_file(path).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: not a readable audit state file ({exc}); remove it to "
                         "start afresh") from None
    seen = data.get("last_seen") if isinstance(data, dict) else None
    if not isinstance(seen, dict) or not all(isinstance(v, str) for v in seen.values()):
        raise UsageError(f'{path}: not an audit state file (expected {{"last_seen": '
                         '{"CODE": "ISO time"}}); remove it to start afresh')
    if not seen:
        return empty
    times = pd.to_datetime(pd.Series(seen, dtype=object), utc=True, errors="coerce",
                           format="ISO8601")
    if times.isna().any():
        bad = times[times.isna()].index[0]
        raise UsageError(f"{path}: last_seen[{bad!r}] is not an ISO time; fix or remove it")
    times.index = times.index.astype(str)
    return times.astype("datetime64[ns, UTC]")


def save(path: str | os.PathLike[str], last_seen: pd.Series, now: pd.Timestamp) -> None:
    target = Path(path)
    stamps = last_seen.dropna().dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"version": VERSION, "updated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_seen": dict(zip(stamps.index.astype(str), stamps, strict=True))}
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the audit state: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(body, out, indent=1, sort_keys=True)
            out.write("\n")
        os.chmod(tmp, 0o644)  # no secret in it; mkstemp made it 0600
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"{target}: cannot write the audit state: {exc.strerror}") from None
