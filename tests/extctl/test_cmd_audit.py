"""`extctl audit` through the CLI on a Kamailio SQLite database with location rows,
and notifications delivered by real Apprise to a local HTTP receiver."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from extctl.policy import TargetConfig
from pbx.kamailio import KamailioTarget
from tests.helpers import run_cli as run
from tests.pbx.helpers import frame, request_for, row
from tests.watch.receiver import receiver

NOW = "2026-12-01T06:00:00Z"
JD_NOW = 2440587.5 + 1796104800 / 86400  # NOW as a Julian day (Kamailio on SQLite)


@pytest.fixture
def pbx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "pbx.sqlite"
    (tmp_path / "extctl.toml").write_text(
        f'notify = ["EXTCTL_TEST_NOTIFY"]\n[targets.lab]\nkind = "kamailio"\n'
        f'url = "sqlite:///{db}"\n')
    t = KamailioTarget(TargetConfig("lab", "kamailio", f"sqlite:///{db}"))
    t.apply(request_for(t, frame([row("2001"), row("2002"), row("2003", enabled="false")])))
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO location (ruid, username, contact, expires, last_modified, "
                     "callid) VALUES ('r1', '2001', 'sip:2001@10.0.0.9:5060', ?, ?, 'c')",
                     (JD_NOW + 1 / 24, JD_NOW - 1 / 24))
    monkeypatch.delenv("EXTCTL_TEST_NOTIFY", raising=False)
    return tmp_path


def test_exit_1_overdue_and_json(pbx: Path) -> None:
    done = run("audit", "--now", NOW, "--format", "json")
    assert done.exit_code == 1
    body = json.loads(done.stdout)
    assert [o["code"] for o in body["overdue"]] == ["2002"]
    assert body["overdue"][0]["last_seen"] is None and body["registered"] == 1


def test_exit_0_when_clean(pbx: Path) -> None:
    with sqlite3.connect(pbx / "pbx.sqlite") as conn:
        conn.execute("INSERT INTO location (ruid, username, contact, expires, last_modified, "
                     "callid) VALUES ('r2', '2002', 'sip:2002@10.0.0.8', ?, ?, 'c')",
                     (JD_NOW + 1 / 24, JD_NOW))
    done = run("audit", "--now", NOW)
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1].startswith("Clean: 0 overdue")


@pytest.mark.parametrize("args", [["--max-unregistered", "soon"], ["--now", "yesterday"],
                                  ["--target", "nope"], ["--format", "yaml"]])
def test_usage_errors_exit_2(pbx: Path, args: list[str]) -> None:
    done = run("audit", *args)
    assert done.exit_code == 2
    assert "Traceback" not in done.output


def test_unreachable_target_exit_2(pbx: Path) -> None:
    (pbx / "extctl.toml").write_text(
        '[targets.lab]\nkind = "kamailio"\nurl = "postgresql://u:hunter2@127.0.0.1:1/x"\n')
    done = run("audit")
    assert done.exit_code == 2
    assert "hunter2" not in done.output


@pytest.mark.integration
def test_notification_body_delivered_by_apprise(pbx: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as (port, got):
        # one URL from the policy's environment variable, none on the command line
        monkeypatch.setenv("EXTCTL_TEST_NOTIFY", f"json://127.0.0.1:{port}/")
        done = run("audit", "--now", NOW)
        assert done.exit_code == 1
        assert len(got) == 1
        assert "2002" in got[0]["message"] and "Agent 2002" not in got[0]["title"]
        assert "1 overdue" in got[0]["title"]
        assert "Not registered for more than 24h (1):" in got[0]["message"]
        assert "2001" not in got[0]["message"].split("(1):")[1].split("\n")[1]


@pytest.mark.integration
def test_clean_sends_nothing_unless_asked(pbx: Path) -> None:
    with sqlite3.connect(pbx / "pbx.sqlite") as conn:
        conn.execute("INSERT INTO location (ruid, username, contact, expires, last_modified, "
                     "callid) VALUES ('r2', '2002', 'sip:2002@10.0.0.8', ?, ?, 'c')",
                     (JD_NOW + 1 / 24, JD_NOW))
    with receiver() as (port, got):
        url = f"json://127.0.0.1:{port}/"
        assert run("audit", "--now", NOW, "--notify", url).exit_code == 0
        assert got == []
        assert run("audit", "--now", NOW, "--notify", url, "--notify-clean").exit_code == 0
        assert len(got) == 1 and "clean" in got[0]["title"]


def test_dead_receiver_is_a_warning_and_the_exit_code_stays(pbx: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run("audit", "--now", NOW, "--notify", f"json://user:tok3n@127.0.0.1:{port}/")
    assert done.exit_code == 1
    assert "warning: notification #1 (json://…) was not delivered" in done.stderr
    assert "tok3n" not in done.output and "Traceback" not in done.output


def test_missing_notify_variable_is_a_warning(pbx: Path) -> None:
    done = run("audit", "--now", NOW)
    assert "EXTCTL_TEST_NOTIFY is not set" in done.stderr
    assert done.exit_code == 1


def test_notify_in_policy_must_be_variable_names(pbx: Path) -> None:
    (pbx / "extctl.toml").write_text('notify = ["slack://T0/B0/secret"]\n')
    done = run("audit")
    assert done.exit_code == 2 and "'notify'" in done.output
    assert "secret" not in done.output
