"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt

from schema.columns import COLUMNS

TODAY = dt.date(2026, 11, 26)

BASE_ROW: dict[str, str] = {
    "code": "2105",
    "name": "Mia Lopez",
    "username": "",
    "password": "auto",
    "call_limit": "2",
    "dnd": "false",
    "forward_number": "+14085550123",
    "allowed_ips": "",
    "remote": "true",
    "enabled": "true",
    "team": "sales",
    "owner": "mia.lopez@example.com",
    "high_risk": "false",
    "password_rotated": "",
    "transport": "udp",
    "notes": "",
}


def _cell(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_bytes(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> bytes:
    lines = [",".join(columns)]
    for row in rows:
        full = {**BASE_ROW, **row}
        lines.append(",".join(_cell(full[c]) for c in columns))
    return ("\n".join(lines) + "\n").encode()


def row(code: str, **fields: str) -> dict[str, str]:
    return {"code": code, "name": f"Agent {code}", **fields}
