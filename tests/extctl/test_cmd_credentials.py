"""`extctl credentials`: the cards per device, masking, --reveal, disabled refused,
QR codes decoded back by zxing-cpp, the password shown on a real terminal (pty)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from extctl.policy import TargetConfig
from pbx.base import open_target
from tests.conftest import need
from tests.helpers import read_until_closed
from tests.helpers import run_cli as run
from tests.pbx.helpers import frame, request_for, row
from tests.watch.decode import decode_png, decode_svg

REPO = Path(__file__).resolve().parents[2]
SECRET = "Gen+2105/k2V:qP9@wX3nR7"  # characters a QR account string must escape
SIP = ('[sip]\ndomain = "pbx.example.com"\nserver = "sip.example.com"\n'
       'stun = "stun.example.com:3478"\nsupport = "helpdesk@example.com"\n')


def make(tmp_path: Path, kind: str, extra: str = "") -> Path:
    db = tmp_path / "pbx.sqlite"
    (tmp_path / "extctl.toml").write_text(
        SIP + extra + f'[targets.lab]\nkind = "{kind}"\nurl = "sqlite:///{db}"\n')
    t = open_target(TargetConfig("lab", kind, f"sqlite:///{db}"))
    t.apply(request_for(t, frame([
        row("2105", username="mia", name="Mia Lopez", remote="true", allowed_ips="",
            transport="tls"),
        row("2106", enabled="false"),
        row("2107", name="Desk Phone"),
    ]), secrets={"2105": SECRET, "2106": "Other-k2VqP9wX3nR7tL5y",
                 "2107": "Desk-k2VqP9wX3nR7tL5y"}))
    return tmp_path


@pytest.fixture
def kam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make(tmp_path, "kamailio")


def test_softphone_card_masked_in_a_pipe(kam: Path) -> None:
    done = run("credentials", "2105", "--device", "softphone")
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert SECRET not in out and "******** (hidden: not a terminal; add --reveal)" in out
    for want in ("SIP username:   mia", "Domain:         pbx.example.com",
                 "Server:         sip.example.com", "Port:           5061 TLS",
                 "STUN server:    stun.example.com:3478", "Transport set in extensions.csv: tls",
                 "on kamailio the phone registers and authenticates as the username",
                 "Support: helpdesk@example.com"):
        assert want in out, want
    assert "Desk phone" not in out and "Mobile app" not in out


def test_reveal_prints_the_password_from_the_pbx(kam: Path) -> None:
    out = run("credentials", "2105", "--reveal").stdout
    assert f"Password:       {SECRET}" in out
    assert "Desk phone" in out and "reboot the phone to apply" in out
    assert "Transport:      TLS, port 5061" in out and "Push notifications" in out


def test_desk_card_udp_office_phone(kam: Path) -> None:
    out = run("credentials", "2107", "--device", "desk").stdout
    assert "SIP server: sip.example.com, port 5060, transport UDP." in out
    assert out.rstrip().endswith("Support: helpdesk@example.com")
    assert "STUN" not in out  # not remote
    mobile = run("credentials", "2107", "--device", "mobile").stdout
    assert "should use tls" in mobile


def test_json_card(kam: Path) -> None:
    body = json.loads(run("credentials", "2105", "--format", "json").stdout)
    assert body["password"] == "***" and body["password_shown"] is False
    assert body["sip_user"] == "mia" and body["port"] == 5061 and body["stun"]
    shown = json.loads(run("credentials", "2105", "--format", "json", "--reveal").stdout)
    assert shown["password"] == SECRET


def test_disabled_and_unknown_refused(kam: Path) -> None:
    done = run("credentials", "2106", "--reveal")
    assert done.exit_code == 2 and "disabled" in done.output
    assert "Other-k2Vq" not in done.output
    assert run("credentials", "9999").exit_code == 2


def test_asterisk_card_uses_the_code_as_sip_user(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make(tmp_path, "asterisk")
    out = run("credentials", "2105", "--device", "softphone").stdout
    assert "SIP username:   2105" in out and "Auth ID:        mia" in out
    assert ("on asterisk the phone's SIP user is the code; it authenticates with the "
            "username (digest auth id)") in out


def test_password_shown_on_a_real_terminal(kam: Path) -> None:
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "extctl.main", "credentials", "2105",
                             "--device", "softphone"], cwd=kam, stdout=child,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)})
    os.close(child)
    out = read_until_closed(main).decode()
    proc.wait(timeout=60)
    assert f"Password:       {SECRET}" in out


ACROBITS = "csc:mia:Gen%2B2105%2Fk2V%3AqP9%40wX3nR7@ACME1"


@pytest.mark.parametrize(("extra", "expected"), [
    ('qr_format = "acrobits"\nprovider_id = "ACME1"\n', ACROBITS),
    ('qr_format = "sessiontalk"\nprovider_id = "AcmeTel"\n',
     'scloc:AcmeTel|{"sipaccounts":[{"sipusername":"mia","sippassword":"' + SECRET
     + '","subdomain":"pbx.example.com","authusername":"mia","transport":"TLS"}]}'),
    ("", 'scloc:{"sipaccounts":[{"sipusername":"mia","sippassword":"' + SECRET
     + '","subdomain":"pbx.example.com","authusername":"mia","transport":"TLS"}]}'),
])
def test_qr_png_decodes_to_the_account_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              extra: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    make(tmp_path, "kamailio")
    (tmp_path / "extctl.toml").write_text(
        (tmp_path / "extctl.toml").read_text().replace("[sip]\n", "[sip]\n" + extra))
    done = run("credentials", "2105", "--qr", "card.png")
    assert done.exit_code == 0, done.output
    png = tmp_path / "card.png"
    assert oct(png.stat().st_mode & 0o777) == "0o600"
    assert "mode 0600" in done.stderr and "holds the password" in done.stderr
    assert SECRET not in done.stdout  # the card is still masked in a pipe
    assert decode_png(png) == [expected]
    again = run("credentials", "2105", "--qr", "card.png")
    assert again.exit_code == 2 and "never overwritten" in again.output


@pytest.mark.integration
def test_qr_svg_decodes_in_chromium(kam: Path) -> None:
    need("chromium")
    text = (kam / "extctl.toml").read_text().replace(
        "[sip]\n", '[sip]\nqr_format = "acrobits"\nprovider_id = "ACME1"\n')
    (kam / "extctl.toml").write_text(text)
    assert run("credentials", "2105", "--qr", "card.svg").exit_code == 0
    svg = kam / "card.svg"
    assert oct(svg.stat().st_mode & 0o777) == "0o600"
    assert decode_svg(svg, kam) == [ACROBITS]


def test_terminal_qr(kam: Path) -> None:
    refused = run("credentials", "2105", "--qr", "-")
    assert refused.exit_code == 2 and "--reveal" in refused.output
    assert SECRET not in refused.output
    shown = run("credentials", "2105", "--qr", "-", "--reveal")
    assert shown.exit_code == 0
    assert any(block in shown.stdout for block in "█▀▄")


def test_acrobits_needs_a_cloud_id(kam: Path) -> None:
    text = (kam / "extctl.toml").read_text().replace("[sip]\n", '[sip]\nqr_format = "acrobits"\n')
    (kam / "extctl.toml").write_text(text)
    done = run("credentials", "2105", "--qr", "x.png")
    assert done.exit_code == 2 and "provider_id" in done.output
    assert not (kam / "x.png").exists()


def test_bad_sip_policy_is_a_usage_error(kam: Path) -> None:
    (kam / "extctl.toml").write_text('[sip]\nqr_format = "zoiper"\n')
    done = run("credentials", "2105")
    assert done.exit_code == 2 and "sip.qr_format" in done.output
