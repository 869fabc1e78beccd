"""The Kamailio 5.6 target: subscriber + usr_preferences (+ extctl_managed).

Layout (shared with pbx/kamailio.cfg): one subscriber row per extension with
plaintext password, ha1 and ha1b; one usr_preferences row per attribute with
uuid = the dial code. See the README and /tmp/kamlayout.md for the contract.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa

from pbx import sql
from pbx.sqltarget import SqlTarget
from schema.columns import COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from extctl.policy import TargetConfig

# Kamailio 5.6 table versions; the modules refuse to start on any other.
VERSIONS = {"version": 1, "subscriber": 7, "usr_preferences": 2, "location": 9,
            "location_attrs": 1}
# attribute -> (type: 0 string / 1 integer, always written?)
ATTRIBUTES: dict[str, tuple[int, bool]] = {
    "code": (0, True), "name": (0, True), "enabled": (1, True), "dnd": (1, True),
    "fwd": (0, False), "call_limit": (1, False), "allowed_ips": (0, False),
    "transport": (0, True),
}
SUBSCRIBER_MAX = 64  # username and password are VARCHAR(64)
PREF_VALUE_MAX = 128

_TABLE_OF = re.compile(
    r"^(?:CREATE TABLE (\w+)|CREATE INDEX \w+ ON (\w+)|"
    r"INSERT INTO version .* values \('(\w+)')", re.IGNORECASE | re.DOTALL,
)


def ddl(dialect: str) -> list[tuple[str, str]]:
    """(table, statement) from the shipped copy of Kamailio's DDL for `dialect`."""
    name = {"sqlite": "kamailio-sqlite.sql", "postgresql": "kamailio-postgres.sql"}[dialect]
    text = resources.files("pbx").joinpath("sql", name).read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    out = []
    for stmt in (s.strip() for s in body.split(";")):
        if stmt:
            m = _TABLE_OF.match(stmt)
            if m is None:
                raise ValueError(f"unexpected statement in {name}: {stmt[:60]}")
            out.append((next(g for g in m.groups() if g), stmt))
    return out


def md5_column(values: pd.Series) -> list[str]:
    # hashlib per value: there is no vectorised MD5, and 10^6 digests take ~1 s.
    return [hashlib.md5(v.encode()).hexdigest() for v in values.tolist()]


class KamailioTarget(SqlTarget):
    kind: ClassVar[str] = "kamailio"
    supported: ClassVar[frozenset[str]] = frozenset(COLUMNS)
    required_tables: ClassVar[tuple[str, ...]] = ("version", "subscriber", "usr_preferences")

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        self.domain = config.option("domain", "pbx.local")

    # -- schema --------------------------------------------------------------
    def _create_schema(self, conn: Connection) -> None:
        present = sql.table_names(conn)
        dialect = self.db.dialect
        if dialect not in ("sqlite", "postgresql"):
            if not set(VERSIONS) <= present:
                raise self.db.fail("the Kamailio tables are missing; create them with "
                                   "kamdbctl create, then apply again")
        else:
            for table, stmt in ddl(dialect):
                if table not in present:
                    conn.exec_driver_sql(stmt)
        sql.managed.create(conn, checkfirst=True)

    def _check_versions(self, conn: Connection) -> None:
        rows = conn.execute(sa.text("SELECT table_name, table_version FROM version")).all()
        found = {str(name): int(ver) for name, ver in rows}
        for table, want in VERSIONS.items():
            if table in found and found[table] != want:
                raise self.db.fail(
                    f"table {table} has schema version {found[table]}, extctl writes version "
                    f"{want} (Kamailio 5.6); migrate the database first"
                )

    # -- reading -------------------------------------------------------------
    def _read(self, conn: Connection) -> pd.DataFrame:
        pivot = ",\n".join(
            f"MAX(CASE WHEN attribute = '{a}' THEN value END) AS a_{a}" for a in ATTRIBUTES
        )
        names = ", ".join(f"'{a}'" for a in ATTRIBUTES)
        prefs = sql.read_frame(conn, f"""
            SELECT uuid AS code,
                   COALESCE(MAX(CASE WHEN attribute = 'code' THEN username END),
                            MAX(username)) AS username,
                   {pivot}
            FROM usr_preferences WHERE domain = :d AND attribute IN ({names})
            GROUP BY uuid""", {"d": self.domain})
        subs = sql.read_frame(
            conn, "SELECT username, password FROM subscriber WHERE domain = :d",
            {"d": self.domain},
        )
        out = prefs.merge(subs, on="username", how="outer")
        out["code"] = out["code"].fillna(out["username"])  # a subscriber without prefs
        out = out.fillna("")
        return out.assign(
            name=out["a_name"],
            call_limit=out["a_call_limit"],
            dnd=(out["a_dnd"] == "1").map({True: "true", False: "false"}),
            forward_number=out["a_fwd"],
            allowed_ips=out["a_allowed_ips"].str.replace(",", ";", regex=False),
            enabled=(out["a_enabled"] != "0").map({True: "true", False: "false"}),
            transport=out["a_transport"].where(out["a_transport"] != "", "udp"),
        )

    # -- writing -------------------------------------------------------------
    def _delete(self, conn: Connection, old: pd.DataFrame) -> None:
        if old.empty:
            return
        import pandas as pd

        users = pd.DataFrame({"username": old["username"], "domain": self.domain})
        sql.bulk_delete(conn, "subscriber", users)
        codes = pd.DataFrame({"uuid": old["code"], "domain": self.domain})
        # only our attributes: another tool's preferences for the user stay
        names = ", ".join(f"'{a}'" for a in ATTRIBUTES)
        sql.bulk_delete(conn, "usr_preferences", codes, f" AND attribute IN ({names})")

    def _insert(self, conn: Connection, rows: pd.DataFrame, passwords: pd.Series) -> None:
        import pandas as pd

        user, dom = rows["username"], self.domain
        subs = pd.DataFrame({
            "username": user, "domain": dom, "password": passwords,
            "ha1": md5_column(user + f":{dom}:" + passwords),
            "ha1b": md5_column(user + f"@{dom}:{dom}:" + passwords),
        })
        sql.bulk_insert(conn, "subscriber", subs)
        values = {
            "code": rows["code"], "name": rows["name"],
            "enabled": (rows["enabled"] == "true").map({True: "1", False: "0"}),
            "dnd": (rows["dnd"] == "true").map({True: "1", False: "0"}),
            "fwd": rows["forward_number"], "call_limit": rows["call_limit"],
            "allowed_ips": rows["allowed_ips"].str.replace(";", ",", regex=False),
            "transport": rows["transport"],
        }
        parts = []
        for attr, (kind, always) in ATTRIBUTES.items():
            part = pd.DataFrame({"uuid": rows["code"], "username": user, "domain": dom,
                                 "attribute": attr, "type": kind, "value": values[attr]})
            parts.append(part if always else part[part["value"] != ""])
        prefs = pd.concat(parts, ignore_index=True).sort_values(["uuid", "attribute"])
        sql.bulk_insert(conn, "usr_preferences", prefs)

    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]:

        frame = rows if "code" in rows.columns else rows.rename_axis("code").reset_index()
        frame = frame.fillna("").astype(str)
        out: list[tuple[str, str, str]] = []

        def flag(mask: pd.Series, column: str, message: str) -> None:
            for code, length in zip(frame.loc[mask, "code"], lengths[mask], strict=True):
                out.append((code, column, message.format(n=length)))

        if "username" in frame.columns:
            lengths = frame["username"].str.len()
            flag(lengths > SUBSCRIBER_MAX, "username",
                 f"username is {{n}} characters; Kamailio's subscriber holds {SUBSCRIBER_MAX}")
        if "password" in frame.columns:
            lengths = frame["password"].str.len()
            literal = ~frame["password"].isin(["", "auto"])
            flag(literal & (lengths > SUBSCRIBER_MAX), "password",
                 f"password is {{n}} characters; Kamailio's subscriber holds {SUBSCRIBER_MAX}")
        for column in ("name", "allowed_ips", "forward_number"):
            if column in frame.columns:
                lengths = frame[column].str.len()
                flag(lengths > PREF_VALUE_MAX, column,
                     f"{column} is {{n}} characters; a usr_preferences value holds "
                     f"{PREF_VALUE_MAX}")
        return sorted(out)
