"""Each target test runs against SQLite and against a real PostgreSQL; the
Asterisk target's also against a real MariaDB (SPEC §6: Kamailio on
SQLite/PostgreSQL, Asterisk on PostgreSQL, MySQL/MariaDB or SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/pbx.sqlite"
    if request.param == "mariadb":
        url: str = request.getfixturevalue("mariadb_db_url")
        return url.replace("+pymysql", "")  # the plain scheme users write must work
    url = request.getfixturevalue("pg_db_url")
    return url.replace("+psycopg", "")  # the plain scheme users write must work


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite and a real PostgreSQL, the URLs as the drivers take them: the
    engines both target families run on (drift and registration suites)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/pbx.sqlite"
    url: str = request.getfixturevalue("pg_db_url")
    return url


def _kamailio_on_mariadb(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None or callspec.params.get("db_url") != "mariadb":
        return False
    kind = callspec.params.get("kind")
    return kind == "kamailio" or (kind is None and item.module is not None
                                  and item.module.__name__.endswith("test_kamailio"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the Kamailio x MariaDB combinations: not a supported target (not a skip)."""
    dropped = [item for item in items if _kamailio_on_mariadb(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not _kamailio_on_mariadb(item)]
