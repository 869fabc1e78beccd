"""`extctl plan` and `extctl apply` (SPEC §4, §5). No pandas at import time."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from extctl.background import Background
from extctl.errors import CheckFailed, ExtctlError, UnsafePlan, UsageError
from extctl.options import DEFAULT_POLICY, get_policy, policy_option, resolve_today, today_option
from extctl.output import emit
from extctl.terminal import Progress, set_progress, stage, use_colour

if TYPE_CHECKING:
    import pandas as pd

    from extctl.policy import Policy, TargetConfig
    from pbx.base import Target
    from plan.changes import Plan

DEFAULT_FILE = "extensions.csv"
F = TypeVar("F", bound=Callable[..., Any])


def _desired(file: str, policy: Policy, today: dt.date) -> pd.DataFrame:
    """The CSV's rows, or the findings on stderr and exit 1: an invalid CSV never plans."""
    from validate.parse import Prefetch

    # parses in a thread while pandas and pandera import
    job = Prefetch(file, policy)
    from validate.reporters import render
    from validate.run import validate_prefetched

    with stage(f"validating {file}"):
        report = validate_prefetched(job, policy, today)
    if not report.ok or report.frame is None:
        click.echo(render([report], "text"), err=True, nl=False)
        raise CheckFailed(f"{file} is invalid: fix the errors above; no plan was made")
    # refusals name the row as file:line:column (plan/refusals.py)
    report.frame.attrs["source"] = job.path
    return report.frame


def _base_plan(file: str, ref: str, desired: pd.DataFrame, policy: Policy,
               today: dt.date) -> Plan:
    """Plan from the CSV at `ref` to the working tree's CSV (no PBX needed)."""
    import pandas as pd

    from plan.diff import csv_state, make_plan
    from plan.git import read_at_ref
    from schema.columns import COLUMNS
    from validate.run import validate_bytes

    data = read_at_ref(file, ref)
    if data is not None and len(data) > policy.max_file_bytes:
        raise UsageError(f"{file} at {ref}: {len(data):,} bytes is over the max_file_bytes "
                         f"limit of {policy.max_file_bytes:,}")
    if data is None:
        base = pd.DataFrame({c: pd.Series([], dtype="str") for c in COLUMNS})
    else:
        report = validate_bytes(data, f"{file}@{ref}", policy, today)
        if report.frame is None:
            raise CheckFailed(f"{file} at {ref} cannot be read as a table; plan against a target")
        base = report.frame
    return make_plan(
        desired, csv_state(base), target_name=f"git:{ref}", supported=frozenset(COLUMNS),
        safety=policy.safety, digest_key="",
    )


def _read_pbx(config: TargetConfig) -> tuple[Target, pd.DataFrame]:
    from pbx.base import open_target

    target = open_target(config)
    return target, target.read_state()


def _target_plan(config: TargetConfig, read: Background[tuple[Target, pd.DataFrame]],
                 desired: pd.DataFrame) -> Plan:
    from plan.apply import plan_for_target

    with stage(f"reading the PBX ({config.name})"):
        target, state = read.result()
    _warn_exposure(target)
    with stage("planning"):
        return plan_for_target(desired, target, config, state=state)


def quiet_option(fn: F) -> F:
    return click.option("--quiet", "-q", is_flag=True,
                        help="Print only what a script needs: no progress, no hints.")(fn)


def _show_plan(text: str) -> None:
    """The text plan, coloured only on a terminal (NO_COLOR / FORCE_COLOR honoured)."""
    colour = use_colour(sys.stdout)
    if colour:
        from plan.render_color import colorize

        text = colorize(text)
    # colour codes only reach a terminal (use_colour); emit, not click.echo: a
    # reader that closes the pipe early must turn into exit 1 (extctl/output.py)
    emit(text)


def _warn_exposure(target: Target) -> None:
    """A world-readable embedded database (see SqlTarget.exposure)."""
    exposure = getattr(target, "exposure", None)
    warning = exposure() if exposure is not None else None
    if warning:
        click.echo(f"extctl: warning: {warning}", err=True)


def file_option(fn: F) -> F:
    return click.option(
        "--file", "file", default=DEFAULT_FILE, show_default=True,
        type=click.Path(dir_okay=False), help='The extensions CSV ("-": standard input).',
    )(fn)


@click.command("plan")
@click.option("--base", metavar="GIT_REF", help="Diff the CSV at this git ref (no PBX needed).")
@click.option("--target", "target_name", metavar="NAME", help="Diff against this PBX target.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Output: text, markdown (PR comment) or json.")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan for apply.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 without changes, 2 with changes, 1 on error.")
@click.option("--force", is_flag=True,
              help="Let --out overwrite an existing file that is not a saved plan.")
@file_option
@policy_option
@today_option
@quiet_option
def plan_command(
    *, base: str | None, target_name: str | None, fmt: str, out: str | None,
    detailed_exitcode: bool, force: bool, file: str, policy_path: str | None,
    today: dt.datetime | None, quiet: bool,
) -> None:
    """Show what apply would change: against the PBX, or since GIT_REF."""
    set_progress(Progress.choose(quiet=quiet))
    if base is not None and target_name is not None:
        raise click.UsageError("--base and --target exclude each other")
    if base is not None and file == "-":
        raise click.UsageError("--base compares the file at a git ref: name it with --file")
    if base is not None and out is not None:
        raise click.UsageError("--out saves a plan for apply: use it with a target, not --base")
    policy = get_policy(policy_path)
    if out is not None:
        from plan.planfile import check_out_path

        inputs = [file, policy_path or DEFAULT_POLICY]
        if base is None:  # the embedded database is an input too
            try:
                url = policy.target(target_name).url
            except UsageError:
                url = ""  # reported by the plan itself below
            if url.startswith("sqlite:///"):
                inputs.append(url.removeprefix("sqlite:///").partition("?")[0])
        try:
            check_out_path(out, inputs, force=force)
        except UsageError as err:
            raise click.UsageError(str(err)) from None
    try:
        plan = _make(base, target_name, file, policy, resolve_today(today))
        from plan.render import render

        if fmt == "text":
            _show_plan(render(plan, fmt))
        else:
            emit(render(plan, fmt))
        if out is not None:
            from plan.planfile import save_plan

            save_plan(plan, out)
            if not quiet:
                click.echo(f"Saved the plan to {out}; apply it with: extctl apply {out}",
                           err=True)
        if plan.safety.unsafe:
            raise UnsafePlan("the plan is unsafe (see its first lines): apply needs --force")
    except ExtctlError as err:
        if not detailed_exitcode:
            raise
        from extctl.text import visible

        click.echo(f"extctl: {visible(str(err))}", err=True)
        sys.exit(1)  # --detailed-exitcode: 1 is every error
    if detailed_exitcode:
        sys.exit(2 if plan.changes else 0)


def _make(base: str | None, target_name: str | None, file: str, policy: Policy,
          today: dt.date) -> Plan:
    if base is not None:
        return _base_plan(file, base, _desired(file, policy, today), policy, today)
    # Reading the PBX does not depend on the CSV: it runs beside validation
    # (`plan` only: apply reads again inside its transaction, under its lock).
    config = policy.target(target_name)
    read = Background(lambda: _read_pbx(config))
    return _target_plan(config, read, _desired(file, policy, today))


@click.command("apply")
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@click.option("--target", "target_name", metavar="NAME", help="The PBX target (default: the "
              "saved plan's, or the policy's default).")
@click.option("--force", is_flag=True, help="Apply even a plan over the safety threshold.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@file_option
@policy_option
@today_option
@quiet_option
def apply_command(
    *, plan_file: str | None, target_name: str | None, force: bool, yes: bool, file: str,
    policy_path: str | None, today: dt.datetime | None, quiet: bool,
) -> None:
    """Push extensions.csv to the PBX; with PLAN_FILE, only if it is still current.

    --quiet prints only the result line (and errors)."""
    set_progress(Progress.choose(quiet=quiet))
    from pbx.base import open_target
    from plan.apply import execute, prepare, refuse_unsafe
    from plan.planfile import load_plan
    from plan.render_text import render_text

    if file == "-" and not yes:
        raise click.UsageError("--file - reads the CSV from standard input, so apply cannot "
                               "ask there: add --yes")
    policy = get_policy(policy_path)
    saved = load_plan(plan_file, policy.max_file_bytes) if plan_file is not None else None
    if saved is not None and target_name is not None and saved.target != target_name:
        raise UsageError(f"{plan_file} was made for target {saved.target!r}, not {target_name!r}")
    name = target_name or (saved.target if saved is not None and saved.digest_key else None)
    desired = _desired(file, policy, resolve_today(today))
    config = policy.target(name)
    target = open_target(config)
    _warn_exposure(target)
    with stage(f"reading the PBX ({config.name})"):
        plan = prepare(desired, target, config, saved=saved, force=True)
    if not quiet:
        _show_plan(render_text(plan))
    if not force:
        refuse_unsafe(plan)
    if not plan.changes:
        return
    if not yes:
        click.confirm(f"Apply these changes to {config.name}?", abort=True)
    with stage(f"applying {len(plan.changes)} changes to {config.name}"):
        applied = execute(plan, desired, target)
    click.echo(applied.summary())
