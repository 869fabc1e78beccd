"""Issue 7, Proof: hostile text in every column, through every output format.

Control and format characters, workflow commands (`::cmd::`, `##[cmd]`),
spreadsheet formula starts, escape look-alikes and very long values, in every
column, under a canonical, a shuffled or a missing header: `validate` (text,
github, json) and `plan` (text, markdown, json) never raise, never print the
literal password (raw or escaped), and every line of the github format is
what the runner should see (tests/github_runner.py).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extctl.main import cli
from schema.columns import COLUMNS
from tests import github_runner

# Alphanumeric, so no escaping of any format can disguise an echo of it.
PASSWORD = "tQ7vZ2mLp9Rx4kW8"
FRAGMENTS = [
    "\n::error::injected", "\r\n::warning file=x::y", "::add-mask::m", "::stop-commands::t",
    "##[error]legacy", "##[set-output name=a]b", "=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)",
    "\x1b[31m", "\u202e", "\u200b", "\u2028", "\u2029", "\x85", "\x00", "\t", "\x7f", "%0A",
    "%25", "%3A", ",", ";", "\"", "'", "|", "`", "<b>", "@team", "\\", "auto", "AUTO",
    "0.0.0.0/0", "+4949300834534", "true", "2105", "", " ",
]
# Hostile but valid where free text is allowed: a plan gets to render them.
VALID_TEXT = ["::error::x", "a ##[add-mask]b", "x|y`<i>", "see @team", "50% %0A", "O'Neil",
              "::warning file=a,line=1::b", "Zoë", "a" * 60]

hostile = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=4).map("".join),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(FRAGMENTS).map(lambda f: "L" * 5000 + f),
)


@st.composite
def rows(draw: st.DrawFn, code: int) -> dict[str, str]:
    out = {"code": str(code), "name": draw(st.sampled_from(VALID_TEXT)),
           "password": PASSWORD, "remote": "true", "notes": draw(st.sampled_from(VALID_TEXT))}
    # None to three hostile cells a row: some files validate and reach the plan renderers.
    for col in draw(st.sets(st.sampled_from(COLUMNS), max_size=3)):
        out[col] = draw(hostile) + (PASSWORD if col == "password" else "")
    return out


@st.composite
def files(draw: st.DrawFn) -> bytes:
    layout = draw(st.sampled_from(["canonical", "canonical", "shuffled", "headless"]))
    columns = list(COLUMNS)
    if layout == "shuffled":
        columns = draw(st.permutations(COLUMNS))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    if layout != "headless":
        writer.writerow(columns)
    for i in range(draw(st.integers(1, 3))):
        row = draw(rows(2105 + 45 * i))
        writer.writerow([row.get(c, "") for c in columns])
    return buf.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose PBX already has extensions, so plans update and delete."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "extctl.toml").write_text(
        f'[targets.lab]\nkind = "kamailio"\nurl = "sqlite:///{root}/pbx.sqlite"\n')
    (root / "extensions.csv").write_text(
        "code,name,password,remote\n" + "".join(f"{c},Old {c},auto,true\n"
                                                for c in (2105, 2150, 2199)))
    result = invoke(root, "apply", "--yes")
    assert result.exit_code == 0, result.output
    return root


def invoke(root: Path, *args: str) -> object:
    import os

    here = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(here)


COMMANDS = [("validate", "text"), ("validate", "github"), ("validate", "json"),
            ("plan", "text"), ("plan", "markdown"), ("plan", "json")]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=files())
def test_hostile_text_in_every_column(workdir: Path, data: bytes) -> None:
    (workdir / "extensions.csv").write_bytes(data)
    for command, fmt in COMMANDS:
        result = invoke(workdir, command, "--format", fmt)
        where = f"{command} --format {fmt}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            where, result.exception)
        assert result.exit_code in (0, 1), (where, result.output)
        assert PASSWORD not in result.output, where
        if fmt == "github":
            assert github_runner.problems(result.stdout) == [], (where, result.stdout)
        if fmt == "text":  # what a CI log shows: no command in it
            log = github_runner.parse(result.output)
            assert log.commands == [] and not log.problems, (where, result.output)
