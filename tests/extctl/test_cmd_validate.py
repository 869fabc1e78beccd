"""The validate/fmt commands: exit codes, formats, fast --help, never a traceback."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extctl.main as entry
from extctl.main import cli
from tests.helpers import csv_bytes, row

ROOT = Path(__file__).parents[2]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extctl.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "extensions.csv").write_bytes(csv_bytes(row("2105"), row("2300")))
    return tmp_path


def test_valid_file_exits_0(repo: Path) -> None:
    res = run(["validate"], repo)
    assert res.returncode == 0, res.stderr
    assert "ok: 1 file, 2 rows, 0 errors" in res.stdout


def test_invalid_file_exits_1_with_line(repo: Path) -> None:
    (repo / "extensions.csv").write_bytes(csv_bytes(row("2105"), row("2105")))
    res = run(["validate", "--format", "github"], repo)
    assert res.returncode == 1
    assert "::error file=extensions.csv,line=3,col=1,title=code-duplicate" in res.stdout


def test_missing_file_exits_2(repo: Path) -> None:
    res = run(["validate", "nope.csv"], repo)
    assert res.returncode == 2 and "nope.csv: file not found" in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_flag_exits_2(repo: Path) -> None:
    res = run(["validate", "--format", "xml"], repo)
    assert res.returncode == 2 and "Invalid value for '--format'" in res.stderr


def test_invalid_policy_is_usage_error_naming_key(repo: Path) -> None:
    (repo / "extctl.toml").write_text("min_lenght = 20\n")
    res = run(["validate"], repo)
    assert res.returncode == 2 and "'min_lenght': unknown key" in res.stderr
    (repo / "extctl.toml").write_text('[severity]\ncode-prefix = "loud"\n')
    res = run(["validate"], repo)
    assert res.returncode == 2 and "severity.code-prefix" in res.stderr


def test_policy_file_is_used(repo: Path) -> None:
    (repo / "extctl.toml").write_text('[teams.support]\ncodes = ["2300-2399"]\n')
    (repo / "extensions.csv").write_bytes(csv_bytes(row("2400", team="support")))
    res = run(["validate", "--format", "json"], repo)
    assert res.returncode == 1
    assert json.loads(res.stdout)["files"][0]["findings"][0]["rule"] == "code-team-range"


def test_today_option(repo: Path) -> None:
    (repo / "extensions.csv").write_bytes(csv_bytes(row("2105", password_rotated="2026-06-01")))
    assert run(["validate", "--today", "2026-06-01"], repo).returncode == 0
    assert run(["validate", "--today", "2026-05-31"], repo).returncode == 1


def test_several_files_all_reported(repo: Path) -> None:
    (repo / "b.csv").write_bytes(csv_bytes(row("21")))
    res = run(["validate", "extensions.csv", "b.csv"], repo)
    assert res.returncode == 1 and "b.csv:2:code:" in res.stdout
    assert "2 files, 3 rows, 1 error" in res.stdout


def test_fmt_check_and_write(repo: Path) -> None:
    path = repo / "extensions.csv"
    path.write_bytes(b"code,name,remote\n2300,B,YES\n2105,A,true\n")
    res = run(["fmt", "--check"], repo)
    assert res.returncode == 1 and "not in canonical form" in res.stderr
    assert path.read_bytes() == b"code,name,remote\n2300,B,YES\n2105,A,true\n"
    assert run(["fmt"], repo).returncode == 0
    assert path.read_bytes() == b"code,name,remote\n2105,A,true\n2300,B,true\n"
    assert run(["fmt", "--check"], repo).returncode == 0


def test_help_is_fast_and_imports_no_pandas() -> None:
    code = ("import sys; sys.argv=['extctl','--help']\n"
            "from extctl.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'pandas' not in sys.modules, 'pandas imported by --help'\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "validate" in res.stdout and "plan" in res.stdout


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_traceback(data: bytes) -> None:
    with CliRunner().isolated_filesystem():
        Path("extensions.csv").write_bytes(data)
        res = CliRunner().invoke(cli, ["validate", "--format", "json"])
        assert res.exit_code in (0, 1, 2), res.output
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception


CSVISH = st.lists(
    st.lists(st.one_of(st.sampled_from(["2105", "210", "true", "no", "auto", "", "+14085550123",
                                        "10.0.0.0/24", "Mia", '"', ",", "\n", "\r\n", "x" * 70,
                                        "\x00"]),
                       st.text(max_size=8)), min_size=1, max_size=6),
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["code,name", "code,name,remote,allowed_ips,password",
                        "code,name,dnd,dnd", "code"]), CSVISH)
def test_csv_shaped_text_never_tracebacks(header: str, rows: list[list[str]]) -> None:
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    with CliRunner().isolated_filesystem():
        Path("extensions.csv").write_text(text, encoding="utf-8", newline="")
        for args in (["validate", "--format", "json"], ["fmt", "--check"]):
            res = CliRunner().invoke(cli, args)
            assert res.exit_code in (0, 1, 2), res.output
            assert res.exception is None or isinstance(res.exception, SystemExit), res.exception


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="abcXYZ019 ,;\"'\\!é\t", max_size=24), min_size=1, max_size=4),
       st.sampled_from(["text", "github", "json"]))
def test_no_literal_password_in_any_output(secrets: list[str], fmt: str) -> None:
    # "ZQ" appears in no message, so finding it means a password leaked.
    rows = [row(str(2100 + i), password="ZQ" + s, remote="true") for i, s in enumerate(secrets)]
    with CliRunner().isolated_filesystem():
        Path("extensions.csv").write_bytes(csv_bytes(*rows))
        res = CliRunner().invoke(cli, ["validate", "--format", fmt])
        assert res.exit_code in (0, 1)
        assert "ZQ" not in res.output


def test_quick_exit_keeps_every_byte_of_a_large_report(tmp_path: Path) -> None:
    # validate ends with os._exit (no interpreter teardown): the output must
    # still be flushed whole, through a pipe, with the right exit code.
    rows = [row(str(3000 + i), call_limit="99") for i in range(4000)]
    (tmp_path / "extensions.csv").write_bytes(csv_bytes(*rows))
    res = run(["validate", "--format", "json"], tmp_path)
    assert res.returncode == 1, res.stderr
    findings = json.loads(res.stdout)["files"][0]["findings"]
    assert len(findings) == 4000 and {f["rule"] for f in findings} == {"call-limit-range"}


def test_console_script_turns_off_gc_and_blas_threads_only_where_they_cost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # main() (the console script) runs with the cyclic collector off and one
    # OpenBLAS thread; commands that may run long turn the collector back on.
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen: dict[str, object] = {}

    def fake_cli(**_: object) -> None:
        seen.update(gc=gc.isenabled(), blas=os.environ.get("OPENBLAS_NUM_THREADS"))

    monkeypatch.setattr(entry, "cli", fake_cli)
    try:
        entry.main()
        assert seen == {"gc": False, "blas": "1"}
        ctx = click.Context(cli)
        assert cli.get_command(ctx, "validate") is not None
        assert not gc.isenabled()  # validate and fmt exit quickly: it stays off
        assert cli.get_command(ctx, "plan") is not None
        assert gc.isenabled()
    finally:
        gc.enable()
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    entry.main()
    assert seen["blas"] == "2"  # what the user set is kept
    gc.enable()


def test_quick_exit_keeps_usage_errors_at_exit_2(tmp_path: Path) -> None:
    res = run(["validate", "--format", "xml"], tmp_path)
    assert res.returncode == 2 and "Invalid value for '--format'" in res.stderr
    res = run(["validate", "missing.csv"], tmp_path)
    assert res.returncode == 2 and "missing.csv: file not found" in res.stderr
