"""The deploy's plan job reads the live PBX with a role that can only SELECT;
the apply job applies that saved plan with the writer role (PostgreSQL)."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from tests.helpers import csv_bytes, row

pytestmark = pytest.mark.integration

CODES = [str(c) for c in range(2300, 2312)]


def _extctl(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PBX_URL": url, "NO_COLOR": "1"}
    return subprocess.run(["extctl", *args], cwd=cwd, env=env, capture_output=True, text=True)


def _reader_url(admin_url: str, database: str, cluster: object) -> str:
    """A login role with CONNECT and SELECT only, and its URL."""
    import psycopg

    password = secrets.token_urlsafe(12)
    name = f"reader_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")  # type: ignore[arg-type]
        conn.execute(f"GRANT CONNECT ON DATABASE {database} TO {name}")  # type: ignore[arg-type]
        conn.execute(f"GRANT USAGE ON SCHEMA public TO {name}")  # type: ignore[arg-type]
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}")  # type: ignore[arg-type]
    tail = admin_url.partition("@")[2]
    return f"postgresql+psycopg://{name}:{password}@{tail}"


@pytest.mark.parametrize("kind", ["kamailio", "asterisk"])
def test_plan_with_a_select_only_role_then_apply_that_plan(
    tmp_path: Path, pg_db_url: str, postgres_cluster: object, kind: str
) -> None:
    (tmp_path / "extctl.toml").write_text(
        f'[targets.pbx]\nkind = "{kind}"\nurl_env = "PBX_URL"\nunsupported = "warn"\n')
    csv = tmp_path / "extensions.csv"
    csv.write_bytes(csv_bytes(*(row(c, username=c) for c in CODES)))
    first = _extctl(tmp_path, pg_db_url, "apply", "--yes")
    assert first.returncode == 0, first.stderr
    reader = _reader_url(pg_db_url, pg_db_url.rsplit("/", 1)[1], postgres_cluster)

    csv.write_bytes(csv_bytes(*(row(c, username=c, name="Sam Roe" if c == "2303" else
                                    f"Agent {c}") for c in CODES)))
    planned = _extctl(tmp_path, reader, "plan", "--out", "plan.json")
    assert planned.returncode == 0, planned.stderr
    assert "2303 update" in planned.stdout

    # The reader really cannot write: applying with it fails and changes nothing.
    refused = _extctl(tmp_path, reader, "apply", "plan.json", "--yes")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "permission denied" in refused.stderr.lower(), refused.stderr
    password = reader.split("@")[0].rsplit(":", 1)[1]
    assert password not in refused.stderr + planned.stderr + planned.stdout
    assert "2303 update" in _extctl(tmp_path, reader, "plan").stdout

    applied = _extctl(tmp_path, pg_db_url, "apply", "plan.json", "--yes")
    assert applied.returncode == 0, applied.stderr
    after = _extctl(tmp_path, reader, "plan", "--detailed-exitcode")
    assert after.returncode == 0, after.stdout + after.stderr
