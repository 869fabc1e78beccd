"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from click.testing import CliRunner, Result

from extctl.main import cli
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


def process_state(pid: int) -> str | None:
    """The process's state letter from /proc (None once it is reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Running or sleeping: neither reaped nor a zombie."""
    return process_state(pid) not in (None, "Z")


def run_cli(*args: str, input: str | None = None) -> Result:
    """extctl in this process (click's runner); an exception is a test failure
    with its traceback, never a result."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def lab_repo(path: Path, csv: str) -> Path:
    """`path` as a repository: `csv` as extensions.csv, and a Kamailio target
    named lab on path/pbx.sqlite."""
    (path / "extensions.csv").write_text(csv)
    (path / "extctl.toml").write_text(
        f'[targets.lab]\nkind = "kamailio"\nurl = "sqlite:///{path}/pbx.sqlite"\n')
    return path


def read_until_closed(fd: int) -> bytes:
    """Everything a pseudo-terminal's master end gives until the child side
    closes (Linux reports that as EIO, an OSError), then the fd is closed."""
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(fd)
    return b"".join(chunks)
