"""`extctl audit`, `extctl report`, `extctl credentials`: what watches the live PBX.

No pandas at import time; each command is its options and one library call.
"""

from __future__ import annotations

import datetime as dt

import click

from extctl.options import get_policy, policy_option, resolve_today, today_option

_ISO = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M",
        "%Y-%m-%d"]


class IsoTime(click.ParamType):  # type: ignore[type-arg]
    name = "ISO-TIME"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO time like 2026-12-01T06:00:00Z", param, ctx)


@click.command("audit")
@click.option("--target", "target_name", default=None, help="Target name from the policy.")
@click.option("--max-unregistered", default="24h", show_default=True,
              help="Alert when an enabled extension has not been registered for longer.")
@click.option("--state", "state_path", default=None, type=click.Path(dir_okay=False),
              help="JSON file remembering when each extension was last seen (kept across runs).")
@click.option("--now", type=IsoTime(), default=None, help="Audit as of this time (UTC if no zone).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@click.option("--notify", "notify_urls", multiple=True, metavar="URL",
              help="Apprise URL to alert (repeatable); adds to the policy's notify variables.")
@click.option("--notify-clean", is_flag=True, help="Notify also when the audit is clean.")
@policy_option
def audit_command(*, target_name: str | None, max_unregistered: str, state_path: str | None,
                  now: dt.datetime | None, fmt: str, notify_urls: tuple[str, ...],
                  notify_clean: bool, policy_path: str) -> None:
    """List enabled extensions not registered for longer than the limit (exit 1 if any)."""
    from watch import audit_render, notify
    from watch.run import parse_duration, run_audit, utc_now

    policy = get_policy(policy_path)
    limit = parse_duration(max_unregistered)
    done = run_audit(policy, target_name, limit_seconds=limit, now=utc_now(now),
                     state_path=state_path)
    result = done.result
    click.echo(audit_render.render(result, fmt), nl=False)
    urls, warnings = notify.urls_from_env(policy.notify)
    urls += list(notify_urls)
    if urls and (not result.clean or notify_clean):
        title = (f"extctl audit {result.target}: "
                 + ("clean" if result.clean else audit_render.summary(result)))
        warnings += notify.send(urls, title, audit_render.text(result))
    for warning in warnings:
        click.echo(f"extctl: warning: {warning}", err=True)
    raise SystemExit(0 if result.clean else 1)


@click.command("credentials")
@click.argument("code")
@click.option("--target", "target_name", default=None, help="Target name from the policy.")
@click.option("--device", type=click.Choice(["softphone", "desk", "mobile", "all"]),
              default="all", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--qr", "qr_path", default=None, metavar="FILE.png|FILE.svg|-",
              help="Account-import QR code ([sip] qr_format) to a new 0600 file, or - for "
                   "the terminal.")
@click.option("--reveal", is_flag=True,
              help="Print the password even when stdout is not a terminal.")
@policy_option
def credentials_command(*, code: str, target_name: str | None, device: str, fmt: str,
                        qr_path: str | None, reveal: bool, policy_path: str) -> None:
    """The setup card for one extension (password only on a terminal or with --reveal)."""
    import sys

    from extctl.errors import UsageError
    from watch import card_render, qr
    from watch.credentials import load_card

    policy = get_policy(policy_path)
    card = load_card(policy, target_name, code)
    shown = reveal or sys.stdout.isatty()
    text = None
    if qr_path is not None:
        text = qr.account_text(card, card.settings.qr_format, card.settings.provider_id)
        if qr_path == "-" and not shown:
            raise UsageError("--qr -: the QR code holds the password; stdout is not a "
                             "terminal, so add --reveal (or write a file: --qr card.png)")
    if qr_path != "-":
        click.echo(card_render.render(card, fmt, device, shown), nl=False)
    if qr_path == "-" and text is not None:
        qr.terminal(text, sys.stdout)
    elif qr_path is not None and text is not None:
        qr.write_file(text, qr_path)
        click.echo(f"extctl: wrote {qr_path} (mode 0600): it holds the password of "
                   f"{card.code}; hand it over and delete it", err=True)


@click.command("report")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "html"]),
              default="markdown", show_default=True)
@click.option("--target", "target_name", default=None,
              help="Add live data from this target (disabled on the PBX, registrations).")
@click.option("--state", "state_path", default=None, type=click.Path(dir_okay=False),
              help="The audit's state file: when each extension was last registered.")
@click.option("--unused-days", default=30, show_default=True, type=click.IntRange(1, 36500),
              help="Enabled extensions not registered for this long are 'disable?' candidates.")
@click.option("--file", "file", default="extensions.csv", show_default=True,
              type=click.Path(dir_okay=False))
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Write the report to this file instead of stdout.")
@policy_option
@today_option
def report_command(*, fmt: str, target_name: str | None, state_path: str | None,
                   unused_days: int, file: str, out: str | None, policy_path: str,
                   today: dt.datetime | None) -> None:
    """The monthly review: owners, disabled, remote, high-risk, unused, codes per team."""
    from pathlib import Path

    from extctl.errors import UsageError
    from watch.report_render import render
    from watch.run import build_report

    policy = get_policy(policy_path)
    report = build_report(policy, file, resolve_today(today), state_path=state_path,
                          target_name=target_name, unused_days=unused_days)
    text = render(report, fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write: {exc.strerror}") from None
