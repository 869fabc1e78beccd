"""The asterisk target's tables are Asterisk's own (issue 8 item 7).

The reference is tests/reference/asterisk/pjsip-realtime-22.10.1-postgres.sql:
the four PJSIP realtime tables exactly as Asterisk 22.10.1's alembic
migrations leave them on PostgreSQL, enum types included. extctl's DDL must
cover it column for column, and extctl must apply, read and re-plan cleanly
against exactly those tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.dialects import postgresql

from extctl.main import cli
from extctl.policy import TargetConfig
from pbx import asterisk_tables
from pbx.asterisk import AsteriskTarget
from tests.fixtures.postgres import Cluster
from tests.pbx.helpers import engine, execute, frame, request_for, row

REFERENCE = (Path(__file__).resolve().parents[1] / "reference" / "asterisk"
             / "pjsip-realtime-22.10.1-postgres.sql")
TABLES = ("ps_endpoints", "ps_auths", "ps_aors", "ps_contacts")


def reference_sql() -> str:
    """The dump without psql meta-commands (\\restrict), runnable by a driver."""
    return "\n".join(line for line in REFERENCE.read_text().splitlines()
                     if not line.startswith("\\"))


def reference_enums() -> dict[str, tuple[str, ...]]:
    found = re.findall(r"CREATE TYPE public\.(\w+) AS ENUM \(([^)]*)\);", reference_sql())
    return {name: tuple(re.findall(r"'([^']*)'", body)) for name, body in found}


def reference_columns() -> dict[str, dict[str, str]]:
    """table -> column -> type, normalised to how PostgreSQL DDL spells it."""
    out: dict[str, dict[str, str]] = {}
    for table, body in re.findall(r"CREATE TABLE public\.(\w+) \((.*?)\n\);", reference_sql(),
                                  re.S):
        cols: dict[str, str] = {}
        for line in body.strip().split(",\n"):
            m = re.fullmatch(r'\s*("?\w+"?) (.+?)( NOT NULL)?', line)
            assert m, line
            kind = (m.group(2).replace("public.", "")
                    .replace("character varying", "VARCHAR").upper())
            cols[m.group(1).strip('"')] = kind
        out[table] = cols
    return out


def extctl_columns() -> dict[str, dict[str, str]]:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return {t.name: {c.name: c.type.compile(dialect=dialect).upper() for c in t.columns}
            for t in asterisk_tables.metadata.sorted_tables}


def test_reference_parses() -> None:  # the parser below is what the other tests trust
    cols = reference_columns()
    assert set(cols) == set(TABLES)
    assert cols["ps_contacts"]["qualify_2xx_only"] == "AST_BOOL_VALUES"
    assert cols["ps_endpoints"]["100rel"] == "PJSIP_100REL_VALUES_V2"
    assert len(cols["ps_endpoints"]) == 147
    assert reference_enums()["ast_bool_values"][-1] == "yes"


@pytest.mark.parametrize("table", TABLES)
def test_ddl_has_every_reference_column_with_its_type(table: str) -> None:
    want, have = reference_columns()[table], extctl_columns()[table]
    assert sorted(set(want) - set(have)) == [], "columns Asterisk has and extctl lacks"
    assert sorted(set(have) - set(want)) == [], "columns Asterisk does not know"
    assert {c: have[c] for c in want} == want


def test_enum_types_have_asterisks_labels() -> None:
    assert reference_enums() == asterisk_tables.ENUMS


def test_ps_contacts_has_qualify_2xx_only_on_every_dialect(tmp_path: Path) -> None:
    """The bug: Asterisk 20.12/21.7/22.2+ write qualify_2xx_only on every contact."""
    url = f"sqlite:///{tmp_path}/t.sqlite"
    target = AsteriskTarget(TargetConfig("ast", "asterisk", url))
    target.apply(request_for(target, frame([row("2001")])))
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        names = {c["name"] for c in sa.inspect(conn).get_columns("ps_contacts")}
    eng.dispose()
    assert {"qualify_2xx_only", "prune_on_boot", "via_addr", "call_id"} <= names


def test_sqlite_configuration_tables_hold_only_written_columns(tmp_path: Path) -> None:
    """res_config_sqlite3 passes NULL as '': a column extctl leaves NULL would be
    an "Error parsing" in Asterisk for every row, so SQLite gets no such column."""
    url = f"sqlite:///{tmp_path}/t.sqlite"
    target = AsteriskTarget(TargetConfig("ast", "asterisk", url))
    target.apply(request_for(target, frame([row("2001")])))
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        for table, written in asterisk_tables.WRITTEN.items():
            names = [c["name"] for c in sa.inspect(conn).get_columns(table)]
            assert sorted(names) == sorted(written)
            quoted = ", ".join(f'"{n}"' for n in names)
            nulls = conn.exec_driver_sql(
                f"SELECT count(*) FROM {table} WHERE " + " OR ".join(
                    f"{n} IS NULL" for n in quoted.split(", "))).scalar()
            assert nulls == 0, table
        contacts = [c["name"] for c in sa.inspect(conn).get_columns("ps_contacts")]
    eng.dispose()
    assert contacts == list(reference_columns()["ps_contacts"])


def _catalog(url: str) -> dict[str, list[tuple[object, ...]]]:
    rows = execute(url, """
        SELECT table_name, column_name, data_type, udt_name, character_maximum_length
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name LIKE 'ps\\_%'
        ORDER BY table_name, column_name""")
    out: dict[str, list[tuple[object, ...]]] = {}
    for r in rows:
        out.setdefault(str(r[0]), []).append(tuple(r[1:]))
    return out


@pytest.mark.integration
def test_created_tables_equal_the_reference_in_postgresql(
    pg_db_url: str, postgres_cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog of extctl's tables, created by a real apply, equals the migrations'."""
    ours = _apply_and_replan(pg_db_url, tmp_path, monkeypatch)
    name = f"ref_{abs(hash(pg_db_url)) % 10**8}"
    postgres_cluster.admin(f"CREATE DATABASE {name}")
    try:
        ref_url = postgres_cluster.url(name)
        eng = engine(ref_url)
        with eng.begin() as conn:
            conn.exec_driver_sql(reference_sql())
        eng.dispose()
        assert _catalog(ours) == _catalog(ref_url)
    finally:
        postgres_cluster.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


CSV = ("code,name,username,password,call_limit,allowed_ips,remote,enabled,transport\n"
       "2001,Ann Lee,ann,auto,2,10.0.0.0/8;192.168.1.0/24,false,true,udp\n"
       "2002,Bob Stone,,auto,,,true,false,tcp\n")


def _apply_and_replan(url: str, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """extctl apply, then extctl plan says "No changes." (through the CLI)."""
    runner = CliRunner()
    with monkeypatch.context() as patch:
        patch.chdir(workdir)
        Path("extensions.csv").write_text(CSV)
        Path("extctl.toml").write_text(
            f'[targets.ast]\nkind = "asterisk"\nurl = "{url}"\ndefault = true\n')
        applied = runner.invoke(cli, ["apply", "--yes"], catch_exceptions=False)
        assert applied.exit_code == 0, applied.output
        assert "2 created" in applied.output
        again = runner.invoke(cli, ["plan"], catch_exceptions=False)
        assert again.exit_code == 0, again.output
        assert again.output.splitlines()[-1] == "No changes.", again.output
        # a second round trip: an update through the same tables converges too
        Path("extensions.csv").write_text(CSV.replace("Bob Stone,,auto,,,true,false",
                                                      "Bob Stone,,auto,3,,true,true"))
        updated = runner.invoke(cli, ["apply", "--yes"], catch_exceptions=False)
        assert updated.exit_code == 0, updated.output
        final = runner.invoke(cli, ["plan"], catch_exceptions=False)
        assert final.output.splitlines()[-1] == "No changes.", final.output
    return url


@pytest.mark.integration
def test_apply_read_replan_on_the_reference_tables(
    pg_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eng = engine(pg_db_url)
    with eng.begin() as conn:
        conn.exec_driver_sql(reference_sql())
    eng.dispose()
    _apply_and_replan(pg_db_url, tmp_path, monkeypatch)
    # the values extctl wrote are ones the enum columns hold (PostgreSQL would
    # have refused others); read back as Asterisk's yes/no and auth types
    rows = execute(pg_db_url, "SELECT o.id, o.max_contacts, o.remove_existing::text, "
                              "a.auth_type::text, a.username FROM ps_aors o "
                              "JOIN ps_auths a ON a.id = o.id ORDER BY o.id")
    assert rows == [("2001", 1, "yes", "userpass", "ann"), ("2002", 1, "yes", "userpass", "2002")]
    # what Asterisk writes for a registration fits the table extctl works with
    execute(pg_db_url, "INSERT INTO ps_contacts (id, uri, expiration_time, endpoint, "
                       "prune_on_boot, qualify_2xx_only, authenticate_qualify) VALUES "
                       "('2001;@abc', 'sip:2001@127.0.0.1:5062', 1900000000, '2001', "
                       "'no', 'no', 'no')")
    assert execute(pg_db_url, "SELECT endpoint FROM ps_contacts") == [("2001",)]
