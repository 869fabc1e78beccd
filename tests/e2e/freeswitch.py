"""A real FreeSWITCH 1.10.12 serving its SIP directory through FusionPBX's own,
unmodified lua scripts (tests/reference/fusionpbx) from a throwaway PostgreSQL
database holding FusionPBX's tables, which the real `extctl apply` writes.

One FreeSWITCH per table variant per session (starting one takes ~2 s): the
tests share it and each works on its own extension codes. The directory
cache is FusionPBX's file cache in a temp dir, so a test can see that apply
really flushed it. FreeSWITCH's log goes to the temp dir and its tail is
shown when a start fails.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.sipclients import free_udp_port, wait_until
from tests.fixtures.pbxbuilds import freeswitch_home
from tests.fixtures.postgres import Cluster, free_port
from tests.fixtures.reaper import Reaper

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "reference" / "fusionpbx"
SCRIPTS_TARBALL = REFERENCE / "fusionpbx-5.5.7-switch-scripts.tar.xz"
SCRIPTS_SUBDIR = Path("fusionpbx-5.5.7-scripts/app/switch/resources/scripts")
DOMAIN = "127.0.0.1"  # the SIP domain the phones use (challenge-realm auto_to)
ESL_ENV = "EXTCTL_TEST_ESL_PASSWORD"
# FusionPBX 5.4.4's lua compared its text flags with 'true' (`e.enabled = 'true'`);
# the 5.5.7 lua we run writes `e.enabled = true`. On the 5.4.4 tables this
# operator gives that comparison exactly the 5.4.4 meaning: the text equals
# 'true' / 'false'. Nothing else in the database or the scripts is changed.
TEXT_FLAG_OPERATOR = """
CREATE FUNCTION extctl_text_eq_bool(text, boolean) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS 'SELECT $1 = CAST($2 AS text)';
CREATE OPERATOR = (LEFTARG = text, RIGHTARG = boolean, FUNCTION = extctl_text_eq_bool);
"""


def _unpack_scripts(dest: Path) -> Path:
    with tarfile.open(SCRIPTS_TARBALL) as tar:
        tar.extractall(dest, filter="tar")
    return dest / SCRIPTS_SUBDIR


@dataclass
class FreeSwitch:
    cluster: Cluster
    version: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="extctl-fs-")))
    sip_port: int = 0
    esl_port: int = 0
    esl_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    database: str = ""
    proc: subprocess.Popen[bytes] | None = None
    reaper: Reaper | None = None
    home: Path = field(default_factory=freeswitch_home)

    @property
    def db_url(self) -> str:
        return self.cluster.url(self.database).replace("+psycopg", "")

    @property
    def cache_dir(self) -> Path:
        return self.root / "fusionpbx-cache"

    @property
    def log(self) -> Path:
        return self.root / "fs" / "log" / "freeswitch.log"

    def start(self) -> None:
        import psycopg

        self.database = f"fusion_{self.version.replace('.', '')}_{secrets.token_hex(3)}"
        self.cluster.admin(f"CREATE DATABASE {self.database}")
        ddl = (REFERENCE / f"tables-{self.version}.sql").read_text(encoding="utf-8")
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            conn.execute(ddl)  # type: ignore[arg-type]
            if self.version == "5.4.4":
                conn.execute(TEXT_FLAG_OPERATOR)  # type: ignore[arg-type]
            conn.execute("INSERT INTO v_domains (domain_uuid, domain_name, domain_enabled) "
                         "VALUES (gen_random_uuid(), %s, true)", [DOMAIN])
            # FusionPBX's default setting its clear_cache.lua reads
            conn.execute("INSERT INTO v_default_settings (default_setting_uuid, "
                         "default_setting_category, default_setting_subcategory, "
                         "default_setting_name, default_setting_value, default_setting_enabled)"
                         " VALUES (gen_random_uuid(), 'cache', 'location', 'text', %s, true)",
                         [str(self.cache_dir)])
        self.sip_port, self.esl_port = free_udp_port(), free_port()
        scripts = _unpack_scripts(self.root / "scripts")
        self.cache_dir.mkdir()
        program_data = self.root / "ProgramData" / "fusionpbx"
        program_data.mkdir(parents=True)
        (program_data / "config.conf").write_text("\n".join([
            "database.0.type = pgsql", "database.0.host = 127.0.0.1",
            f"database.0.port = {self.cluster.port}", f"database.0.name = {self.database}",
            "database.0.username = postgres", f"database.0.password = {self.cluster.password}",
            "database.1.type = pgsql", "database.1.host = 127.0.0.1",
            f"database.1.port = {self.cluster.port}", f"database.1.name = {self.database}",
            "database.1.username = postgres", f"database.1.password = {self.cluster.password}",
            f"switch.scripts.dir = {scripts}",
            f"switch.event_socket.port = {self.esl_port}",
            "cache.method = file", f"cache.location = {self.cache_dir}", "",
        ]), encoding="utf-8")
        self._configure()
        fsdir = self.root / "fs"
        env = {**os.environ, "SystemDrive": str(self.root)}
        with (self.root / "stdout.log").open("wb") as out:
            self.proc = subprocess.Popen(
                [str(self.home / "bin" / "run-freeswitch"), str(fsdir), "-scripts", str(scripts),
                 "-nf", "-nc", "-nonat"],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.reaper = Reaper(groups=[self.proc.pid])
        if not wait_until(lambda: not self.alive() or self._ready(), 30, 0.2):
            raise AssertionError(f"FreeSWITCH did not start within 30 s:\n{self.tail()}")
        if not self.alive():
            raise AssertionError(f"FreeSWITCH exited at start:\n{self.tail()}")

    def _configure(self) -> None:
        conf = self.root / "fs" / "conf"
        conf.mkdir(parents=True)
        text = (self.home / "conf" / "sip" / "freeswitch.xml").read_text(encoding="utf-8")
        for name, value in (("sip_port", self.sip_port), ("esl_port", self.esl_port),
                            ("esl_password", self.esl_password), ("domain", DOMAIN)):
            text, n = re.subn(rf'data="{name}=[^"]*"', f'data="{name}={value}"', text)
            assert n == 1, name
        # mod_lua serves the directory through FusionPBX's app.lua xml_handler
        text, n = re.subn(r"<!-- FusionPBX directory:.*?\n(.*?) -->", r"\1", text, flags=re.S)
        assert n == 1
        # no static user: every directory answer comes from the lua
        text, n = re.subn(r"<user id=\"1000\">.*?</user>", "", text, flags=re.S)
        assert n == 1
        (conf / "freeswitch.xml").write_text(text, encoding="utf-8")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _ready(self) -> bool:
        from pbx.esl import EslAddress, EslError, EventSocket

        try:
            with EventSocket(EslAddress("127.0.0.1", self.esl_port), self.esl_password, 2) as s:
                return "internal" in s.api("sofia status")
        except (EslError, OSError):
            return False

    def api(self, command: str) -> str:
        from pbx.esl import EslAddress, EventSocket

        with EventSocket(EslAddress("127.0.0.1", self.esl_port), self.esl_password) as s:
            return s.api(command)

    def registrations(self) -> str:
        return self.api("sofia status profile internal reg")

    def tail(self, lines: int = 60) -> str:
        out = []
        for path in (self.root / "stdout.log", self.log):
            if path.exists():
                out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    def cached(self) -> list[str]:
        return sorted(p.name for p in self.cache_dir.iterdir())

    def stop(self) -> None:
        if self.reaper is not None:
            self.reaper.cancel()
        if self.proc is not None and self.alive():
            # a throwaway server: no orderly shutdown (it takes ~5 s)
            os.killpg(self.proc.pid, 9)
            self.proc.wait(10)
        self.cluster.admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- extctl ---------------------------------------------------------------
    def apply(self, workdir: Path, csv: str, *, esl: bool = True, esl_port: int | None = None,
              fresh_process: bool = False) -> Applied:
        """The real `extctl apply --yes` of `csv` onto this FusionPBX database.

        In this process through the click command (an interpreter start plus
        the pandas import cost ~7 s on a loaded CI machine; a warm one ~1 s),
        or with `fresh_process` as `python -m extctl.main`."""
        (workdir / "extensions.csv").write_text(csv, encoding="utf-8")
        esl_url = f"tcp://127.0.0.1:{esl_port or self.esl_port}" if esl else "off"
        policy = workdir / "extctl.toml"
        policy.write_text(
            f'[targets.fusion]\nkind = "fusionpbx"\nurl_env = "EXTCTL_TEST_FUSION_URL"\n'
            f'domain = "{DOMAIN}"\nesl_url = "{esl_url}"\nesl_password_env = "{ESL_ENV}"\n'
            '[targets.fusion.safety]\nmin_existing = 1000\n',
            encoding="utf-8")
        env = {"EXTCTL_TEST_FUSION_URL": self.db_url, ESL_ENV: self.esl_password}
        args = ["apply", "--yes", "--file", str(workdir / "extensions.csv"),
                "--policy", str(policy)]
        if fresh_process:
            done = subprocess.run(
                [sys.executable, "-m", "extctl.main", *args], cwd=workdir,
                env={**os.environ, "PYTHONPATH": str(REPO), **env},
                capture_output=True, text=True, timeout=180, check=False)
            return Applied(done.returncode, done.stdout + done.stderr)
        from click.testing import CliRunner

        from extctl.main import cli

        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        return Applied(result.exit_code, result.output)


@dataclass(frozen=True)
class Applied:
    returncode: int
    output: str  # stdout and stderr
