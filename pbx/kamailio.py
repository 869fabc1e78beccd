"""The Kamailio 5.6 target: subscriber + usr_preferences (+ extctl_managed).

Layout (shared with pbx/kamailio.cfg): one subscriber row per extension with
plaintext password, ha1 and ha1b; one usr_preferences row per attribute with
uuid = the dial code. See the README and /tmp/kamlayout.md for the contract.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa

from pbx import kamailio_drift, registrations, sql
from pbx.base import REGISTRATION_COLUMNS, SIP_BY_USERNAME, SipIdentity
from pbx.kamailio_drift import reconcile, repairs
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
# extctl's own index (Kamailio's two stay): read_state scans one attribute at a
# time from it without touching the table (see _read_prefs_by_attribute).
PREF_INDEX = ("CREATE INDEX IF NOT EXISTS extctl_usr_preferences_attr_idx ON usr_preferences "
              "(attribute, domain, uuid, value, username)")
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
    return kamailio_drift.md5_column(values)


class KamailioTarget(SqlTarget):
    kind: ClassVar[str] = "kamailio"
    supported: ClassVar[frozenset[str]] = frozenset(COLUMNS)
    required_tables: ClassVar[tuple[str, ...]] = ("version", "subscriber", "usr_preferences")
    missing_all: ClassVar[str] = "subscriber and usr_preferences missing"
    # subscriber.username is both the SIP user and the digest auth id
    sip_identity: ClassVar[SipIdentity] = SIP_BY_USERNAME

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        self.domain = config.option("domain", "pbx.local")
        # code -> the other domain it was found in by the last read (a domain change)
        self._moved: dict[str, str] = {}

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
            if dialect == "sqlite":  # new and existing databases alike
                conn.exec_driver_sql(PREF_INDEX)
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
        self._moved = {}
        return self._read_domain(conn, self.domain)

    def _read_domain(self, conn: Connection, domain: str) -> pd.DataFrame:
        if self.db.dialect == "sqlite":
            prefs = self._read_prefs_by_attribute(conn, domain)
        else:
            prefs = self._read_prefs_pivot(conn, domain)
        return self._finish_read(conn, prefs, domain)

    def _reconcile(self, conn: Connection, frame: pd.DataFrame, meta: pd.DataFrame
                   ) -> pd.DataFrame:
        return reconcile(self, conn, frame, meta)

    def _read_prefs_by_attribute(self, conn: Connection, domain: str) -> pd.DataFrame:
        """The same rows as _read_prefs_pivot, one indexed range scan per attribute.

        On SQLite the CASE pivot costs ~2.5 us per usr_preferences row (~18 s for
        10^6 extensions); PREF_INDEX makes each attribute a covering range scan.
        """
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        # pyarrow kernels on the uuid columns: pandas' isin/duplicated on arrow
        # strings go through Python objects (~10 s each at 10^6 rows).
        parts: dict[str, pd.DataFrame] = {}
        keys: dict[str, pa.Array] = {}
        increasing = True  # of the `code` uuids: already in GROUP BY uuid's order
        dups: list[pd.Series] = []
        for attr in ATTRIBUTES:
            cols = "uuid, value, username" if attr == "code" else "uuid, value"
            part = sql.read_frame(conn, f"SELECT {cols} FROM usr_preferences WHERE "
                                  f"attribute = '{attr}' AND domain = :d", {"d": domain})
            key = pa.array(part["uuid"])
            # strictly increasing (the index order) means unique; else check by hash
            strict = len(key) < 2 or pc.all(pc.less(key[:-1], key[1:])).as_py()
            if not strict and part["uuid"].duplicated().any():  # the pivot's MAX
                dups.append(part.loc[part["uuid"].duplicated(), "uuid"])
                part = part.groupby("uuid", sort=False, as_index=False).max()
                key = pa.array(part["uuid"])
            if attr == "code":
                increasing = bool(strict)
            parts[attr], keys[attr] = part, key
        base = parts["code"]
        codes = pd.Index(base["uuid"])
        same = {attr: keys[attr].equals(keys["code"]) for attr in ATTRIBUTES}
        for attr in ATTRIBUTES:
            if not same[attr] and not pc.all(pc.is_in(keys[attr],
                                                      value_set=keys["code"])).as_py():
                codes = codes.union(pd.Index(parts[attr]["uuid"]), sort=False)
        grew = len(codes) != len(base)

        def aligned(attr: str, column: str) -> pd.Series:
            if same[attr] and not grew:  # the usual case: every code has it, same order
                return parts[attr][column].reset_index(drop=True)
            values = parts[attr].set_index("uuid")[column]
            if len(values) == len(codes) and values.index.equals(codes):
                return values.reset_index(drop=True)  # the usual case: every code has it
            return values.reindex(codes).reset_index(drop=True)

        columns = {"code": pd.Series(codes), "username": aligned("code", "username")}
        columns.update({f"a_{attr}": aligned(attr, "value") for attr in ATTRIBUTES})
        frame = pd.DataFrame(columns)
        if frame["username"].isna().any():  # codes without a `code` row: any username
            names = ", ".join(f"'{a}'" for a in ATTRIBUTES)
            other = sql.read_frame(conn, f"""
                SELECT uuid, MAX(username) AS username FROM usr_preferences
                WHERE domain = :d AND attribute IN ({names}) GROUP BY uuid
                HAVING COUNT(CASE WHEN attribute = 'code' THEN 1 END) = 0""",
                {"d": domain})
            fallback = frame["code"].map(other.set_index("uuid")["username"])
            frame["username"] = frame["username"].fillna(fallback)
        frame["dups"] = "0"
        if dups:  # few rows: hand-made duplicates
            frame.loc[sql.isin(frame["code"], pd.concat(dups).tolist()).to_numpy(), "dups"] = "1"
        frame = frame.fillna("").astype(str)
        if (grew or not increasing) and not frame["code"].is_monotonic_increasing:
            # the order GROUP BY uuid gave
            frame = frame.sort_values("code", kind="stable", ignore_index=True)
        return frame

    def _read_prefs_pivot(self, conn: Connection, domain: str) -> pd.DataFrame:
        pivot = ",\n".join(
            f"MAX(CASE WHEN attribute = '{a}' THEN value END) AS a_{a}" for a in ATTRIBUTES
        )
        names = ", ".join(f"'{a}'" for a in ATTRIBUTES)
        return sql.read_frame(conn, f"""
            SELECT uuid AS code,
                   COALESCE(MAX(CASE WHEN attribute = 'code' THEN username END),
                            MAX(username)) AS username,
                   {pivot},
                   CASE WHEN COUNT(*) > COUNT(DISTINCT attribute) THEN '1' ELSE '0' END AS dups
            FROM usr_preferences WHERE domain = :d AND attribute IN ({names})
            GROUP BY uuid""", {"d": domain})

    def _finish_read(self, conn: Connection, prefs: pd.DataFrame, domain: str
                     ) -> pd.DataFrame:
        subs = sql.read_frame(
            conn, "SELECT username, password, ha1 FROM subscriber WHERE domain = :d",
            {"d": domain},
        )
        out = prefs.merge(subs, on="username", how="outer", indicator="_side")
        out["code"] = out["code"].fillna(out["username"])  # a subscriber without prefs
        out["repair"] = repairs(out, domain)
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

    def _read_registrations(self, conn: Connection) -> pd.DataFrame:
        """`location` rows joined to the extension whose `code` preference names the
        user. On SQLite Kamailio writes the times as Julian days, on PostgreSQL as
        local-time timestamps (option `timezone`, default UTC: the PBX's zone)."""
        from pbx import registrations_read as regread

        present = sql.table_names(conn)
        if "location" not in present:
            return regread.empty()
        frame = sql.read_frame(conn, "SELECT username, contact, received, user_agent, expires, "
                                     "last_modified FROM location")
        # The username -> code map read on its own and joined by hash: as one SQL
        # join, SQLite's planner picks extctl's (attribute, domain, ...) index and
        # scans every code per location row (35 s at 10^4 phones).
        if "usr_preferences" in present:
            codes = sql.read_frame(conn, "SELECT username, uuid FROM usr_preferences WHERE "
                                         "attribute = 'code' AND domain = :d",
                                   {"d": self.domain})
            lookup = codes.drop_duplicates("username").set_index("username")["uuid"]
            frame["code"] = frame["username"].map(lookup).fillna("").astype(str)
        else:
            frame["code"] = ""
        received = regread.host_of(frame["received"])
        tz = self.config.option("timezone", "UTC")
        return frame.assign(
            source_ip=received.where(received != "", regread.host_of(frame["contact"])),
            expires=regread.sql_times(frame["expires"], tz),
            last_seen=regread.sql_times(frame["last_modified"], tz),
        ).loc[:, list(REGISTRATION_COLUMNS)].reset_index(drop=True)

    # -- writing -------------------------------------------------------------
    def _delete(self, conn: Connection, old: pd.DataFrame) -> None:
        if old.empty:
            return
        import pandas as pd

        # a moved extension's rows are in the domain the read found them in
        domains = old["code"].map(self._moved).fillna(self.domain) if self._moved else (
            self.domain)
        users = pd.DataFrame({"username": old["username"], "domain": domains})
        sql.bulk_delete(conn, "subscriber", users)
        codes = pd.DataFrame({"uuid": old["code"], "domain": domains})
        # only our attributes: another tool's preferences for the user stay
        names = ", ".join(f"'{a}'" for a in ATTRIBUTES)
        sql.bulk_delete(conn, "usr_preferences", codes, f" AND attribute IN ({names})")

    def _drop_registrations(self, conn: Connection, users: pd.DataFrame) -> None:
        if "location" not in sql.table_names(conn):
            return
        # usrloc with use_domain 0 (pbx/kamailio.cfg) stores no domain; a
        # registrar compares user names ignoring case.
        domain = sa.literal(self.domain).compile(
            dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        registrations.delete_in(conn, "location", "username", users["username"].tolist(),
                      extra=f" AND (domain IS NULL OR domain = '' OR domain = {domain})",
                      fold_case=True)

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
        sql.bulk_insert(conn, "usr_preferences", self._prefs(rows, values))

    def _prefs(self, rows: pd.DataFrame, values: dict[str, pd.Series]) -> pd.DataFrame:
        """usr_preferences rows in (uuid, attribute) order, the order of Kamailio's
        usr_preferences_ua_idx: a code's attributes side by side, interleaved with
        numpy (no concat + sort of 8 frames); unset optional attributes left out."""
        import numpy as np
        import pandas as pd

        attrs = sorted(ATTRIBUTES)  # rows come sorted by code (see SqlTarget._apply)
        n = len(rows)
        grid = np.column_stack([values[a].to_numpy(dtype=object) for a in attrs]).ravel()
        keep = np.column_stack([np.full(n, True) if ATTRIBUTES[a][1]
                                else (values[a] != "").to_numpy(dtype=bool)
                                for a in attrs]).ravel()
        per_attr = len(attrs)
        return pd.DataFrame({
            "uuid": np.repeat(rows["code"].to_numpy(dtype=object), per_attr)[keep],
            "username": np.repeat(rows["username"].to_numpy(dtype=object), per_attr)[keep],
            "domain": self.domain,
            "attribute": np.tile(np.array(attrs, dtype=object), n)[keep],
            "type": np.tile(np.array([ATTRIBUTES[a][0] for a in attrs], dtype=object), n)[keep],
            "value": grid[keep],
        }, dtype=object)

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
            import pandas as pd

            from schema.derive import auto_mask

            lengths = frame["password"].str.len()
            literal = pd.Series(~auto_mask(frame["password"]), index=frame.index)
            flag(literal & (lengths > SUBSCRIBER_MAX), "password",
                 f"password is {{n}} characters; Kamailio's subscriber holds {SUBSCRIBER_MAX}")
        for column in ("name", "allowed_ips", "forward_number"):
            if column in frame.columns:
                lengths = frame[column].str.len()
                flag(lengths > PREF_VALUE_MAX, column,
                     f"{column} is {{n}} characters; a usr_preferences value holds "
                     f"{PREF_VALUE_MAX}")
        return sorted(out)
