"""What apply tells FreeSWITCH after COMMIT, and what it says when it cannot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extctl.errors import TargetError
from pbx.base import ApplyRequest
from pbx.esl import parse_esl_url
from pbx.fusionpbx import _flush
from pbx.fusionpbx_flush import (
    FLUSH_ALL_AT,
    EventSocketConfig,
    Flush,
    FlushFailed,
    commands,
    event_socket_config,
)
from plan.changes import Change, FieldChange, PasswordChange, Plan, Safety
from tests.fixtures.postgres import free_port
from tests.pbx.fusion import load_tables, target
from tests.pbx.helpers import dump, frame, request_for, row


def cfg(cache: str = "file") -> EventSocketConfig:
    return EventSocketConfig(parse_esl_url("t", "127.0.0.1:8021"), "PW_ENV", cache, "internal")


def test_file_cache_keys_with_and_without_hostname() -> None:
    out = commands(Flush("pbx.example.com", ("2105", "alice"), ("alice",)), cfg(), "fs1")
    assert out == [
        "lua app/servers/resources/clear_cache.lua delete fs1.directory.2105@pbx.example.com",
        "lua app/servers/resources/clear_cache.lua delete directory.2105@pbx.example.com",
        "lua app/servers/resources/clear_cache.lua delete fs1.directory.alice@pbx.example.com",
        "lua app/servers/resources/clear_cache.lua delete directory.alice@pbx.example.com",
        "sofia profile internal flush_inbound_reg alice@pbx.example.com",
    ]


def test_memcache_and_bulk_flush() -> None:
    out = commands(Flush("d", ("2105",), ()), cfg("memcache"), "fs1")
    assert out == ["memcache delete fs1:directory:2105@d", "memcache delete directory:2105@d"]
    users = tuple(str(1000 + i) for i in range(FLUSH_ALL_AT + 1))
    assert commands(Flush("d", users, ()), cfg("memcache"), "h") == ["memcache flush"]
    assert commands(Flush("d", users, ()), cfg(), "h") == [
        "lua app/servers/resources/clear_cache.lua flush"]


def test_options() -> None:
    with pytest.raises(TargetError, match="esl_url is required"):
        event_socket_config("t", {})
    assert event_socket_config("t", {"esl_url": "off"}) is None
    with pytest.raises(TargetError, match="must not hold a password"):
        event_socket_config("t", {"esl_url": "tcp://:ClueCon@127.0.0.1:8021"})
    with pytest.raises(TargetError, match="cache must be"):
        event_socket_config("t", {"esl_url": "127.0.0.1", "cache": "redis"})
    got = event_socket_config("t", {"esl_url": "fs.example:9021", "esl_password_env": "X"})
    assert got is not None and got.address.shown == "fs.example:9021"
    assert got.password_env == "X" and got.cache == "file" and got.profile == "internal"


def test_registrations_dropped_only_when_needed() -> None:
    import pandas as pd

    chosen = pd.DataFrame({"extension": ["alice", "2106", "2107", "2108", "2109"],
                           "number_alias": ["2105", "2106", "2107", "2108", "2109"]},
                          index=["2105", "2106", "2107", "2108", "2109"])
    rows = frame([row("2105", username="al"), row("2106"), row("2107"), row("2108")])
    changes = (
        Change("delete", "2109"),
        Change("update", "2105", (("username", FieldChange("alice", "al")),)),
        Change("disable", "2106", (("enabled", FieldChange("true", "false")),)),
        Change("update", "2107", (("password", PasswordChange("rotated")),)),
        Change("update", "2108", (("name", FieldChange("a", "b")),)),
    )
    request = ApplyRequest(plan=Plan("t", changes, Safety(False, 5, 5, 0.3)),
                           rows=rows.set_index("code", drop=False), secrets={},
                           digest_key="0123456789abcdef")
    flush = _flush("d", request, rows, chosen)
    assert set(flush.drop_registrations) == {"alice", "2105", "2106", "2107", "2109"}
    assert {"al", "alice", "2108", "2109"} <= set(flush.cache_users)


@pytest.fixture
def url(pg_db_url: str) -> Iterator[str]:
    load_tables(pg_db_url, "5.5.7")
    yield pg_db_url.replace("+psycopg", "")


@pytest.mark.integration
def test_missing_password_variable_fails_before_writing(url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXTCTL_NO_SUCH_VAR", raising=False)
    t = target(url, esl_url="127.0.0.1:8021", esl_password_env="EXTCTL_NO_SUCH_VAR")
    before = dump(url)
    with pytest.raises(TargetError, match="EXTCTL_NO_SUCH_VAR"):
        t.apply(request_for(t, frame([row("2105")])))
    assert dump(url) == before


@pytest.mark.integration
def test_unreachable_event_socket_after_commit(url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTCTL_ESL_PW", "s3cret-esl-password")
    port = free_port()
    t = target(url, esl_url=f"127.0.0.1:{port}", esl_password_env="EXTCTL_ESL_PW")
    with pytest.raises(FlushFailed) as err:
        t.apply(request_for(t, frame([row("2105"), row("2106")]),
                            secrets={"2105": "k2VqP9wX3nR7tL5y-a", "2106": "k2VqP9wX3nR7tL5y-b"}))
    text = str(err.value)
    assert err.value.exit_code == 1
    assert "committed (2 created: 2105, 2106)" in text
    assert f"127.0.0.1:{port}" in text and 'fs_cli -x "lua app/servers/resources/' in text
    assert "s3cret" not in text and "k2VqP9wX3nR7tL5y" not in text
    assert set(t.read_state()["code"]) == {"2105", "2106"}  # the commit stands


def test_new_uuids_are_random_version_4() -> None:
    import uuid

    from pbx.fusionpbx_sql import new_uuids

    made = new_uuids(10_000)
    assert len(set(made)) == 10_000
    parsed = [uuid.UUID(u) for u in made[:100]]
    assert all(u.version == 4 and u.variant == uuid.RFC_4122 for u in parsed)
    assert all(str(p) == m for p, m in zip(parsed, made[:100], strict=True))
