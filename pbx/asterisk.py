"""The Asterisk target: PJSIP realtime tables (ps_endpoints, ps_auths, ps_aors).

Column names follow Asterisk's alembic scripts, so an existing realtime
database works as is; missing tables are created as those scripts make them
(pbx/asterisk_tables.py, ps_contacts included for the audit). Asterisk's
SQLite realtime driver turns NULL into '' and drops an object it cannot
parse, so every column extctl writes holds a valid value. DND and forwarding are not PJSIP
fields: the kind does not declare them supported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pbx import asterisk_drift, asterisk_tables, registrations, sql
from pbx.base import SipIdentity
from pbx.sqltarget import SqlTarget
from schema.columns import COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from extctl.policy import TargetConfig

ID_MAX, CALLERID_MAX, ACL_MAX, USERNAME_MAX, PASSWORD_MAX = 40, 40, 95, 40, 80
# deny everything, then permit the listed networks (Asterisk: the last match wins)
DENY_ALL = "0.0.0.0/0.0.0.0,::/0"
# "register from anywhere" still needs parseable ACL values (NULL would be ''):
# permit all, and a deny that matches no real source address.
PERMIT_ANY, DENY_NONE = "0.0.0.0/0.0.0.0,::/0", "0.0.0.0/32"
TRANSPORT_PREFIX = "transport-"


def callerid(names: pd.Series, codes: pd.Series) -> pd.Series:
    """`"Name" <code>`, with \\ and " escaped as Asterisk's parser expects."""
    quoted = names.str.replace("\\", "\\\\", regex=False).str.replace('"', '\\"', regex=False)
    return '"' + quoted + '" <' + codes + ">"


def name_of(callerids: pd.Series) -> pd.Series:
    inner = callerids.str.extract(r'^\s*"((?:[^"\\]|\\.)*)"', expand=False).fillna("")
    return inner.str.replace(r"\\(.)", r"\1", regex=True)


class AsteriskTarget(SqlTarget):
    kind: ClassVar[str] = "asterisk"
    supported: ClassVar[frozenset[str]] = frozenset(COLUMNS) - {"dnd", "forward_number"}
    required_tables: ClassVar[tuple[str, ...]] = ("ps_endpoints", "ps_auths", "ps_aors")
    missing_all: ClassVar[str] = "ps_endpoints, ps_auths and ps_aors missing"
    # The endpoint id is the code and PJSIP identifies endpoints by From user:
    # the phone registers as the code; the username is only ps_auths.username.
    sip_identity: ClassVar[SipIdentity] = SipIdentity(user="code", auth="username")

    def __init__(self, config: TargetConfig) -> None:
        super().__init__(config)
        self.context = config.option("context", "from-internal")

    def _create_schema(self, conn: Connection) -> None:
        asterisk_tables.metadata_for(conn.dialect.name).create_all(conn, checkfirst=True)
        sql.managed.create(conn, checkfirst=True)

    def _read(self, conn: Connection) -> pd.DataFrame:
        frame = sql.read_frame(conn, """
            SELECT e.id AS code, e.callerid, e.transport AS e_transport, e.permit, e.deny,
                   e.device_state_busy_at AS busy, e.context, e.auth, e.aors,
                   a.id AS a_id, a.auth_type, a.username, a.password,
                   o.id AS o_id, o.max_contacts, o.remove_existing
            FROM ps_endpoints e
            LEFT JOIN ps_auths a ON a.id = e.auth
            LEFT JOIN ps_aors o ON o.id = e.aors""")
        frame = asterisk_drift.with_orphans(conn, frame)
        busy = frame["busy"].where(~frame["busy"].isin(["", "0"]), "")
        transport = frame["e_transport"].str.removeprefix(TRANSPORT_PREFIX)
        permit = frame["permit"].where(frame["permit"] != PERMIT_ANY, "")
        return frame.assign(
            name=name_of(frame["callerid"]),
            call_limit=busy,
            dnd="false", forward_number="",
            allowed_ips=permit.str.replace(",", ";", regex=False),
            # a disabled extension keeps its rows but may hold no contact
            enabled=(frame["max_contacts"] != "0").map({True: "true", False: "false"}),
            transport=transport.where(transport != "", "udp"),
            repair=asterisk_drift.repairs(frame, self.context),
        )

    def _drop_registrations(self, conn: Connection, users: pd.DataFrame) -> None:
        if "ps_contacts" in sql.table_names(conn):
            # a contact names its endpoint; its id starts with the AOR (= the code)
            registrations.delete_in(conn, "ps_contacts", "endpoint", users["code"].tolist())
    def _read_registrations(self, conn: Connection) -> pd.DataFrame:
        """`ps_contacts` rows as Asterisk's realtime writes them: id "AOR;@hash",
        expiration_time epoch seconds (text on SQLite). Only columns every
        Asterisk since 13 has are read; the AOR is the code (one AOR per
        endpoint here). Asterisk records no registration time: last_seen is NaT."""
        from pbx import registrations_read as regread

        present = sql.table_names(conn)
        if "ps_contacts" not in present:
            return regread.empty()
        # substr/instr are spelled differently per dialect: split the id in pandas
        frame = sql.read_frame(conn, "SELECT id, uri, expiration_time, user_agent "
                                     "FROM ps_contacts")
        aor = frame["id"].str.split(";@", n=1).str[0]
        if {"ps_endpoints", "ps_auths"} <= present:
            ends = sql.read_frame(conn, "SELECT e.id AS code, a.username FROM ps_endpoints e "
                                        "LEFT JOIN ps_auths a ON a.id = e.auth")
            lookup = ends.drop_duplicates("code").set_index("code")["username"]
        else:
            lookup = frame.iloc[:0].set_index("id")["uri"]
        known = aor.isin(lookup.index)
        code = aor.where(known, "")
        username = aor.map(lookup).fillna("")
        import pandas as pd

        return pd.DataFrame({
            "code": code.astype(str), "username": username.astype(str).where(
                username != "", aor.astype(str)),
            "contact": frame["uri"], "source_ip": regread.host_of(frame["uri"]),
            "user_agent": frame["user_agent"],
            "expires": regread.epoch_times(frame["expiration_time"]),
            "last_seen": pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]"),
        }).reset_index(drop=True)

    def _delete(self, conn: Connection, old: pd.DataFrame) -> None:
        import pandas as pd

        ids = pd.DataFrame({"id": old["code"]})
        # an adopted endpoint may point at an auth/aor of another name: that row
        # goes too (unless another endpoint still uses it), or it would be left
        # behind as an orphan the next read reports
        other = asterisk_drift.foreign_refs(conn, old["code"])
        for table in ("ps_endpoints", "ps_auths", "ps_aors"):
            sql.bulk_delete(conn, table, ids)
        for table, names in other.items():
            if names:
                sql.bulk_delete(conn, table, pd.DataFrame({"id": names}))

    def _insert(self, conn: Connection, rows: pd.DataFrame, passwords: pd.Series) -> None:
        import pandas as pd

        code = rows["code"]
        ips = rows["allowed_ips"].str.replace(";", ",", regex=False)
        has_ips = ips != ""
        enabled = rows["enabled"] == "true"
        sql.bulk_insert(conn, "ps_endpoints", pd.DataFrame({
            "id": code, "transport": TRANSPORT_PREFIX + rows["transport"], "aors": code,
            "auth": code, "context": self.context, "disallow": "all", "allow": "ulaw,alaw",
            "callerid": callerid(rows["name"], code),
            "deny": has_ips.map({True: DENY_ALL, False: DENY_NONE}),
            "permit": ips.where(has_ips, PERMIT_ANY),
            "device_state_busy_at": pd.to_numeric(rows["call_limit"].replace("", "0")).astype(
                "int64").tolist(),
        }))
        sql.bulk_insert(conn, "ps_auths", pd.DataFrame({
            "id": code, "auth_type": "userpass", "password": passwords,
            "username": rows["username"],
        }))
        sql.bulk_insert(conn, "ps_aors", pd.DataFrame({
            "id": code,
            "max_contacts": enabled.map({True: 1, False: 0}).astype("int64").tolist(),
            # one contact, and a re-registration from a new port replaces it
            "remove_existing": enabled.map({True: "yes", False: "no"}),
        }))
        asterisk_tables.analyze_after_bulk(conn, len(rows))

    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]:
        frame = rows if "code" in rows.columns else rows.rename_axis("code").reset_index()
        frame = frame.fillna("").astype(str)
        out: list[tuple[str, str, str]] = []
        code = frame["code"]

        def flag(lengths: pd.Series, limit: int, column: str, what: str) -> None:
            over = lengths > limit
            for c, n in zip(code[over].tolist(), lengths[over].tolist(), strict=True):
                out.append((c, column, f"{what} would be {n} characters; Asterisk stores "
                                       f"at most {limit}"))

        flag(code.str.len(), ID_MAX, "code", "the endpoint id")
        if "name" in frame.columns:
            flag(callerid(frame["name"], code).str.len(), CALLERID_MAX, "name",
                 'the callerid "Name" <code>')
        if "allowed_ips" in frame.columns:
            flag(frame["allowed_ips"].str.len(), ACL_MAX, "allowed_ips", "the permit list")
        if "username" in frame.columns:
            user = frame["username"].where(frame["username"] != "", code)
            flag(user.str.len(), USERNAME_MAX, "username", "the auth username")
        if "password" in frame.columns:
            from schema.derive import auto_mask

            literal = frame["password"].where(~auto_mask(frame["password"]), "")
            flag(literal.str.len(), PASSWORD_MAX, "password", "the password")
        return sorted(out)
