"""Reading the files extctl is given: regular files only, and only so much.

A repository can hold a symlink, and CI checks out whatever a pull request
contains: `extensions.csv -> /proc/self/environ` would print the runner's
environment, `-> /dev/zero` would fill the memory, a FIFO would block the job.
So every file extctl reads (the CSV, the policy, a saved plan, an HR export)
goes through `read_file`:

- it must be a regular file, opened without blocking (O_NONBLOCK: a FIFO or a
  device is refused by fstat, never read);
- nothing under /proc, /sys or /dev, however it is reached;
- a symlink (anywhere in the path) is followed only when it resolves to a file
  inside the working directory, the checkout extctl runs in;
- at most `limit` bytes (policy `max_file_bytes`, default 256 MiB).

No pandas here: the CLI imports this before anything else.
"""

from __future__ import annotations

import os
import stat

from extctl.errors import UsageError

DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024
_PSEUDO = ("/proc", "/sys", "/dev")
_CHUNK = 1 << 20


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve(path: str | os.PathLike[str]) -> str:
    """The real path to open; UsageError for a pseudo-file or an escaping symlink."""
    name = os.fspath(path)
    real = os.path.realpath(name)
    if any(_inside(real, p) for p in _PSEUDO):
        raise UsageError(f"{name}: is a special file ({real}); extctl reads only regular "
                         "files")
    if real != os.path.normpath(os.path.abspath(name)):
        cwd = os.path.realpath(os.getcwd())
        if not _inside(real, cwd):
            raise UsageError(f"{name}: is a symlink to a file outside the working directory; "
                             "extctl follows symlinks only within it (copy the file instead)")
    return real


def read_file(path: str | os.PathLike[str], limit: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; UsageError otherwise.

    OSError (file not found, permission denied) propagates for the caller to
    word, as reading a file always could."""
    name = os.fspath(path)
    real = resolve(name)
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{name}: is {_kind(st.st_mode)}; extctl reads only regular "
                             "files")
        if st.st_size > limit:
            raise UsageError(_too_big(name, f"{st.st_size:,} bytes", limit))
        # One read of the announced size, then (files that grow, or that
        # report no size) bounded chunks until EOF.
        parts = [f.read(st.st_size)] if st.st_size else []
        total = sum(len(p) for p in parts)
        while total <= limit:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
    if total > limit:
        raise UsageError(_too_big(name, f"more than {limit:,} bytes", limit))
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_big(name: str, size: str, limit: int) -> str:
    return (f"{name}: {size} is over the max_file_bytes limit of {limit:,} (raise it in "
            "extctl.toml if the file is really that big)")

