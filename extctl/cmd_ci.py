"""`extctl ci ...`: the one-line steps of the GitHub workflows (README "Set up
the pipeline"). Each subcommand is one library call in pipeline/; the GitHub
environment files are passed as options so the steps read plainly."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from extctl.errors import CheckFailed
from extctl.options import get_policy, policy_option, resolve_today, today_option

DEFAULT_FILE = "extensions.csv"
F = TypeVar("F", bound=Callable[..., Any])


def _file_option(fn: F) -> F:
    return click.option("--file", "file", default=DEFAULT_FILE, show_default=True,
                        type=click.Path(dir_okay=False), help="The extensions CSV.")(fn)


def _write(path: str, text: str) -> None:
    from pipeline.github import append

    Path(path).unlink(missing_ok=True)
    append(path, text)


def _output(key: str, value: str) -> None:
    """Set a step output when running under GitHub Actions (else a no-op)."""
    from pipeline.github import append, output_line

    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        append(target, output_line(key, value))


@click.group("ci")
def ci_group() -> None:
    """Steps of the GitHub workflows: PR comment, job summary, drift issue, tip check."""


@ci_group.command("comment")
@click.option("--base", required=True, metavar="GIT_REF", help="Plan from the CSV at this ref.")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Write the comment body here (for the sticky-comment action).")
@click.option("--summary", type=click.Path(dir_okay=False), metavar="FILE",
              help="Append the full plan to this job summary ($GITHUB_STEP_SUMMARY).")
@_file_option
@policy_option
@today_option
def comment_command(*, base: str, out: str, summary: str | None, file: str, policy_path: str,
                    today: dt.datetime | None) -> None:
    """Write the pull-request comment: the plan since GIT_REF, risky rows first,
    or the findings when the CSV is invalid. Exit 0 once the body is written."""
    from extctl.cmd_plan import _base_plan
    from pipeline.comment import findings_comment, plan_comment
    from pipeline.github import append, run_url
    from pipeline.summary import plan_summary
    from validate.run import validate_path

    policy = get_policy(policy_path)
    day = resolve_today(today)
    url, sha = run_url(os.environ), os.environ.get("GITHUB_SHA")
    title = f"extctl plan: {file} since {base}"
    report = validate_path(file, policy, day)
    if not report.ok or report.frame is None:
        body = findings_comment([report], title=title, details_url=url, commit=sha)
        _write(out, body)
        if summary:
            append(summary, body)
        click.echo(f"{file} is invalid: wrote its findings to {out}", err=True)
        return
    plan = _base_plan(file, base, report.frame, policy, day)
    _write(out, plan_comment(plan, title=title, details_url=url, commit=sha))
    if summary:
        append(summary, plan_summary(plan, title=title))
    click.echo(f"Wrote the plan comment to {out}", err=True)


@ci_group.command("summary")
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--append", "target", required=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="The job summary to append to ($GITHUB_STEP_SUMMARY).")
@click.option("--title", default="Plan for the live PBX", show_default=True)
def summary_command(*, plan_file: str, target: str, title: str) -> None:
    """Append a saved plan (plan --out) to the job summary; a missing file says so."""
    from pipeline.github import append
    from pipeline.summary import missing_plan_summary, plan_summary
    from plan.planfile import load_plan

    if not Path(plan_file).exists():
        append(target, missing_plan_summary(plan_file, title=title))
        return
    append(target, plan_summary(load_plan(plan_file), title=title))


@ci_group.command("drift")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Write the drift-issue body here.")
@click.option("--target", "target_name", metavar="NAME", help="The PBX target.")
@_file_option
@policy_option
@today_option
def drift_command(*, out: str, target_name: str | None, file: str, policy_path: str,
                  today: dt.datetime | None) -> None:
    """Plan against the live PBX (as plan --detailed-exitcode) and write the
    issue body; step output found=true|false. Exit 0 unless the plan fails."""
    from extctl.cmd_plan import _make
    from pipeline.comment import plan_comment
    from pipeline.github import run_url
    from pipeline.issue import DRIFT_ADVICE, drift_found, drift_title, issue_body

    policy = get_policy(policy_path)
    plan = _make(None, target_name, file, policy, resolve_today(today))
    found = drift_found(plan)
    report = plan_comment(plan, title=f"What apply would change on {plan.target}")
    now = dt.datetime.now(dt.UTC)
    _write(out, issue_body(report, heading=drift_title(plan.target), when=now,
                           run_url=run_url(os.environ), advice=DRIFT_ADVICE))
    _output("found", "true" if found else "false")
    _output("title", drift_title(plan.target))
    click.echo(f"drift on {plan.target}: {'found' if found else 'none'}", err=True)


@ci_group.command("issue-body")
@click.argument("report", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--heading", required=True, help="What the issue is about.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--advice", default="", help="A paragraph on what to do about it.")
def issue_body_command(*, report: str, heading: str, out: str, advice: str) -> None:
    """Turn any Markdown report (audit, drift) into an issue body under GitHub's limit."""
    from extctl.errors import UsageError
    from pipeline.github import run_url
    from pipeline.issue import issue_body

    try:
        text = sys.stdin.read() if report == "-" else Path(report).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{report}: cannot read the report: {exc}") from None
    _write(out, issue_body(text, heading=heading, when=dt.datetime.now(dt.UTC),
                           run_url=run_url(os.environ), advice=advice))


@ci_group.command("is-tip")
@click.option("--commit", envvar="GITHUB_SHA", required=True, metavar="SHA",
              help="The commit the run is for [default: $GITHUB_SHA].")
@click.option("--ref", metavar="REF", help="The branch tip to compare with "
              "[default: origin/$GITHUB_REF_NAME].")
@click.option("--strict", is_flag=True, help="Exit 1 when not the tip.")
def is_tip_command(*, commit: str, ref: str | None, strict: bool) -> None:
    """Is COMMIT still the tip of its branch? Step output tip=true|false; a
    notice when not, so a re-run of an old deploy skips its apply."""
    from pipeline.tip import decide

    if ref is None:
        branch = os.environ.get("GITHUB_REF_NAME")
        if not branch:
            raise click.UsageError("--ref is required outside GitHub Actions")
        ref = f"origin/{branch}"
    decision = decide(commit, ref, Path.cwd())
    _output("tip", "true" if decision.is_tip else "false")
    if decision.is_tip:
        click.echo(decision.message())
        return
    click.echo(f"::notice title=Apply skipped::{decision.message()}")
    if strict:
        raise CheckFailed(decision.message())
