"""End-to-end fixtures: a database written by the real `extctl apply` and a real
kamailio running the reference pbx/kamailio.cfg on 127.0.0.1 (free UDP port).

The kamailio log goes to a file in the test's temp dir; when a test fails its
tail is attached to the report. Kamailio is started in the foreground (-DD -E)
in its own session and stopped by its PID at teardown.

One `extctl apply` takes seconds, so the SQLite database made from a given CSV
is applied once per session and each test gets its own copy; re-applies inside
a test (and the PostgreSQL case) run the CLI again.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from schema.columns import COLUMNS
from tests.conftest import need
from tests.e2e.sipclients import free_udp_port, options_ok, wait_until
from tests.fixtures.reaper import Reaper

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / "pbx" / "kamailio.cfg"
DOMAIN = "pbx.local"


def row(code: str, name: str, **fields: str) -> dict[str, str]:
    """One extensions.csv row; unnamed columns are blank, the password is auto."""
    unknown = set(fields) - set(COLUMNS)
    assert not unknown, f"not CSV columns: {unknown}"
    return {"code": code, "name": name, "password": "auto", **fields}


def csv_text(*rows: dict[str, str]) -> str:
    lines = [",".join(COLUMNS)]
    lines += [",".join(r.get(c, "") for c in COLUMNS) for r in rows]
    return "\n".join(lines) + "\n"


@dataclass
class Pbx:
    workdir: Path
    pg_url: str | None = None  # a PostgreSQL database instead of pbx.sqlite
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    reaper: Reaper | None = None
    outputs: list[str] = field(default_factory=list)  # everything our tools printed

    @property
    def db(self) -> Path:
        return self.workdir / "pbx.sqlite"

    @property
    def url(self) -> str:
        """The target URL for extctl (SQLAlchemy)."""
        if self.pg_url is not None:
            return self.pg_url
        return f"sqlite:///{self.db}"  # db.is_absolute(): four slashes in all

    @property
    def kamailio_url(self) -> str:
        """The same database as Kamailio's db_postgres/db_sqlite spell it."""
        if self.pg_url is not None:
            return "postgres://" + self.pg_url.split("://", 1)[1]
        return self.url

    def _query(self, sql: str, **params: str) -> list[str]:
        import sqlalchemy as sa

        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [str(r[0]) for r in conn.execute(sa.text(sql), params)]
        finally:
            engine.dispose()

    @property
    def log(self) -> Path:
        return self.workdir / "kamailio.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def apply(self, csv: str) -> None:
        """Make the PBX database match `csv` through the real `extctl apply`."""
        (self.workdir / "extensions.csv").write_text(csv, encoding="utf-8")
        (self.workdir / "extctl.toml").write_text(
            f'[targets.pbx]\nkind = "kamailio"\nurl = "{self.url}"\ndomain = "{DOMAIN}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-m", "extctl.main", "apply", "--yes"], cwd=self.workdir,
            env=env, capture_output=True, text=True, timeout=180, check=False,
        )
        self.outputs.append(done.stdout + done.stderr)
        assert done.returncode == 0, f"extctl apply failed:\n{done.stdout}{done.stderr}"

    def password(self, username: str) -> str:
        found = self._query(
            "select password from subscriber where username = :u and domain = :d",
            u=username, d=DOMAIN,
        )
        assert found, f"no subscriber {username}"
        return found[0]

    def location(self, username: str) -> list[str]:
        return self._query("select contact from location where username = :u", u=username)

    def start(self, trusted: str | None = None) -> None:
        self.port = free_udp_port()
        run = self.workdir / "run"
        run.mkdir(exist_ok=True)
        args = [
            "kamailio", "-DD", "-E", "-f", str(CFG),
            "-P", str(run / "kamailio.pid"), "-Y", str(run), "-w", str(run),
            "-A", f"LISTEN=udp:127.0.0.1:{self.port}", "-A", "WITH_DEBUG",
            "--substdef", f"!PBX_DBURL!{self.kamailio_url}!g",
            "--substdef", f"!PBX_DOMAIN!{DOMAIN}!g",
            "-m", "64", "-M", "8",
        ]
        if trusted is not None:
            args += ["--substdef", f"!PBX_TRUSTED!{trusted}!g"]
        if self.pg_url is not None:
            args += ["-A", "WITH_POSTGRES"]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.reaper = Reaper(groups=[self.proc.pid])
        if not wait_until(lambda: not self.alive() or options_ok(self.port, 1.0), 15, 0.2):
            raise AssertionError("kamailio did not answer OPTIONS within 15 s")
        if not self.alive():
            raise AssertionError("kamailio exited at start")

    def stop(self) -> None:
        if self.reaper is not None:
            self.reaper.cancel()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the session we started
            self.proc.wait(timeout=5)


@pytest.fixture(scope="session")
def applied_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """csv text -> a database `extctl apply` made from it, reused across tests
    (one apply costs seconds); each test works on its own copy."""
    return {}


@pytest.fixture
def pbx_factory(
    tmp_path: Path, request: pytest.FixtureRequest, applied_dbs: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Pbx]]:
    need("kamailio", "sipsak", "sipp")
    made: list[Pbx] = []

    def make(csv: str, trusted: str | None = None, pg_url: str | None = None) -> Pbx:
        pbx = Pbx(tmp_path / f"pbx{len(made)}", pg_url)
        pbx.workdir.mkdir()
        made.append(pbx)
        request.node.e2e_pbx = made
        if pg_url is not None:
            pbx.apply(csv)
            pbx.start(trusted)
            return pbx
        if csv not in applied_dbs:
            first = Pbx(tmp_path_factory.mktemp("applied"))
            first.apply(csv)
            applied_dbs[csv] = first.db
        shutil.copyfile(applied_dbs[csv], pbx.db)
        (pbx.workdir / "extensions.csv").write_text(csv, encoding="utf-8")
        pbx.start(trusted)
        return pbx

    yield make
    for pbx in made:
        pbx.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and report.when in ("setup", "call"):
        for pbx in getattr(item, "e2e_pbx", []):
            if pbx.log.exists():
                lines = pbx.log.read_text(errors="replace").splitlines()[-200:]
                report.sections.append((f"kamailio log {pbx.log}", "\n".join(lines)))
    return report
