"""URLs, error mapping and the lock: every message is one line without the password."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from extctl.errors import StalePlan, TargetError, UsageError
from extctl.policy import TargetConfig
from pbx import sql
from pbx.kamailio import KamailioTarget
from tests.fixtures.postgres import free_port
from tests.pbx.helpers import frame, request_for, row

SECRET = "hunter2-Very-Secret"


def kam(url: str, **options: str) -> KamailioTarget:
    return KamailioTarget(TargetConfig("pbx", "kamailio", url, options=tuple(options.items())))


def assert_clean(err: BaseException) -> None:
    text = str(err)
    assert SECRET not in text and "\n" not in text and text


def test_shown_url_and_driver_mapping() -> None:
    url = f"postgresql://extctl:{SECRET}@db.example:5432/pbx"
    db = sql.database(TargetConfig("p", "kamailio", url))
    assert db.shown == "postgresql://db.example:5432/pbx"
    assert db.url.drivername == "postgresql+psycopg"
    assert sql.database(TargetConfig("s", "kamailio", "sqlite:///x.db")).dialect == "sqlite"
    assert sql.database(TargetConfig("s", "kamailio", "sqlite:///x.db")).shown == "sqlite:///x.db"


def test_failure_scrubs_the_password_from_the_driver_text_only() -> None:
    # A short password must not mangle the URL or extctl's own words.
    db = sql.database(TargetConfig("p", "kamailio", "postgresql://u:p@127.0.0.1:1/x"))
    err = db.fail("cannot connect", OSError('password "p" rejected on port 1'))
    assert str(err) == ("target 'p' (postgresql://127.0.0.1:1/x): cannot connect: "
                        '***assword "***" rejected on ***ort 1')
    long = sql.database(TargetConfig("p", "kamailio", f"postgresql://u:{SECRET}@h/x"))
    assert_clean(long.fail("cannot connect", OSError(f"auth failed for {SECRET}")))


# Issue 7 item 9: the exact URLs of the issue, through a real connection attempt.
@pytest.mark.parametrize("url", [
    "postgresql://pbx@127.0.0.1:{port}/pbx?password=S3cr3t",
    "postgresql://pbx@127.0.0.1:{port}/pbx?sslmode=disable&password=S3cr3t",
    "postgresql://pbx:S3cr3t word@127.0.0.1:{port}/pbx",
    "postgresql://pbx:S3cr3t%40x@127.0.0.1:{port}/pbx",
])
def test_no_userinfo_or_query_value_in_any_message(url: str) -> None:
    t = kam(url.format(port=free_port()))
    with pytest.raises(TargetError, match="cannot connect") as info:
        t.read_state()
    text = str(info.value)
    assert "S3cr3t" not in text and "pbx@" not in text and "password" not in text
    assert "127.0.0.1" in text and "/pbx" in text  # still says which server


def test_driver_text_quoting_a_query_value_is_scrubbed() -> None:
    db = sql.database(TargetConfig("p", "kamailio", "postgresql://h/x?password=S3cr3t"))
    assert "S3cr3t" not in str(db.fail("bad", OSError('invalid password "S3cr3t"')))


@pytest.mark.parametrize("url", ["postgresql://pbx:Ab@cd1234@127.0.0.1/pbx",
                                 "postgresql://pbx:Ab@cd1234@host:abc/pbx",
                                 "postgresql://pbx:S3cr3t@host:abc/pbx",
                                 "postgresql://pbx:S3cr3t@host:99999/pbx"])
def test_malformed_urls_are_usage_errors_that_quote_nothing(url: str) -> None:
    with pytest.raises(UsageError) as info:
        kam(url)
    assert "cd1234" not in str(info.value) and "S3cr3t" not in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("url", [f"oracle://u:{SECRET}@h/db", f"not a url {SECRET}",
                                 f"ftp://u:{SECRET}@h/x"])
def test_bad_urls_are_target_errors(url: str) -> None:
    with pytest.raises(TargetError) as info:
        kam(url)
    assert_clean(info.value)


def test_unreachable_postgres_is_one_clean_line() -> None:
    t = kam(f"postgresql://extctl:{SECRET}@127.0.0.1:{free_port()}/pbx")
    with pytest.raises(TargetError, match="cannot connect") as info:
        t.read_state()
    assert_clean(info.value)
    with pytest.raises(TargetError) as info:
        t.apply(request_for(t, frame([row("2001")]), state=sql.empty_state()))
    assert_clean(info.value)


def test_wrong_password_and_missing_database(postgres_url: str) -> None:
    wrong = postgres_url.replace("postgres:", f"postgres:{SECRET}", 1).replace(
        "@", "x@", 1)
    assert SECRET in wrong
    with pytest.raises(TargetError, match="password authentication failed") as info:
        kam(wrong).read_state()
    assert_clean(info.value)
    missing = postgres_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(TargetError, match="no_such_db") as info:
        kam(missing).read_state()
    assert_clean(info.value)


def test_missing_sqlite_directory(tmp_path: Path) -> None:
    t = kam(f"sqlite:///{tmp_path}/nope/pbx.sqlite")
    assert t.read_state().empty
    with pytest.raises(TargetError, match="does not exist"):
        t.apply(request_for(t, frame([row("2001")])))


def test_failed_first_apply_leaves_no_empty_file(tmp_path: Path) -> None:
    t = kam(f"sqlite:///{tmp_path}/pbx.sqlite")
    request = request_for(t, frame([row("2001")]))
    bad = request_for(t, frame([row("2001"), row("2002", username="2001")]))  # UNIQUE clash
    with pytest.raises(TargetError):
        t.apply(bad)
    assert not (tmp_path / "pbx.sqlite").exists()
    t.apply(request)
    assert (tmp_path / "pbx.sqlite").exists()


def test_locked_sqlite_waits_then_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "pbx.sqlite"
    t = kam(f"sqlite:///{path}", busy_timeout="1")
    t.apply(request_for(t, frame([row("2001")])))
    request = request_for(t, frame([row("2001", name="Other")]))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(TargetError, match="locked"):
            t.apply(request)
        assert t.read_state().loc[0, "name"] == "User 2001"  # readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    t.apply(request)
    assert t.read_state().loc[0, "name"] == "Other"


def test_stale_check_ignores_nothing(tmp_path: Path) -> None:
    t = kam(f"sqlite:///{tmp_path}/pbx.sqlite")
    t.apply(request_for(t, frame([row("2001")])))
    request = request_for(t, frame([row("2001")]))
    state = t.read_state()
    sql.check_fresh(state, request)  # unchanged: passes
    changed = state.assign(password="rotated-elsewhere")
    with pytest.raises(StalePlan, match="2001") as info:
        sql.check_fresh(changed, request)
    assert "rotated-elsewhere" not in str(info.value)
