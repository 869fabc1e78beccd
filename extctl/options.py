"""Options shared by several commands. No pandas here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from extctl.errors import UsageError
from extctl.policy import Policy, load_policy

F = TypeVar("F", bound=Callable[..., Any])


def policy_option(fn: F) -> F:
    return click.option(
        "--policy", "policy_path", default="extctl.toml", show_default=True,
        type=click.Path(dir_okay=False), help="Policy file (missing = defaults).",
    )(fn)


def today_option(fn: F) -> F:
    return click.option(
        "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
        help="Date the rotation rules use (default: today), YYYY-MM-DD.",
    )(fn)


def resolve_today(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else dt.date.today()


def get_policy(path: str) -> Policy:
    """Load the policy; an invalid one is a click usage error (exit 2)."""
    try:
        return load_policy(path)
    except UsageError as err:
        raise click.UsageError(str(err)) from None
