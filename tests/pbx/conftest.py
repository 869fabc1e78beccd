"""Each target test runs against SQLite and against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/pbx.sqlite"
    url: str = request.getfixturevalue("pg_db_url")
    return url.replace("+psycopg", "")  # the plain scheme users write must work
