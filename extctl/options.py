"""Options shared by several commands. No pandas here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from extctl.errors import UsageError
from extctl.policy import Policy, load_policy

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_POLICY = "extctl.toml"


def policy_option(fn: F) -> F:
    return click.option(
        "--policy", "policy_path", default=None, show_default="extctl.toml",
        type=click.Path(dir_okay=False),
        help="Policy file (default ./extctl.toml; only that one may be missing = defaults).",
    )(fn)


def today_option(fn: F) -> F:
    return click.option(
        "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
        help="Date the rotation rules use (default: today), YYYY-MM-DD.",
    )(fn)


def resolve_today(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def get_policy(path: str | None) -> Policy:
    """Load the policy; an invalid one is a click usage error (exit 2).

    None is the implicit ./extctl.toml, which may be absent (defaults); a path
    given with --policy must exist: a typo must not deploy with the defaults."""
    try:
        if path is None:
            return load_policy(DEFAULT_POLICY)
        return load_policy(path, required=True)
    except UsageError as err:
        raise click.UsageError(str(err)) from None
