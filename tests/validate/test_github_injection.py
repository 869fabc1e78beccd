"""Issue 7 item 12: no line of the github format is a command nobody wrote."""

from __future__ import annotations

from extctl.policy import Policy
from schema.columns import COLUMNS
from tests import github_runner
from tests.helpers import TODAY, csv_bytes, row
from validate.reporters import render
from validate.run import validate_bytes

PAYLOAD = "\n::error::injected"
LEGACY = "##[error]legacy"


def test_the_parser_sees_an_injected_command() -> None:
    # The helper would catch today's bug: a raw log line that is a command.
    assert github_runner.problems("extensions.csv:2: code 21\n::warning::x\n")
    assert github_runner.problems("note ##[add-mask]x\n")
    assert not github_runner.problems("::error file=a%2Cb,line=1,title=t%3Ax::50%25 done\n")


def test_every_column_holding_a_command_payload() -> None:
    rows = [row(str(2100 + i), **{c: f"{c}{PAYLOAD}" for c in COLUMNS if c != "code"})
            for i in range(3)]
    rows.append(row(f"21{PAYLOAD}", name=f"x {LEGACY}", notes=LEGACY))
    for columns in (COLUMNS, ("code", "name", "remote", "notes")):
        data = csv_bytes(*rows, columns=columns)
        report = validate_bytes(data, f"dir{PAYLOAD}/extensions.csv", Policy(), TODAY)
        out = render([report], "github")
        assert report.findings
        assert github_runner.problems(out) == []
        log = github_runner.parse(out)
        annotations = [c for c in log.commands if c.name in ("error", "warning")]
        assert len(annotations) == 10 and all("injected" not in c.name for c in annotations)
        # The log still lists every finding, one line each.
        assert sum(line.endswith("]") for line in log.plain) >= len(report.findings)


def test_text_format_lines_are_single_lines_without_commands() -> None:
    data = csv_bytes(row(f"21{PAYLOAD}", notes=LEGACY, team=f"t{PAYLOAD}"))
    out = render([validate_bytes(data, "extensions.csv", Policy(), TODAY)], "text")
    assert github_runner.parse(out).commands == []
    assert "\\x0a::error::injected" in out
