"""The `extctl` command line: turns options into one library call each.

Subcommands are imported lazily so `extctl --help` never pays for pandas.
Every ExtctlError is caught here, printed as one message, and becomes the
exit code; flag misuse is click's usage error (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import sys
from typing import Any

import click

from extctl.errors import ExtctlError
from extctl.text import visible

# name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "validate": "extctl.cmd_validate:validate_command",
    "fmt": "extctl.cmd_validate:fmt_command",
    "plan": "extctl.cmd_plan:plan_command",
    "apply": "extctl.cmd_plan:apply_command",
    "generate": "extctl.cmd_edit:generate_command",
    "rotate": "extctl.cmd_edit:rotate_command",
    "hr-sync": "extctl.cmd_edit:hr_sync_command",
    "export": "extctl.cmd_edit:export_command",
    "ci": "extctl.cmd_ci:ci_group",
    "audit": "extctl.cmd_watch:audit_command",
    "credentials": "extctl.cmd_watch:credentials_command",
    "report": "extctl.cmd_watch:report_command",
}
SHORT_HELP: dict[str, str] = {
    "validate": "Check extensions.csv against the schema and policy.",
    "fmt": "Rewrite extensions.csv in canonical form (--check: only verify).",
    "plan": "Show what apply would change on the PBX (or since a git ref).",
    "apply": "Push extensions.csv (or a saved plan) to the PBX.",
    "generate": "Append rows with sequential codes (bulk onboarding).",
    "rotate": "Mark passwords rotated today (apply regenerates them).",
    "hr-sync": "Disable extensions whose owner left, per an HR export.",
    "export": "Write the PBX's extensions as a canonical extensions.csv.",
    "ci": "Steps of the GitHub workflows (PR comment, summary, drift issue, tip).",
    "audit": "List extensions not registered for too long; alert through Apprise.",
    "credentials": "The setup card (and QR code) for one extension's phone.",
    "report": "The monthly review (markdown, csv or html).",
}


# Commands that hold no connection, lock or open file when they return: the
# process may skip the interpreter's teardown (freeing every pandas object and
# module one by one: 0.2 s of each pre-commit run, 0.4 s after a million rows).
QUICK_EXIT = frozenset({"validate", "fmt"})


# Exit status when stdout is closed before the output is complete: the check's
# "problems found" code, which `plan --detailed-exitcode` also reads as an error.
PIPE_EXIT = 1
PIPE_CLOSED = ("extctl: stdout was closed before the output was complete (a pipe reader "
               "such as `head` left early); exit status 1")


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class LazyGroup(click.Group):
    invoked: str | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        LazyGroup.invoked = cmd_name
        if cmd_name not in QUICK_EXIT:
            gc.enable()  # main() turned it off until the command was known
        module, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # `extctl --help` lists the commands from SHORT_HELP, importing none of them.
        with formatter.section("Commands"):
            formatter.write_dl(list(SHORT_HELP.items()))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ExtctlError as err:
            click.echo(f"extctl: {visible(str(err))}", err=True)
            ctx.exit(err.exit_code)
        except OSError as err:
            if err.errno != errno.EPIPE:
                raise
            # `extctl plan | head`: the reader left before the output ended. click
            # would exit 0; a plan nobody saw in full (and whose verdict may not
            # have been reached) must not pass a `set -o pipefail` deploy step.
            _quiet_stdout()
            with contextlib.suppress(OSError):
                click.echo(PIPE_CLOSED, err=True)
            ctx.exit(PIPE_EXIT)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="extctl")
def cli() -> None:
    """extctl: extensions as code for a PBX.

    extensions.csv in git is the single source of truth for the PBX's SIP
    extensions: validate it on every commit, plan every change, apply after
    merge.
    """


def main() -> None:
    # numpy's OpenBLAS starts a thread per core at import, which busy-waits
    # before it sleeps: 0.1 s of CPU taken from the parse thread and the
    # password estimator's worker. extctl does no linear algebra.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # For the QUICK_EXIT commands (a few seconds, no teardown) the cyclic
    # collector would only rescan what pandas and pandera create at import,
    # 0.1 s of CPU; reference counting frees everything else. The others,
    # which may run long, turn it back on (LazyGroup.get_command).
    gc.disable()
    # pandera imports its hypothesis data-synthesis strategies when hypothesis
    # is installed (a dev dependency); extctl never synthesises data, and the
    # import costs ~0.3 s of every pre-commit hook run. Mark it unavailable for
    # this process only (pandera handles ImportError by skipping strategies).
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    try:
        cli(prog_name="extctl")
    except SystemExit as done:
        if LazyGroup.invoked not in QUICK_EXIT:
            raise
        code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        for stream in (sys.stdout, sys.stderr):
            # A closed pipe (`extctl validate | head`) has nothing left to keep.
            with contextlib.suppress(OSError):
                stream.flush()
        os._exit(code or 0)


if __name__ == "__main__":
    main()
