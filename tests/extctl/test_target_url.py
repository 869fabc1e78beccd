"""Issue 7 item 9 through the CLI: a bad target URL is one line, exit 2, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from extctl.main import cli


@pytest.mark.parametrize("url", ["postgresql://pbx:S3cr3t@host:abc/pbx",
                                 "postgresql://pbx:Ab@cd1234@127.0.0.1:1/pbx",
                                 "postgresql://pbx@127.0.0.1:1/pbx?password=S3cr3t"])
@pytest.mark.parametrize("command", [["plan"], ["apply", "--yes"]])
def test_bad_or_unreachable_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str,
                                command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "extensions.csv").write_text("code,name,remote\n2105,Mia,true\n")
    (tmp_path / "extctl.toml").write_text(f'[targets.p]\nkind = "kamailio"\nurl = "{url}"\n')
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "S3cr3t" not in result.output and "cd1234" not in result.output
    assert result.output.startswith("extctl: target 'p'")
