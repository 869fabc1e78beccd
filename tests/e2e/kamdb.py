"""Interim writer of the kamailio target's database layout (/tmp/kamlayout.md).

Used only until the real `extctl apply` path works; it builds the tables from
Kamailio's own DDL and writes subscriber + usr_preferences rows from a CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import sqlite3
from pathlib import Path

DDL_DIR = Path("/usr/share/kamailio/db_sqlite")
DDL_FILES = ("standard", "auth_db", "avpops", "usrloc")


def _truth(value: str, default: bool) -> bool:
    v = value.strip().lower()
    return default if not v else v in ("true", "yes", "1")


def write_layout(db: Path, csv_text: str, domain: str) -> None:
    fresh = not db.exists()
    con = sqlite3.connect(db)
    try:
        if fresh:
            for name in DDL_FILES:
                con.executescript((DDL_DIR / f"{name}-create.sql").read_text())
        old = dict(con.execute("select username, password from subscriber").fetchall())
        con.execute("delete from subscriber")
        con.execute("delete from usr_preferences")
        for row in csv.DictReader(io.StringIO(csv_text)):
            code = row["code"]
            user = row.get("username") or code
            pw = row.get("password") or "auto"
            if pw == "auto":
                pw = old.get(user) or secrets.token_urlsafe(24)
            ha1 = hashlib.md5(f"{user}:{domain}:{pw}".encode()).hexdigest()
            ha1b = hashlib.md5(f"{user}@{domain}:{domain}:{pw}".encode()).hexdigest()
            con.execute(
                "insert into subscriber(username, domain, password, ha1, ha1b)"
                " values (?, ?, ?, ?, ?)", (user, domain, pw, ha1, ha1b),
            )
            attrs: list[tuple[str, int, str]] = [
                ("code", 0, code), ("name", 0, row["name"]),
                ("enabled", 1, "1" if _truth(row.get("enabled", ""), True) else "0"),
                ("dnd", 1, "1" if _truth(row.get("dnd", ""), False) else "0"),
                ("transport", 0, row.get("transport") or "udp"),
            ]
            if row.get("forward_number"):
                attrs.append(("fwd", 0, row["forward_number"]))
            if row.get("call_limit"):
                attrs.append(("call_limit", 1, row["call_limit"]))
            if row.get("allowed_ips"):
                attrs.append(("allowed_ips", 0, row["allowed_ips"].replace(";", ",")))
            con.executemany(
                "insert into usr_preferences(uuid, username, domain, attribute, type, value)"
                " values (?, ?, ?, ?, ?, ?)",
                [(code, user, domain, a, t, v) for a, t, v in attrs],
            )
        con.commit()
    finally:
        con.close()
