"""The one family of errors a user can cause.

Library code raises these; only the CLI catches them, prints `message` and
exits with `exit_code`. Anything else escaping is a bug in extctl.
"""

from __future__ import annotations


class ExtctlError(Exception):
    """An error the user can fix. `str(err)` is a complete, secret-free message."""

    exit_code = 2


class UsageError(ExtctlError):
    """Bad flag, invalid policy file, unreadable input: exit 2."""

    exit_code = 2


class TargetError(ExtctlError):
    """The PBX cannot be reached or is not what we expect: exit 2."""

    exit_code = 2


class CheckFailed(ExtctlError):
    """A check found problems (invalid CSV, unsafe or stale plan): exit 1."""

    exit_code = 1


class StalePlan(CheckFailed):
    """The PBX changed since the saved plan was made."""


class UnsafePlan(CheckFailed):
    """The plan crosses a safety threshold and --force was not given."""
