"""Shared plumbing for the SQL targets: engine, error mapping, lock, staleness.

Every target here applies a plan in ONE transaction: lock, re-read the state,
compare it with the state the plan was made against, write, commit. Anything
the database says goes through `translate()` so a user only ever sees one
line, and never the password that was in the URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from extctl.errors import StalePlan, TargetError
from pbx import dburl, sqlite_read
from pbx.base import STATE_COLUMNS, changed_codes, fingerprint, state_digests

if TYPE_CHECKING:
    import pandas as pd

    from extctl.policy import TargetConfig
    from pbx.base import ApplyRequest

# pg_advisory_xact_lock key: any fixed 64-bit number, shared by every extctl.
PG_LOCK_KEY = 0x657874_63746C  # "extctl"
MYSQL_LOCK_NAME = "extctl-apply"
DEFAULT_BUSY_SECONDS = 60
STALE_NAMED = 20
_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql",
            "mariadb": "mysql+pymysql"}
MYSQL_DIALECTS = ("mysql", "mariadb")  # mariadb+pymysql:// keeps the name "mariadb"
# Table options for the tables extctl creates on MySQL/MariaDB (ignored elsewhere):
# InnoDB, or nothing is transactional; utf8mb4, or a latin1 server default
# rejects names outside Latin-1; a binary collation, so keys compare exactly
# as on SQLite/PostgreSQL (no case folding, no trailing-space padding).
MYSQL_TABLE: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
               "mysql_collate": "utf8mb4_bin"}

metadata = sa.MetaData()
# extctl's own record of what it manages, plus CSV columns the PBX cannot hold.
managed = sa.Table(
    "extctl_managed", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, server_default=""),
    sa.Column("password_source", sa.String(16), nullable=False, server_default="auto"),
    sa.Column("password_rotated", sa.String(10), nullable=False, server_default=""),
    sa.Column("remote", sa.String(5), nullable=False, server_default="false"),
    sa.Column("team", sa.String(64), nullable=False, server_default=""),
    sa.Column("owner", sa.String(254), nullable=False, server_default=""),
    sa.Column("high_risk", sa.String(5), nullable=False, server_default="false"),
    sa.Column("notes", sa.String(255), nullable=False, server_default=""),
    sa.Column("updated_at", sa.String(32), nullable=False, server_default=""),
    **MYSQL_TABLE,
)
MANAGED_FIELDS = ("username", "password_source", "password_rotated", "remote", "team", "owner",
                  "high_risk", "notes")


@dataclass(frozen=True)
class Database:
    """One target's database: the parsed URL and how to talk to it."""

    name: str
    url: URL
    shown: str  # scheme://host:port/database only (pbx/dburl.py), for messages
    secrets: tuple[str, ...]  # password and query values, scrubbed from driver text

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> Path | None:
        if self.dialect != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        return Path(str(self.url.database))

    def fail(self, what: str, exc: BaseException | None = None) -> TargetError:
        detail = ""
        if exc is not None:
            orig = getattr(exc, "orig", None) or exc
            lines = [ln.strip() for ln in str(orig).splitlines() if ln.strip()]
            detail = f": {lines[0]}" if lines else ""
            # PostgreSQL names the clashing key on a DETAIL line: keys here are
            # codes, usernames and domains (never a password), and they let the
            # message name the CSV row (plan/apply.py). Other DETAIL lines
            # ("Failing row contains ...") may hold a secret and stay out.
            detail += "".join(f" ({ln.removeprefix('DETAIL:').strip()})" for ln in lines[1:]
                              if ln.removeprefix("DETAIL:").strip().startswith("Key ("))
        # The driver's text may quote what it was given; ours never holds a secret.
        detail = dburl.scrub(detail, self.secrets)
        return TargetError(f"target {self.name!r} ({self.shown}): {what}{detail}")


def database(config: TargetConfig) -> Database:
    """Parse the target URL; a wrong scheme is a TargetError naming the known ones."""
    url = dburl.parse_url(config.name, config.url)
    shown = dburl.shown_url(url)
    backend, _, driver = url.drivername.partition("+")
    if backend not in _DRIVERS:
        raise TargetError(
            f"target {config.name!r}: unsupported URL scheme {url.drivername!r} in {shown} "
            f"(use one of: {', '.join(sorted(_DRIVERS))})"
        )
    if not driver:  # postgresql:// means psycopg 3, the one driver we depend on
        url = url.set(drivername=_DRIVERS[backend])
    return Database(config.name, url, shown, dburl.url_secrets(url))


def engine(db: Database, busy_seconds: int = DEFAULT_BUSY_SECONDS) -> Engine:
    try:
        if db.dialect == "sqlite":
            # isolation_level None: the driver issues no BEGIN of its own, so our
            # explicit BEGIN / BEGIN IMMEDIATE decides the lock (see transaction()).
            return sa.create_engine(
                db.url, poolclass=NullPool,
                connect_args={"timeout": busy_seconds, "isolation_level": None},
            )
        args: dict[str, Any] = {"connect_timeout": 10} if db.dialect == "postgresql" else {}
        return sa.create_engine(db.url, poolclass=NullPool, connect_args=args)
    except (NoSuchModuleError, ImportError) as exc:
        extra = "mysql" if db.dialect in MYSQL_DIALECTS else "postgres"
        raise db.fail(f"the database driver is not installed (pip install 'extctl[{extra}]')",
                      exc) from None


@contextmanager
def transaction(db: Database, eng: Engine, *, write: bool,
                busy_seconds: int = DEFAULT_BUSY_SECONDS) -> Iterator[Connection]:
    """One transaction; for `write`, holding the target's apply lock from the start.

    SQLite: BEGIN IMMEDIATE takes the write lock now, and a second apply waits
    up to the busy timeout. PostgreSQL: a transaction-scoped advisory lock,
    released by COMMIT/ROLLBACK or when the session dies (SIGKILL included).
    MySQL/MariaDB: GET_LOCK, waiting up to `busy_seconds`; a session lock (the
    server has no transaction-scoped one), released after COMMIT/ROLLBACK and
    likewise when the session dies.
    """
    try:
        with eng.connect() as conn:
            if db.dialect == "sqlite":
                # a bigger page cache (256 MB cap, only used as needed) keeps the index
                # b-trees of a 10^5-row apply in memory until COMMIT
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                if write and db.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})
                elif write and db.dialect in MYSQL_DIALECTS:
                    got = conn.execute(sa.text("SELECT GET_LOCK(:n, :t)"),
                                       {"n": MYSQL_LOCK_NAME, "t": busy_seconds}).scalar()
                    if got != 1:
                        raise db.fail("another apply holds the lock; try again later")
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                if write and db.dialect in MYSQL_DIALECTS:
                    conn.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": MYSQL_LOCK_NAME})
    except (DBAPIError, SQLAlchemyError) as exc:
        raise translate(db, exc) from None
    except eng.dialect.loaded_dbapi.Error as exc:  # raised by the raw-cursor bulk paths
        raise translate(db, exc) from None


def translate(db: Database, exc: BaseException) -> TargetError:
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "lock wait timeout" in text:
        return db.fail("the database is locked by another writer (another apply running?); "
                       "try again later", exc)
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or type(
        exc
    ).__name__ in ("OperationalError", "InterfaceError"):
        return db.fail("cannot connect to or use the database; check the URL and that it is "
                       "running", exc)
    return db.fail("database error", exc)


def table_names(conn: Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


def read_frame(conn: Connection, sql: str, params: Mapping[str, Any] | None = None
               ) -> pd.DataFrame:
    """A query as a DataFrame of strings ("" for NULL), without per-row Python."""
    import pandas as pd

    # The raw DBAPI cursor on the transaction's connection: SQLAlchemy Row objects
    # cost ~3 us each, which is seconds at 10^6 rows. Parameters are rendered as
    # dialect-quoted literals so no paramstyle differences leak in here.
    stmt = sa.text(sql).bindparams(**dict(params or {}))
    text = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        fast = sqlite_read.columns(cursor, text) if conn.dialect.name == "sqlite" else None
        if fast is not None:
            return fast
        cursor.execute(text)
        names = [d[0] for d in cursor.description]
        frame = pd.DataFrame(cursor.fetchall(), columns=names, dtype=object)
    finally:
        cursor.close()
    return frame.fillna("").astype(str)


def read_managed(conn: Connection) -> pd.DataFrame:
    return read_frame(conn, f"SELECT code, {', '.join(MANAGED_FIELDS)} FROM extctl_managed")


def empty_state() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype=object) for c in STATE_COLUMNS})


def finish_state(frame: pd.DataFrame, meta: pd.DataFrame, missing_all: str = "") -> pd.DataFrame:
    """Merge extctl_managed into the PBX rows; unmanaged rows get the CSV defaults.

    A code extctl_managed records but the PBX holds nothing of is still an
    extension of the state, with `repair` = `missing_all` (the target's words
    for "every table's row is gone"): the plan then rewrites it whole, or
    deletes the leftover bookkeeping, instead of an apply failing on it.
    """
    import pandas as pd

    if "repair" not in frame.columns:
        frame = frame.assign(repair="")
    if missing_all and len(meta):
        orphan = meta.loc[~isin(meta["code"], frame["code"].astype(str)).to_numpy(),
                          ["code", "username"]]
        if len(orphan):  # few rows: only extensions deleted by hand
            frame = pd.concat([frame, orphan.assign(password="", repair=missing_all)],
                              ignore_index=True)
    meta = meta.rename(columns={"username": "_managed_username"})
    out = frame.merge(meta, on="code", how="left", indicator="_m")
    out["managed"] = (out["_m"] == "both").map({True: "true", False: "false"})
    defaults = {"password_source": "", "password_rotated": "", "remote": "false", "team": "",
                "owner": "", "high_risk": "false", "notes": "", "repair": ""}
    for col, value in defaults.items():
        out[col] = out[col].fillna(value)
    out["username"] = out["username"].fillna("")
    out["username"] = out["username"].where(out["username"] != "", out["code"])
    out = out.drop_duplicates("code").sort_values("code", kind="stable")
    return out.loc[:, list(STATE_COLUMNS)].fillna("").astype(str).reset_index(drop=True)


def check_fresh(state: pd.DataFrame, request: ApplyRequest) -> None:
    """StalePlan naming the codes that changed since the plan read the PBX."""
    now = state_digests(state, request.digest_key)
    saved = dict(request.plan.state_digests)
    changed = changed_codes(saved, {str(c): str(d) for c, d in now.items()})
    if not changed and (not request.plan.fingerprint
                        or request.plan.fingerprint == fingerprint(now)):
        return
    named = ", ".join(changed[:STALE_NAMED])
    more = f" and {len(changed) - STALE_NAMED} more" if len(changed) > STALE_NAMED else ""
    what = f"extensions changed: {named}{more}" if changed else "its state changed"
    raise StalePlan(
        f"the plan is stale: the PBX changed since it was made ({what}); run extctl plan again"
    )


def managed_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """extctl_managed rows for the desired rows (username resolved, password kind)."""
    frame = rows.loc[:, ["code", *MANAGED_FIELDS[2:]]].copy()
    frame["username"] = rows["username"]
    frame["password_source"] = password_source(rows["password"])
    frame["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame


def isin(column: pd.Series, values: Iterable[str]) -> pd.Series:
    """column.isin(values) as a pyarrow hash lookup.

    pandas' isin on arrow-backed strings converts every value of the set in
    Python (~8 us each: seconds for 10^5 codes)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = pa.array(column.astype(str), type=pa.large_string())
    found = pc.is_in(keys, value_set=pa.array(list(values), type=pa.large_string()))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=column.index, dtype=bool)


def password_source(passwords: pd.Series) -> pd.Series:
    import pandas as pd

    from schema.derive import auto_mask

    auto = pd.Series(auto_mask(passwords), index=passwords.index)
    return auto.map({True: "auto", False: "literal"})


def _marker(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def bulk(conn: Connection, sql_text: str, frame: pd.DataFrame, chunk: int = 100_000) -> None:
    """executemany on the raw DBAPI cursor, tuples built column-wise.

    SQLAlchemy's per-parameter-set processing costs ~15 us a row, most of a
    100,000-extension apply; the statements here are fixed text with `?`
    markers (rewritten to the driver's paramstyle) and plain string values.
    """
    if frame.empty:
        return
    text = sql_text.replace("?", _marker(conn))
    columns = [frame[c].tolist() for c in frame.columns]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(frame), chunk):
            cursor.executemany(text, list(zip(*(c[start:start + chunk] for c in columns),
                                              strict=True)))
    finally:
        cursor.close()


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c) for c in frame.columns)
    if conn.dialect.name == "postgresql" and not frame.empty:
        _copy_in(conn, f"COPY {quote(table)} ({cols}) FROM STDIN WITH (FORMAT csv)", frame)
        return
    marks = ", ".join("?" for _ in frame.columns)
    bulk(conn, f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})", frame)


def _copy_in(conn: Connection, statement: str, frame: pd.DataFrame) -> None:
    """PostgreSQL COPY of the frame as CSV: several times faster than executemany.

    Every field is quoted, so an empty string stays '' (unquoted would be NULL).
    """
    import csv

    body = frame.to_csv(index=False, header=False, quoting=csv.QUOTE_ALL, lineterminator="\n")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            copy.write(body.encode("utf-8"))
    finally:
        cursor.close()


def bulk_delete(conn: Connection, table: str, frame: pd.DataFrame, extra: str = "") -> None:
    """DELETE FROM table WHERE col = ? AND ... for each row of `frame` (text columns)."""
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "postgresql":
        # one statement per chunk: the keys travel as arrays, not as 10^5 statements
        keys = ", ".join(quote(c) for c in frame.columns)
        arrays = ", ".join("%s::text[]" for _ in frame.columns)
        text = (f"DELETE FROM {quote(table)} WHERE ({keys}) IN "
                f"(SELECT * FROM unnest({arrays})){extra}")
        if len(frame.columns) == 1:
            # One key: `= ANY` is a hashed array lookup whatever the statistics.
            # The IN (unnest) join picked a nested loop on Asterisk's 147-column
            # ps_endpoints before its first ANALYZE: 100 s for 20,000 rows.
            text = f"DELETE FROM {quote(table)} WHERE {keys} = ANY(%s::text[]){extra}"
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(frame), 100_000):
                part = frame.iloc[start:start + 100_000]
                cursor.execute(text, [part[c].astype(str).tolist() for c in part.columns])
        finally:
            cursor.close()
        return
    if conn.dialect.name in MYSQL_DIALECTS:
        _delete_in_chunks(conn, f"DELETE FROM {quote(table)} WHERE ", frame, extra)
        return
    where = " AND ".join(f"{quote(c)} = ?" for c in frame.columns)
    bulk(conn, f"DELETE FROM {quote(table)} WHERE {where}{extra}", frame)


def _delete_in_chunks(conn: Connection, head: str, frame: pd.DataFrame, extra: str,
                      chunk: int = 2000) -> None:
    """MySQL/MariaDB: one DELETE per `chunk` keys (col IN (...) / OR of ANDs).

    The drivers run executemany of a DELETE as one round trip per row: ~200 us
    each, 16 s to rewrite 20,000 Asterisk extensions; this is ~0.3 s.
    """
    if frame.empty:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = [frame[c].astype(str).tolist() for c in frame.columns]
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(frame), chunk):
            keys = [c[start:start + chunk] for c in columns]
            n = len(keys[0])
            if len(keys) == 1:
                where = f"{quote(frame.columns[0])} IN ({', '.join(['%s'] * n)})"
                params = keys[0]
            else:
                one = " AND ".join(f"{quote(c)} = %s" for c in frame.columns)
                where = " OR ".join([f"({one})"] * n)
                params = [v for row in zip(*keys, strict=True) for v in row]
            cursor.execute(f"{head}({where}){extra}", params)
    finally:
        cursor.close()


def desired_rows(request: ApplyRequest) -> pd.DataFrame:
    """request.rows as strings with a `code` column and the username resolved."""
    rows = request.rows
    if "code" not in rows.columns:
        rows = rows.rename_axis("code").reset_index()
    rows = rows.reset_index(drop=True).fillna("").astype(str)
    for col, value in {"username": "", "password": "auto", "call_limit": "", "dnd": "false",
                       "forward_number": "", "allowed_ips": "", "remote": "false",
                       "enabled": "true", "team": "", "owner": "", "high_risk": "false",
                       "password_rotated": "", "transport": "udp", "notes": "",
                       "name": ""}.items():
        if col not in rows.columns:
            rows[col] = value
    rows["username"] = rows["username"].where(rows["username"] != "", rows["code"])
    rows["transport"] = rows["transport"].where(rows["transport"] != "", "udp")
    return rows


def new_passwords(rows: pd.DataFrame, state: pd.DataFrame, secrets: Mapping[str, str],
                  generate: Callable[[], str]) -> pd.Series:
    """The password each desired row ends up with on the PBX.

    A secret from the request wins; otherwise the PBX keeps the one it has; a
    new extension without a secret gets its literal, or a generated one.
    """
    import pandas as pd

    current = state.set_index("code")["password"] if not state.empty else pd.Series(dtype=object)
    given = rows["code"].map(dict(secrets)).astype(object)
    kept = rows["code"].map(current).astype(object)
    # where(), not fillna(): object columns, no dtype inference (pandas
    # deprecates fillna's silent downcasting).
    out = given.where(given.notna(), kept)
    missing = out.isna()
    if missing.any():  # few rows: only creates without a secret
        from schema.derive import auto_mask

        literal = rows["password"].where(~auto_mask(rows["password"]))
        out = out.where(out.notna(), literal)
        gaps = out.isna()
        out = out.where(~gaps, pd.Series([generate() if g else "" for g in gaps.tolist()],
                                         index=out.index))
    return out.astype(str)


def action_codes(request: ApplyRequest) -> tuple[list[str], list[str], list[str]]:
    """(deletes, creates, updates incl. disable/enable), each sorted by code."""
    deletes = sorted(c.code for c in request.plan.changes if c.action == "delete")
    creates = sorted(c.code for c in request.plan.changes if c.action == "create")
    updates = sorted(c.code for c in request.plan.changes
                     if c.action in ("update", "disable", "enable"))
    return deletes, creates, updates


def planned_rows(db: Database, state: pd.DataFrame, request: ApplyRequest
                 ) -> tuple[list[str], list[str], pd.DataFrame]:
    """(deletes, updates) of action_codes and the desired rows to write (creates
    and updates, by code).

    Refuses, before anything is written, a plan that would delete an unmanaged
    extension or that lacks the desired row of a code it creates or updates."""
    deletes, creates, updates = action_codes(request)
    unmanaged = set(state.loc[state["managed"] != "true", "code"])
    if touched := sorted(unmanaged & set(deletes)):
        raise db.fail(f"the plan deletes unmanaged extensions {', '.join(touched[:20])}"
                      "; extctl never touches those")
    rows = desired_rows(request)
    wanted = set(creates) | set(updates)
    rows = rows[isin(rows["code"], wanted)].sort_values("code", kind="stable")
    if missing := sorted(wanted - set(rows["code"])):
        raise TargetError(f"the plan has no desired row for {', '.join(missing[:20])}")
    return deletes, updates, rows

