"""`extctl validate` and `extctl fmt`: the pre-commit hooks and the CI check."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from extctl.errors import CheckFailed, UsageError
from extctl.options import get_policy, policy_option, resolve_today, today_option

DEFAULT_FILE = "extensions.csv"


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="Reporter: text, github annotations, or json.")
@policy_option
@today_option
def validate_command(
    files: tuple[str, ...], fmt: str, policy_path: str | None, today: dt.datetime | None
) -> None:
    """Validate FILES (default: extensions.csv; "-" reads stdin). Exit 1 on errors."""
    from validate.parse import Prefetch

    policy = get_policy(policy_path)
    # Reading and parsing run in threads while pandas and pandera import.
    jobs = [Prefetch(f, policy) for f in (files or (DEFAULT_FILE,))]
    from validate.reporters import render
    from validate.run import validate_prefetched

    day = resolve_today(today)
    reports = [validate_prefetched(job, policy, day, keep_frame=False) for job in jobs]
    click.echo(render(reports, fmt), nl=False)
    if any(r.errors for r in reports):
        sys.exit(1)


@click.command("fmt")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if not canonical.")
@policy_option
def fmt_command(files: tuple[str, ...], check: bool, policy_path: str | None) -> None:
    """Rewrite FILES (default: extensions.csv) in canonical form ("-": stdin to stdout)."""
    from validate.fmt import canonical_bytes
    from validate.parse import STDIN, STDIN_NAME, read_input

    limit = get_policy(policy_path).max_file_bytes
    unformatted = []
    for name in files or (DEFAULT_FILE,):
        path = Path(name)
        try:
            data = read_input(name, limit)
        except OSError as exc:
            raise UsageError(f"{name}: cannot read: {exc.strerror}") from None
        new = canonical_bytes(data, STDIN_NAME if name == STDIN else name)
        if name == STDIN and not check:  # a filter: the canonical form to stdout
            sys.stdout.buffer.write(new)
            continue
        if new == data:
            continue
        unformatted.append(name)
        if check:
            click.echo(f"{name}: not in canonical form (run: extctl fmt {name})", err=True)
        else:
            path.write_bytes(new)
            click.echo(f"{name}: reformatted", err=True)
    if unformatted and check:
        raise CheckFailed(f"{len(unformatted)} file(s) would be reformatted")
