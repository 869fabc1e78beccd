"""`extctl report`: golden files for the three formats on a fixed CSV and audit
state; the HTML opened in the real headless Chromium with its SVG chart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from extctl.policy import TargetConfig
from pbx.kamailio import KamailioTarget
from tests.conftest import need
from tests.helpers import run_cli as run
from tests.pbx.helpers import frame, request_for, row
from tests.watch.decode import chromium, screenshot

GOLDEN = Path(__file__).with_name("golden")
ARGS = ("report", "--state", "state.json", "--today", "2026-12-01")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("extensions.csv", "extctl.toml", "state.json"):
        shutil.copy(GOLDEN / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("fmt", "golden"), [("markdown", "report.md"), ("csv", "report.csv"),
                                             ("html", "report.html")])
def test_golden(repo: Path, fmt: str, golden: str) -> None:
    done = run(*ARGS, "--format", fmt)
    assert done.exit_code == 0, done.output
    assert done.stdout == (GOLDEN / golden).read_text(encoding="utf-8")


def test_sections_hold_what_the_review_asks(repo: Path) -> None:
    md = run(*ARGS).stdout
    assert "| 2401 | Zoe Sales |  | zoe@example.com |" in md.split("## Remote")[1].split(
        "\n")[4]  # blank allowed_ips first
    assert "| 2401 | Zoe Sales | 2026-03-01 | 2026-08-31 | yes |" in md
    unused = md.split("## Unused")[1].split("## Codes")[0]
    assert "2302" in unused and "2301" not in unused and "2303" not in unused
    assert "```mermaid\nxychart-beta" in md and "bar [3, 30]" in md


def test_without_state_no_unused_list(repo: Path) -> None:
    md = run("report", "--today", "2026-12-01").stdout
    assert "no audit state given" in md and "disable? (0)" in md


def test_unreadable_csv_exit(repo: Path) -> None:
    (repo / "extensions.csv").write_bytes(b"\xff\xfe")
    done = run(*ARGS)
    assert done.exit_code == 1 and "Traceback" not in done.output


def test_live_target_data(repo: Path) -> None:
    db = repo / "pbx.sqlite"
    t = KamailioTarget(TargetConfig("lab", "kamailio", f"sqlite:///{db}"))
    t.apply(request_for(t, frame([row("2301"), row("2302", enabled="false")])))
    (repo / "extctl.toml").write_text((GOLDEN / "extctl.toml").read_text()
                                      + f'[targets.lab]\nkind = "kamailio"\nurl = "sqlite:///{db}"\n')
    md = run(*ARGS, "--target", "lab").stdout
    assert "live data from target lab" in md
    disabled = md.split("## Disabled")[1].split("##")[0]
    assert "2302" in disabled and "2303" not in disabled  # what the PBX says


@pytest.mark.integration
def test_html_in_headless_chromium(repo: Path) -> None:
    need("chromium")
    page = repo / "report.html"
    page.write_text(run(*ARGS, "--format", "html").stdout, encoding="utf-8")
    dom = chromium(["--dump-dom", page.as_uri()], repo)
    assert '<svg id="team-chart"' in dom.stdout, dom.stderr[-2000:]
    assert dom.stdout.count('class="bar"') == 2
    shot = repo / "report.png"
    screenshot(page.as_uri(), shot, repo, size="1000,2400")
    with Image.open(shot) as img:
        colours = {c for _, c in img.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x2E, 0x86, 0xC1) in colours  # the chart's bars were painted
