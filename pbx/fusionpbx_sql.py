"""SQL of the FusionPBX target: the domain, reading v_extensions, writing it.

Every statement is one set operation, never a statement per row: new rows
are COPYed straight into v_extensions and extctl_managed, existing ones are
COPYed into a temp table and changed by one UPDATE ... FROM.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from pbx import sql

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

# What FusionPBX's extension form sets on a new extension, for the columns
# extctl does not map (so the UI shows a normal extension).
NEW_DEFAULTS: dict[str, str] = {
    "directory_visible": "true", "directory_exten_visible": "true",
    "call_screen_enabled": "false", "forward_busy_enabled": "false",
    "forward_no_answer_enabled": "false", "forward_user_not_registered_enabled": "false",
    "follow_me_enabled": "false", "call_timeout": "30", "limit_destination": "error/user_busy",
    "extension_type": "default",
}
NAME_MAX = 64
MANAGED_DDL = """
CREATE TABLE IF NOT EXISTS extctl_managed (
  domain_uuid uuid NOT NULL,
  extension_uuid uuid NOT NULL UNIQUE,
  code text NOT NULL,
  username text NOT NULL DEFAULT '',
  password_source text NOT NULL DEFAULT 'auto',
  password_rotated text NOT NULL DEFAULT '',
  remote text NOT NULL DEFAULT 'false',
  team text NOT NULL DEFAULT '',
  owner text NOT NULL DEFAULT '',
  high_risk text NOT NULL DEFAULT 'false',
  notes text NOT NULL DEFAULT '',
  updated_at text NOT NULL DEFAULT '',
  PRIMARY KEY (domain_uuid, code))"""


def domain_uuid(conn: Connection, db: sql.Database, domain: str) -> str:
    """The uuid of the enabled v_domains row named `domain`; TargetError otherwise."""
    present = sql.table_names(conn)
    if not {"v_domains", "v_extensions"} <= present:
        raise db.fail("this is not a FusionPBX database (no v_domains / v_extensions table); "
                      "point url at FusionPBX's PostgreSQL database")
    found = sql.read_frame(conn, """
        SELECT CAST(domain_uuid AS text) AS uuid, CAST(domain_enabled AS text) AS enabled
        FROM v_domains WHERE domain_name = :d""", {"d": domain})
    if found.empty:
        raise db.fail(f"domain {domain!r} is not in v_domains; create it in FusionPBX "
                      "(Advanced > Domains) or fix the target's domain option")
    if not found["enabled"].isin(["true", "t"]).any():
        raise db.fail(f"domain {domain!r} is disabled in FusionPBX (v_domains.domain_enabled); "
                      "enable it there first")
    return str(found.loc[found["enabled"].isin(["true", "t"]), "uuid"].iloc[0])


def column_types(conn: Connection) -> dict[str, str]:
    frame = sql.read_frame(conn, """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_name = 'v_extensions' AND table_schema = current_schema()""")
    return dict(zip(frame["column_name"], frame["data_type"], strict=True))


def create_managed(conn: Connection, db: sql.Database) -> None:
    conn.exec_driver_sql(MANAGED_DDL)
    cols = set(sql.read_frame(conn, """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = 'extctl_managed' AND table_schema = current_schema()
        """)["column_name"])
    if not {"domain_uuid", "extension_uuid"} <= cols:
        raise db.fail("extctl_managed here belongs to another target kind (no domain_uuid / "
                      "extension_uuid column); use a FusionPBX database of its own")


def read(conn: Connection, db: sql.Database, domain: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(state, rows): the STATE_COLUMNS frame, one row per code; and every
    v_extensions row of the domain (uuid, code, extension, number_alias,
    managed, chosen) for the conflict checks."""
    import pandas as pd

    raw = copy_frame(conn, """
        SELECT CAST(extension_uuid AS text) AS uuid, extension, number_alias, password,
               effective_caller_id_name AS name, limit_max,
               CAST(do_not_disturb AS text) AS dnd, CAST(forward_all_enabled AS text) AS fwd_on,
               forward_all_destination AS fwd, auth_acl AS acl, cidr,
               CAST(enabled AS text) AS enabled,
               description
        FROM v_extensions WHERE domain_uuid = %s::uuid""", domain)
    if "extctl_managed" in sql.table_names(conn):
        cols = set(sql.read_frame(conn, """
            SELECT column_name FROM information_schema.columns
            WHERE table_name = 'extctl_managed' AND table_schema = current_schema()
            """)["column_name"])
        if "extension_uuid" not in cols:
            raise db.fail("extctl_managed here belongs to another target kind (no "
                          "extension_uuid column); use a FusionPBX database of its own")
        fields = ", ".join(f for f in sql.MANAGED_FIELDS if f != "notes")
        meta = copy_frame(conn, f"""
            SELECT CAST(extension_uuid AS text) AS uuid, {fields} FROM extctl_managed
            WHERE domain_uuid = %s::uuid""", domain)
    else:
        meta = pd.DataFrame(columns=["uuid", *(f for f in sql.MANAGED_FIELDS if f != "notes")],
                            dtype=object)
    truth = ("true", "t")
    code = raw["number_alias"].where(raw["number_alias"] != "", raw["extension"])
    managed = _isin(raw["uuid"], meta["uuid"])
    # One row per code: the managed one first; the others stay as conflicts
    # (sorted only where a code has several rows: rare, and a sort of 10^5 is not).
    rows = raw.assign(code=code, managed=managed, chosen=True)
    dup = code.duplicated(keep=False).to_numpy()
    if dup.any():
        some = rows[dup].assign(_m=~managed[dup]).sort_values(["code", "_m", "uuid"],
                                                              kind="stable")
        some["chosen"] = ~some["code"].duplicated()
        rows = pd.concat([rows[~dup], some.drop(columns="_m")])
    chosen = rows["chosen"].to_numpy(dtype=bool)
    extra = rows.loc[~chosen, "code"].value_counts()
    top = rows[chosen].reset_index(drop=True)
    username = top["extension"]
    if len(extra):  # two rows answer to this code: the plan must show and refuse it
        dups = top["code"].map(extra).fillna(0).astype(int)
        username = username.where(dups == 0, username + " [+" + dups.astype(str) +
                                  " other FusionPBX row(s)]")
    acl = _replace(top["acl"], r"\s*,\s*", ";")
    # `cidr` lets its addresses in WITHOUT a password: extctl never writes it,
    # and one set by hand shows up in the plan (and is cleared by the update).
    cidr = top["cidr"] != ""
    acl = acl.where(~cidr, acl + " [cidr " + top["cidr"] + ": no password needed]")
    frame = pd.DataFrame({
        "code": top["code"], "uuid": top["uuid"], "name": top["name"],
        "username": username, "password": top["password"],
        "call_limit": top["limit_max"],
        "dnd": top["dnd"].isin(truth).map({True: "true", False: "false"}),
        "forward_number": top["fwd"].where(top["fwd_on"].isin(truth), ""),
        "allowed_ips": acl,
        "enabled": top["enabled"].isin(truth).map({True: "true", False: "false"}),
        "transport": "udp", "notes": top["description"],
    })
    meta = meta.merge(frame[["uuid", "code"]], on="uuid", how="inner").drop(columns="uuid")
    # notes are the row's description (FusionPBX's column), not extctl_managed's copy
    state = sql.finish_state(frame.drop(columns="uuid"), meta)
    return state, rows.reset_index(drop=True)


def copy_frame(conn: Connection, query: str, *params: str) -> pd.DataFrame:
    """A query as a DataFrame of strings ("" for NULL), one array per column.

    `array_agg` of every column in one pass returns one row of N arrays,
    which psycopg parses in C: ~10x faster than fetchall() of N row tuples
    (or a COPY, which psycopg hands over one row message at a time)."""
    import pandas as pd

    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"SELECT * FROM ({query}) q LIMIT 0", list(params))
        names = [d[0] for d in cursor.description]
        aggs = ", ".join(f"array_agg(COALESCE(CAST(q.{n} AS text), ''))" for n in names)
        cursor.execute(f"SELECT {aggs} FROM ({query}) q", list(params))
        values = cursor.fetchone()
    finally:
        cursor.close()
    import pyarrow as pa

    return pd.DataFrame({n: pd.array(pa.array(v or [], type=pa.large_string()), dtype="str")
                         for n, v in zip(names, values, strict=True)}, columns=names)


def new_uuids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as text, from `secrets`, without a
    Python call per UUID: the bytes are set and hex-formatted as arrays."""
    import secrets

    import numpy as np

    raw = np.frombuffer(secrets.token_bytes(16 * count), dtype=np.uint8).reshape(count, 16)
    raw = raw.copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype="S1").reshape(count, 32)
    out = np.full((count, 36), b"-", dtype="S1")
    keep = [i for i in range(36) if i not in (8, 13, 18, 23)]
    out[:, keep] = digits
    return out.view("S36").ravel().astype(str).tolist()


def copy_in(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame of strings into `table`, serialised by Arrow's CSV writer
    (pandas' to_csv is the slow part of a 10^5-row COPY). Every value is
    quoted, so an empty string stays '' and never becomes NULL."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    if frame.empty:
        return
    table_data = pa.table({c: pa.array(frame[c].astype(str), type=pa.large_string())
                           for c in frame.columns})
    out = io.BytesIO()
    pacsv.write_csv(table_data, out, pacsv.WriteOptions(include_header=False,
                                                         quoting_style="all_valid"))
    cols = ", ".join(frame.columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(out.getvalue())
    finally:
        cursor.close()


def _isin(values: pd.Series, among: pd.Series) -> pd.Series:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.is_in(pa.array(values.astype(str), type=pa.large_string()),
                     value_set=pa.array(among.astype(str), type=pa.large_string()))
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def _replace(values: pd.Series, pattern: str, with_: str) -> pd.Series:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    out = pc.replace_substring_regex(pa.array(values.astype(str), type=pa.large_string()),
                                     pattern, with_)
    return pd.Series(pd.array(out, dtype="str"), index=values.index)


def conflicts(rows: pd.DataFrame, pbx: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(code, column, message) for desired rows whose SIP user (username or
    code) another FusionPBX row of the domain already answers to.

    FusionPBX's lua looks a user up by `extension = U OR number_alias = U` and
    keeps the LAST row found: two rows answering to one name means either
    password may authenticate it. The rows that stay are the unmanaged ones
    not adopted by a written code, and every duplicate of a code."""
    import pandas as pd

    if pbx.empty or rows.empty:
        return []
    written = set(rows["code"])
    stays = pbx[~(pbx["chosen"] & (pbx["managed"] | sql.isin(pbx["code"], written)))]
    if stays.empty:
        return []
    names = pd.concat([
        pd.DataFrame({"key": stays["extension"].str.lower(), "uuid": stays["uuid"],
                      "extension": stays["extension"], "alias": stays["number_alias"]}),
        pd.DataFrame({"key": stays["number_alias"].str.lower(), "uuid": stays["uuid"],
                      "extension": stays["extension"], "alias": stays["number_alias"]}),
    ])
    names = names[names["key"] != ""].drop_duplicates(["key", "uuid"])
    wanted = pd.concat([
        pd.DataFrame({"key": rows["code"].str.lower(), "code": rows["code"],
                      "column": "code", "value": rows["code"]}),
        pd.DataFrame({"key": rows["username"].str.lower(), "code": rows["code"],
                      "column": "username", "value": rows["username"]}),
    ]).drop_duplicates(["key", "code"])
    hits = wanted.merge(names, on="key")  # few rows: only actual clashes
    out = []
    for code, column, value, uuid, ext, alias in zip(
            hits["code"], hits["column"], hits["value"], hits["uuid"], hits["extension"],
            hits["alias"], strict=True):
        other = f"extension {ext!r}" + (f" (number_alias {alias!r})" if alias else "")
        out.append((code, column,
                    f"SIP user {value!r} of extension {code} is also answered by FusionPBX "
                    f"{other}, uuid {uuid}, which extctl does not manage; rename or delete "
                    "that one in FusionPBX, or change this row"))
    return sorted(set(out))


def length_problems(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    if "name" in frame.columns:
        long = frame["name"].str.len() > NAME_MAX
        out += [(c, "name", f"name is over {NAME_MAX} characters")
                for c in frame.loc[long, "code"]]
    return out


def delete(conn: Connection, domain: str, uuids: list[str]) -> None:
    """Remove these extensions and the rows FusionPBX keys on them (users,
    settings); voicemail boxes stay (they hold messages)."""
    present = sql.table_names(conn)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        # extctl_managed rows whose extension is gone (deleted in the UI): leftovers
        cursor.execute("""DELETE FROM extctl_managed m WHERE m.domain_uuid = %s::uuid
            AND NOT EXISTS (SELECT 1 FROM v_extensions e
                            WHERE e.extension_uuid = m.extension_uuid)""", [domain])
        if not uuids:
            return
        for table in ("v_extension_users", "v_extension_settings", "extctl_managed",
                      "v_extensions"):
            if table in present:
                cursor.execute(f"DELETE FROM {table} WHERE extension_uuid = ANY(%s::uuid[])",
                               [uuids])
    finally:
        cursor.close()


def write(conn: Connection, db: sql.Database, domain: str, domain_name: str, *,
          rows: pd.DataFrame, passwords: pd.Series, uuids: pd.Series) -> None:
    """Update the existing rows in place, insert the new ones, record them all.

    New extensions are COPYed straight into v_extensions (COPY parses
    'true'/'false' into a boolean or a text flag alike); updated ones go
    through a temp table and one UPDATE ... FROM, touching only the mapped
    columns."""
    import pandas as pd

    if rows.empty:
        return
    types = column_types(conn)
    missing = [c for c in ("extension", "number_alias", "password", "auth_acl", "enabled",
                           "do_not_disturb", "forward_all_enabled") if c not in types]
    if missing:
        raise db.fail(f"v_extensions has no column {', '.join(missing)}: not a FusionPBX "
                      "5.x table")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fwd = rows["forward_number"]
    is_new = (uuids == "").to_numpy()
    uuids = uuids.copy()
    if is_new.any():
        uuids[is_new] = new_uuids(int(is_new.sum()))
    # v_extensions column -> values, for the columns extctl maps
    mapped: dict[str, pd.Series | str] = {
        "extension": rows["username"], "number_alias": rows["code"], "password": passwords,
        "effective_caller_id_name": rows["name"], "limit_max": rows["call_limit"],
        "do_not_disturb": rows["dnd"],
        "forward_all_enabled": (fwd != "").map({True: "true", False: "false"}),
        "forward_all_destination": fwd,
        "auth_acl": rows["allowed_ips"].str.replace(";", ",", regex=False),
        "enabled": rows["enabled"], "description": rows["notes"], "user_context": domain_name,
    }
    mapped = {k: v for k, v in mapped.items() if k in types}
    _update(conn, domain, types, pd.DataFrame({"uuid": uuids, **mapped})[~is_new])
    if is_new.any():
        extra: dict[str, str] = {k: v for k, v in NEW_DEFAULTS.items() if k in types}
        if "accountcode" in types:
            extra["accountcode"] = domain_name
        if "insert_date" in types:
            extra["insert_date"] = now
        new = pd.DataFrame({"extension_uuid": uuids, "domain_uuid": domain, **mapped,
                            **extra})[is_new]
        copy_in(conn, "v_extensions", new)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        # the records of these codes, and of the existing rows (a new uuid has none)
        cursor.execute("DELETE FROM extctl_managed WHERE (domain_uuid = %s::uuid AND "
                       "code = ANY(%s)) OR extension_uuid = ANY(%s::uuid[])",
                       [domain, rows["code"].tolist(), uuids[~is_new].tolist()])
    finally:
        cursor.close()
    managed = pd.DataFrame({
        "domain_uuid": domain, "extension_uuid": uuids, "code": rows["code"],
        "username": rows["username"], "password_source": sql.password_source(rows["password"]),
        **{f: rows[f] for f in sql.MANAGED_FIELDS[2:]}, "updated_at": now,
    })
    copy_in(conn, "extctl_managed", managed)


def _update(conn: Connection, domain: str, types: dict[str, str], frame: pd.DataFrame) -> None:
    """UPDATE the mapped columns of these existing rows (and clear `cidr`)."""
    if frame.empty:
        return
    columns = [c for c in frame.columns if c != "uuid"]
    conn.exec_driver_sql("CREATE TEMP TABLE extctl_stage (uuid text, "
                         + ", ".join(f"{c} text" for c in columns) + ") ON COMMIT DROP")
    copy_in(conn, "extctl_stage", frame)
    sets = [f"{c} = CAST(s.{c} AS {types[c]})" for c in columns]
    if "cidr" in types:
        sets.append("cidr = NULL")  # never cidr: it lets its addresses in without a password
    if "update_date" in types:
        sets.append("update_date = now()")
    conn.execute(sa.text(f"""
        UPDATE v_extensions e SET {", ".join(sets)} FROM extctl_stage s
        WHERE e.extension_uuid = CAST(s.uuid AS uuid) AND e.domain_uuid = CAST(:d AS uuid)"""),
        {"d": domain})


