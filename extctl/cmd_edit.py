"""`extctl generate`, `rotate`, `hr-sync`, `export`: thin wrappers over edit/."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from extctl.errors import CheckFailed, UsageError
from extctl.options import get_policy, policy_option, resolve_today, today_option

if TYPE_CHECKING:
    from edit.document import Loaded
    from edit.report import Outcome

DEFAULT_FILE = "extensions.csv"
F = TypeVar("F", bound=Callable[..., Any])


def edit_options(fn: F) -> F:
    """What every command that edits extensions.csv takes."""
    for option in reversed([
        click.option("--file", "file", default=DEFAULT_FILE, show_default=True,
                     type=click.Path(dir_okay=False), help="The extensions CSV to edit."),
        click.option("--dry-run", is_flag=True, help="Show the change; write nothing."),
        click.option("--force", is_flag=True,
                     help="Change more existing rows than the [safety] threshold allows."),
        click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
                     default="text", show_default=True, help="Output format."),
        policy_option,
        today_option,
    ]):
        fn = option(fn)
    return fn


def _load(file: str, policy_path: str, today: dt.datetime | None) -> Loaded:
    from edit.document import load

    return load(file, get_policy(policy_path), resolve_today(today))


def _emit(outcome: Outcome, fmt: str) -> None:
    from edit.report import render

    click.echo(render(outcome, fmt), nl=False)
    if outcome.failed:
        sys.exit(1)


@click.command("generate")
@click.option("--count", type=click.IntRange(min=1), required=True, help="Number of rows.")
@click.option("--start", type=click.IntRange(min=1), help="First code.")
@click.option("--team", help="Team of the rows; without --start, the first free block of its "
              "range in extctl.toml.")
@click.option("--name", "name", required=True, help='Name pattern, e.g. "Support {code}" '
              "({code}: the code, {n}: 1, 2, 3...).")
@click.option("--username", help='Username pattern, e.g. "{code}" (default: blank = the code).')
@click.option("--call-limit", type=click.IntRange(min=1), help="Concurrent calls per row.")
@click.option("--owner", help="Owner e-mail.")
@click.option("--allowed-ips", help="Networks the phones register from (default: the office "
              "network most existing rows of the team use).")
@click.option("--remote", is_flag=True, help="Phones register from anywhere (no allowed IPs).")
@click.option("--transport", type=click.Choice(["udp", "tcp", "tls"]), help="SIP transport.")
@click.option("--notes", help="Notes for every row.")
@edit_options
def generate_command(*, count: int, start: int | None, team: str | None, name: str,
                     username: str | None, call_limit: int | None, owner: str | None,
                     allowed_ips: str | None, remote: bool, transport: str | None,
                     notes: str | None, file: str, dry_run: bool, force: bool, fmt: str,
                     policy_path: str, today: dt.datetime | None) -> None:
    """Append COUNT rows with sequential codes; passwords auto."""
    if start is None and team is None:
        raise click.UsageError("pass --start CODE or --team TEAM")
    if remote and allowed_ips:
        raise click.UsageError("--remote and --allowed-ips exclude each other")
    from edit.generate import GenerateRequest, generate

    req = GenerateRequest(count=count, name=name, start=start, team=team, username=username,
                          call_limit=call_limit, owner=owner, allowed_ips=allowed_ips,
                          remote=remote, transport=transport, notes=notes)
    _emit(generate(_load(file, policy_path, today), req, dry_run=dry_run, force=force), fmt)


@click.command("rotate")
@click.argument("codes", nargs=-1)
@click.option("--overdue", is_flag=True, help="High-risk rows whose rotation is overdue.")
@click.option("--within", type=click.IntRange(min=0), default=0, show_default=True,
              metavar="DAYS", help="With --overdue: also rows due within DAYS.")
@click.option("--team", help="Every row of this team (with --overdue: its overdue ones).")
@click.option("--to-auto", is_flag=True, help="Switch literal passwords to auto (generated).")
@click.option("--check", is_flag=True, help="With --overdue: list, write nothing, exit 1 if any.")
@edit_options
def rotate_command(*, codes: tuple[str, ...], overdue: bool, within: int, team: str | None,
                   to_auto: bool, check: bool, file: str, dry_run: bool, force: bool,
                   fmt: str, policy_path: str, today: dt.datetime | None) -> None:
    """Set password_rotated to today, so the next apply regenerates those passwords."""
    if not (codes or overdue or team):
        raise click.UsageError("name the rows: CODE..., --overdue or --team TEAM")
    if check and not overdue:
        raise click.UsageError("--check goes with --overdue")
    from edit.rotate import RotateRequest, rotate

    req = RotateRequest(codes=codes, overdue=overdue, within=within, team=team,
                        to_auto=to_auto, check=check)
    _emit(rotate(_load(file, policy_path, today), req, dry_run=dry_run, force=force), fmt)


@click.command("hr-sync")
@click.argument("hr_file", type=click.Path(dir_okay=False))
@click.option("--email-column", default="email", show_default=True, help="HR e-mail column.")
@click.option("--status-column", default="status", show_default=True, help="HR status column.")
@click.option("--mobile-column", help="HR mobile column (default: one named mobile, cell or "
              "phone, if any).")
@click.option("--update-forwarding", is_flag=True,
              help="Rewrite forward_number to the owner's mobile from HR (E.164).")
@click.option("--region", metavar="CC", help="Country (e.g. US) for HR mobiles written without "
              "+country code.")
@edit_options
def hr_sync_command(*, hr_file: str, email_column: str, status_column: str,
                    mobile_column: str | None, update_forwarding: bool, region: str | None,
                    file: str, dry_run: bool, force: bool, fmt: str, policy_path: str,
                    today: dt.datetime | None) -> None:
    """Disable extensions whose owner left per the HR export HR_FILE."""
    from edit.hrfile import HrColumns
    from edit.hrsync import HrRequest, hr_sync

    req = HrRequest(hr_path=hr_file, columns=HrColumns(email_column, status_column,
                                                        mobile_column),
                    update_forwarding=update_forwarding,
                    region=region.upper() if region else None)
    _emit(hr_sync(_load(file, policy_path, today), req, dry_run=dry_run, force=force), fmt)


@click.command("export")
@click.option("--target", "target_name", metavar="NAME", help="The PBX target (default: the "
              "policy's default).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to FILE (must not exist) "
              "instead of stdout.")
@policy_option
@today_option
def export_command(*, target_name: str | None, out: str | None, policy_path: str,
                   today: dt.datetime | None) -> None:
    """The PBX's extensions as a canonical extensions.csv (passwords auto)."""
    from pathlib import Path

    from edit.export import export_target

    policy = get_policy(policy_path)
    if out is not None and Path(out).exists():
        raise UsageError(f"{out} exists; export writes a new file (remove it, or use stdout)")
    result = export_target(policy.target(target_name), policy, resolve_today(today))
    if out is None:
        sys.stdout.flush()
        try:
            sys.stdout.buffer.write(result.data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `extctl export | head`: the reader has all it wants
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error
            sys.exit(0)
    else:
        from edit.document import atomic_write

        atomic_write(Path(out), result.data, expected=None)
    for section in result.sections:
        for item in section.items:
            prefix = "note" if section.key == "notes" else "needs a decision"
            click.echo(f"{prefix}: {item.code}: {item.message}", err=True)
    where = out or "stdout"
    click.echo(f"Exported {result.rows} extensions to {where}.", err=True)
    if result.needs_decision:
        raise CheckFailed("some extensions need a decision (listed above)")
