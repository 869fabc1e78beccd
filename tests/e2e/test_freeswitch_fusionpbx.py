"""End to end: `extctl apply` writes FusionPBX's tables, FreeSWITCH (with
FusionPBX's own lua directory) enforces them, and sipsak proves it.

Each test applies its whole desired CSV (a later apply deletes the codes of
the previous test: the database is shared per session); codes are distinct
per test so leftover registrations never matter. Both table variants: 5.5.7
(boolean flags) and 5.4.4 (text flags).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import need
from tests.e2e.conftest import csv_text, row
from tests.e2e.freeswitch import DOMAIN, FreeSwitch
from tests.e2e.sipclients import SipResult, sipsak_register, wait_until
from tests.fixtures.postgres import Cluster

pytestmark = pytest.mark.integration

PW_A = "tQ7#vZ2m!Lp9Rx4k"
PW_B = "k2VqP9wX3nR7tL5y"
LOOPBACK = "127.0.0.0/8"


@pytest.fixture(scope="module", params=["5.5.7", "5.4.4"])
def fs(request: pytest.FixtureRequest, postgres_cluster: Cluster) -> Iterator[FreeSwitch]:
    need("sipsak")
    runnable()
    server = FreeSwitch(postgres_cluster, request.param)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def runnable() -> None:
    """Skip (fail under EXTCTL_REQUIRE_INTEGRATION=1) where FreeSWITCH cannot run."""
    import subprocess
    import tempfile

    from tests.conftest import REQUIRE
    from tests.fixtures.pbxbuilds import freeswitch_home

    home = freeswitch_home()
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([str(home / "bin" / "run-freeswitch"), tmp, "-version"],
                              capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 0:
        return
    last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
    msg = (f"FreeSWITCH at {home} does not run here ({last[0]}): install its runtime "
           "packages (tests/reference/pbx/README.md) or set EXTCTL_FREESWITCH_HOME to a "
           "FreeSWITCH 1.10 laid out like the reference build (bin/run-freeswitch)")
    if REQUIRE:
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def apply_ok(fs: FreeSwitch, workdir: Path, *rows: dict[str, str],
             fresh_process: bool = False) -> str:
    done = fs.apply(workdir, csv_text(*rows), fresh_process=fresh_process)
    out = done.output
    assert done.returncode == 0, f"extctl apply failed:\n{out}\n{fs.tail(30)}"
    for secret in (PW_A, PW_B, fs.esl_password, fs.cluster.password):
        assert secret not in out
    return out


def register(fs: FreeSwitch, user: str, password: str) -> SipResult:
    return sipsak_register(fs.sip_port, user, password)


def registered(fs: FreeSwitch, user: str) -> bool:
    return f"User:       \t{user}@{DOMAIN}" in fs.registrations()


def test_right_password_as_username_and_as_code(fs: FreeSwitch, workdir: Path) -> None:
    apply_ok(fs, workdir, row("2105", "Alice Doe", username="alice", password=PW_A,
                              allowed_ips=LOOPBACK), fresh_process=True)
    for user in ("alice", "2105"):
        ok = register(fs, user, PW_A)
        assert ok.rc == 0 and ok.final == 200, (user, ok.statuses)
    bad = register(fs, "alice", PW_B)
    assert bad.rc != 0 and bad.final in (401, 403), bad.statuses
    unknown = register(fs, "2999", PW_A)
    assert unknown.final in (401, 403, 404), unknown.statuses


def test_outside_auth_acl_is_403(fs: FreeSwitch, workdir: Path) -> None:
    apply_ok(fs, workdir, row("2110", "Remote", password=PW_A, allowed_ips="10.9.0.0/16"),
             row("2111", "Local", password=PW_A, allowed_ips=LOOPBACK))
    outside = register(fs, "2110", PW_A)
    assert outside.final == 403, outside.statuses
    inside = register(fs, "2111", PW_A)
    assert inside.final == 200, inside.statuses
    # the addresses went to auth_acl, never to cidr (which would skip the password)
    assert fs.api(f"user_data 2110@{DOMAIN} param auth-acl").strip() == "10.9.0.0/16"


def test_disable_refuses_and_drops_the_live_registration(fs: FreeSwitch,
                                                         workdir: Path) -> None:
    apply_ok(fs, workdir, row("2120", "Bob", password=PW_A, allowed_ips=LOOPBACK))
    assert register(fs, "2120", PW_A).final == 200
    assert registered(fs, "2120")
    apply_ok(fs, workdir, row("2120", "Bob", password=PW_A, allowed_ips=LOOPBACK,
                              enabled="false"))
    assert wait_until(lambda: not registered(fs, "2120"), 5), fs.registrations()
    refused = register(fs, "2120", PW_A)
    assert refused.final == 403, refused.statuses


def test_delete_drops_the_live_registration(fs: FreeSwitch, workdir: Path) -> None:
    apply_ok(fs, workdir, row("2125", "Carol", password=PW_A, allowed_ips=LOOPBACK),
             row("2126", "Dan", password=PW_A, allowed_ips=LOOPBACK))
    assert register(fs, "2125", PW_A).final == 200
    apply_ok(fs, workdir, row("2126", "Dan", password=PW_A, allowed_ips=LOOPBACK))
    assert wait_until(lambda: not registered(fs, "2125"), 5), fs.registrations()
    assert register(fs, "2125", PW_A).final in (401, 403, 404)


def test_password_change_is_effective_at_once(fs: FreeSwitch, workdir: Path) -> None:
    apply_ok(fs, workdir, row("2130", "Erin", username="erin", password=PW_A,
                              allowed_ips=LOOPBACK))
    assert register(fs, "erin", PW_A).final == 200
    cached = [n for n in fs.cached() if "directory.erin@" in n or "directory.2130@" in n]
    assert cached, fs.cached()  # FusionPBX cached the directory entry
    apply_ok(fs, workdir, row("2130", "Erin", username="erin", password=PW_B,
                              allowed_ips=LOOPBACK))
    assert not [n for n in fs.cached() if "directory.erin@" in n or "directory.2130@" in n]
    old = register(fs, "erin", PW_A)
    assert old.final in (401, 403), old.statuses
    assert register(fs, "erin", PW_B).final == 200
    assert register(fs, "2130", PW_B).final == 200


def test_without_the_flush_the_old_password_keeps_working(fs: FreeSwitch,
                                                          workdir: Path) -> None:
    """Why apply talks to the event socket: FusionPBX's cache outlives a DB write."""
    apply_ok(fs, workdir, row("2135", "Finn", password=PW_A, allowed_ips=LOOPBACK))
    assert register(fs, "2135", PW_A).final == 200
    done = fs.apply(workdir, csv_text(row("2135", "Finn", password=PW_B,
                                          allowed_ips=LOOPBACK)), esl=False)
    assert done.returncode == 0, done.output
    assert register(fs, "2135", PW_A).final == 200  # stale cache: still accepted


def test_dnd_and_forwarding_in_the_directory(fs: FreeSwitch, workdir: Path) -> None:
    apply_ok(fs, workdir, row("2140", "Gina", password=PW_A, allowed_ips=LOOPBACK, dnd="true",
                              forward_number="+14085550123", call_limit="3"))

    def var(name: str) -> str:
        return fs.api(f"user_data 2140@{DOMAIN} var {name}").strip()

    assert var("do_not_disturb") == "true"
    assert var("forward_all_enabled") == "true"
    assert var("forward_all_destination") == "+14085550123"
    assert var("limit_max") == "3"
    assert var("effective_caller_id_name") == "Gina"
    assert fs.api(f"user_data 2140@{DOMAIN} param dial-string").strip() == "error/user_busy"
    apply_ok(fs, workdir, row("2140", "Gina", password=PW_A, allowed_ips=LOOPBACK))
    assert var("do_not_disturb") != "true"  # the cache was flushed: the change is served
    assert var("forward_all_enabled") != "true"


def test_event_socket_unreachable_after_commit(fs: FreeSwitch, workdir: Path) -> None:
    from tests.fixtures.postgres import free_port

    apply_ok(fs, workdir, row("2150", "Hal", password=PW_A, allowed_ips=LOOPBACK))
    done = fs.apply(workdir, csv_text(row("2150", "Hal", password=PW_B, allowed_ips=LOOPBACK),
                                      row("2151", "Ivy", allowed_ips=LOOPBACK)),
                    esl_port=free_port())
    out = done.output
    assert done.returncode == 1, out
    assert "committed (1 created, 1 updated: 2150, 2151)" in out
    assert "fs_cli -x" in out and "flush" in out
    for secret in (PW_A, PW_B, fs.esl_password, fs.cluster.password):
        assert secret not in out
    assert "Traceback" not in out
    # the database is right: a re-plan has nothing to do
    again = fs.apply(workdir, csv_text(row("2150", "Hal", password=PW_B, allowed_ips=LOOPBACK),
                                       row("2151", "Ivy", allowed_ips=LOOPBACK)))
    assert again.returncode == 0 and "No changes." in again.output, again.output


def test_wrong_event_socket_password(fs: FreeSwitch, workdir: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    apply_ok(fs, workdir, row("2160", "Jo", password=PW_A, allowed_ips=LOOPBACK))
    monkeypatch.setattr(fs, "esl_password", "not-the-password-0xZ")
    done = fs.apply(workdir, csv_text(row("2160", "Jo", password=PW_B, allowed_ips=LOOPBACK)))
    assert done.returncode == 1, done.output
    assert "refused the event socket password" in done.output
    assert "committed (1 updated: 2160)" in done.output
    assert "not-the-password" not in done.output and PW_B not in done.output


def test_read_registrations(fs: FreeSwitch, workdir: Path) -> None:
    from extctl.policy import TargetConfig
    from pbx.base import open_target
    from tests.e2e.freeswitch import ESL_ENV

    apply_ok(fs, workdir, row("2170", "Kim", username="kim", password=PW_A,
                              allowed_ips=LOOPBACK))
    assert register(fs, "kim", PW_A).final == 200
    config = TargetConfig("fusion", "fusionpbx", fs.db_url, options=(
        ("domain", DOMAIN), ("esl_url", f"127.0.0.1:{fs.esl_port}"),
        ("esl_password_env", ESL_ENV)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ESL_ENV, fs.esl_password)
        regs = open_target(config).read_registrations()  # type: ignore[attr-defined]
    mine = regs[regs["username"] == "kim"]
    assert len(mine) == 1, regs
    got = mine.iloc[0]
    assert got["code"] == "2170" and got["source_ip"] == "127.0.0.1"
    assert "sipsak" in got["user_agent"] and "sip:kim@" in got["contact"]
    assert got["expires"] > pd.Timestamp.now(tz="UTC")
