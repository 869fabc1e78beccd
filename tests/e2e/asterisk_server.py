"""A real Asterisk 22 (the relocatable build of tests/reference/pbx) reading PJSIP
realtime from a SQLite database that the real `extctl apply` writes.

One server per test session: its state directory is a temp dir, SIP on a free
127.0.0.1 UDP port, `contact = realtime,ps_contacts` so registrations land in
the database, and res_config_sqlite3 with `batch = 0` (the build's minimal
config) so extctl's writes are seen at once. Asterisk runs in the foreground
in its own session, watched by a Reaper, and is stopped at teardown.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REQUIRE
from tests.e2e.sipclients import free_udp_port, wait_until
from tests.fixtures.reaper import Reaper

UNIX_SOCKET_MAX = 107  # DIR/run/asterisk.ctl must fit a sockaddr_un


@dataclass
class AsteriskServer:
    home: Path  # the unpacked build (bin/run-asterisk)
    root: Path  # this server's config + state directory
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    reaper: Reaper | None = None
    outputs: list[str] = field(default_factory=list)  # everything extctl printed

    @property
    def db(self) -> Path:
        return self.root / "realtime.sqlite3"

    @property
    def log(self) -> Path:
        return self.root / "console.log"

    def _run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.home / "bin" / "run-asterisk"), str(self.root), *args],
                              capture_output=True, text=True, timeout=timeout, check=False)

    def configure(self) -> None:
        """Seed DIR/etc from the build's minimal config, then bind and store contacts."""
        done = self._run("-V")
        if done.returncode != 0 or "Asterisk 22" not in done.stdout:
            unusable(f"cannot run Asterisk from {self.home}: "
                     f"{(done.stderr or done.stdout).strip()[:300]}")
        etc = self.root / "etc"
        self.port = free_udp_port()
        pjsip = (etc / "pjsip.conf").read_text()
        (etc / "pjsip.conf").write_text(
            re.sub(r"bind = 127\.0\.0\.1:\d+", f"bind = 127.0.0.1:{self.port}", pjsip))
        sorcery = (etc / "sorcery.conf").read_text()
        (etc / "sorcery.conf").write_text(
            re.sub(r"(?m)^contact = .*$", "contact = realtime,ps_contacts", sorcery))
        conf = (etc / "res_config_sqlite3.conf").read_text()
        # the build's config already says so; a local install must too (README)
        assert re.search(r"(?m)^batch\s*=\s*0", conf), "res_config_sqlite3.conf needs batch = 0"
        assert f"dbfile = {self.db}" in conf

    def apply(self, csv: str) -> None:
        """Make the realtime database match `csv` through the real `extctl apply`."""
        from extctl.main import cli

        (self.root / "extensions.csv").write_text(csv, encoding="utf-8")
        policy = self.root / "extctl.toml"
        policy.write_text(f'[targets.asterisk]\nkind = "asterisk"\nurl = "sqlite:///{self.db}"\n'
                          "default = true\n", encoding="utf-8")
        done = CliRunner().invoke(cli, ["apply", "--yes", "--file",
                                        str(self.root / "extensions.csv"),
                                        "--policy", str(policy)], catch_exceptions=False)
        self.outputs.append(done.output)
        assert done.exit_code == 0, f"extctl apply failed:\n{done.output}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(self.home / "bin" / "run-asterisk"), str(self.root), "-f"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.reaper = Reaper(groups=[self.proc.pid], paths=[self.root])

        def booted() -> bool:
            if self.proc is None or self.proc.poll() is not None:
                return True
            return self._run("-rx", "core waitfullybooted", timeout=10).returncode == 0

        if not wait_until(booted, 30, 0.3) or self.proc.poll() is not None:
            raise AssertionError(f"asterisk did not boot:\n{self.tail()}")

    def rx(self, command: str) -> str:
        done = self._run("-rx", command)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._run("-rx", "core stop now", timeout=10)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session we started
                self.proc.wait(timeout=5)
        if self.reaper is not None:
            self.reaper.cancel()
        shutil.rmtree(self.root, ignore_errors=True)

    def tail(self, lines: int = 200) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def query(self, sql: str, *params: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db, timeout=10) as conn:
            return list(conn.execute(sql, params))

    def password(self, code: str) -> str:
        found = self.query("SELECT password FROM ps_auths WHERE id = ?", code)
        assert found, f"no ps_auths row {code}"
        return str(found[0][0])

    def contacts(self, code: str) -> list[tuple[object, ...]]:
        """The registrations Asterisk stored for endpoint `code`."""
        return self.query("SELECT uri, expiration_time, user_agent, qualify_2xx_only "
                          "FROM ps_contacts WHERE endpoint = ?", code)


def unusable(why: str) -> None:
    """Skip on a laptop, fail in CI (EXTCTL_REQUIRE_INTEGRATION=1), saying how to fix it."""
    msg = (f"{why} -- install the run-time libraries listed in tests/reference/pbx/README.md "
           "or point EXTCTL_ASTERISK_HOME at a local Asterisk 22 (README: Real PBX servers)")
    if REQUIRE:
        pytest.fail(msg + " (EXTCTL_REQUIRE_INTEGRATION=1 forbids skipping)")
    pytest.skip(msg)


def state_dir(base: Path) -> Path:
    """A directory short enough for Asterisk's control socket path."""
    root = base / "ast"
    if len(str(root / "run" / "asterisk.ctl")) > UNIX_SOCKET_MAX:
        root = Path(tempfile.mkdtemp(prefix="extctl-ast-"))
    return root
