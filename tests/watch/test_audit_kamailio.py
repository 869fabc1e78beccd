"""The audit against the real Kamailio of the end-to-end tests (pbx/kamailio.cfg),
on SQLite (Julian-day times) and PostgreSQL: phones register through sipp with
short and long expiries; a day later, with the state file, exactly the ones that
stopped are flagged, never the disabled one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from extctl.policy import TargetConfig
from pbx.kamailio import KamailioTarget
from tests.e2e.conftest import DOMAIN, REPO, Pbx, csv_text, row
from tests.watch.sip import register

CSV = csv_text(
    row("2001", "Kept Phone", allowed_ips="127.0.0.0/8"),
    row("2002", "Stopped Phone", allowed_ips="127.0.0.0/8"),
    row("2003", "Disabled Phone", allowed_ips="127.0.0.0/8", enabled="false"),
    row("2004", "Road Warrior", remote="true"),
)


def audit(pbx: Pbx, *args: str) -> subprocess.CompletedProcess[str]:
    (pbx.workdir / "watch.toml").write_text(
        f'[targets.pbx]\nkind = "kamailio"\nurl = "{pbx.url}"\ndomain = "{DOMAIN}"\n',
        encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "extctl.main", "audit", "--policy", "watch.toml", *args],
        cwd=pbx.workdir, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, timeout=120, check=False)


@pytest.mark.integration
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_audit_flags_exactly_the_phones_that_stopped(
    pbx_factory: Callable[..., Pbx], request: pytest.FixtureRequest, db: str
) -> None:
    pg = request.getfixturevalue("pg_db_url") if db == "postgresql" else None
    pbx = pbx_factory(CSV, pg_url=pg)
    before = pd.Timestamp.now(tz="UTC")
    for code, expires in [("2001", 3600), ("2002", 60), ("2004", 60)]:
        done = register(pbx.port, code, pbx.password(code), expires, pbx.workdir)
        assert done.final == 200, done.messages
    # the disabled one is refused by the PBX (never registered)
    assert register(pbx.port, "2003", pbx.password("2003"), 60, pbx.workdir).final == 403

    target = KamailioTarget(TargetConfig("pbx", "kamailio", pbx.url,
                                         options=(("domain", DOMAIN),)))
    regs = target.read_registrations().set_index("code")
    assert sorted(regs.index) == ["2001", "2002", "2004"]
    after = pd.Timestamp.now(tz="UTC")
    # Kamailio's own times, whatever the backend stores them as, read back as UTC
    slack = pd.Timedelta(seconds=2)
    assert before - slack <= regs.loc["2001", "last_seen"] <= after + slack
    assert abs(regs.loc["2001", "expires"] - (regs.loc["2001", "last_seen"]
                                              + pd.Timedelta(seconds=3600))) <= slack
    assert regs.loc["2002", "source_ip"] == "127.0.0.1"
    if db == "sqlite":  # db_sqlite writes DATETIME as a Julian-day REAL
        assert pbx._query("select distinct typeof(expires) || typeof(last_modified) "
                          "from location") == ["realreal"]

    state = pbx.workdir / "audit-state.json"
    now = pd.Timestamp.now(tz="UTC").floor("s")
    first = audit(pbx, "--state", str(state), "--now", now.isoformat(), "--format", "json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout)["clean"] is True
    saved = json.loads(state.read_text())["last_seen"]
    assert sorted(saved) == ["2001", "2002", "2004"]

    later = now + pd.Timedelta(hours=24, minutes=30)
    second = audit(pbx, "--state", str(state), "--now", later.isoformat(), "--format", "json")
    assert second.returncode == 1, second.stdout + second.stderr
    overdue = json.loads(second.stdout)["overdue"]
    # remote without allowed_ips first; the kept phone's registration runs to +1h
    assert [o["code"] for o in overdue] == ["2004", "2002"]
    text = audit(pbx, "--state", str(state), "--now", later.isoformat())
    assert "2003" not in text.stdout and "Stopped Phone" in text.stdout
    assert all(pbx.password(c) not in first.stdout + second.stdout + text.stdout
               for c in ("2001", "2002", "2004"))
    secret_free = Path(state).read_text()
    assert all(pbx.password(c) not in secret_free for c in ("2001", "2002", "2003", "2004"))
