"""A small real extensions.csv and a CLI runner for the editing commands."""

from __future__ import annotations

from pathlib import Path

HEADER = ("code,name,username,password,call_limit,dnd,forward_number,allowed_ips,remote,"
          "enabled,team,owner,high_risk,password_rotated,transport,notes\n")
# No code in 2300-2399 here (the repository's own extensions.csv has 2300-2309).
BASE = HEADER + (
    "2105,Mia Lopez,,auto,,false,+14085550123,,true,true,sales,mia.lopez@example.com,false,,"
    "udp,\n"
    "2200,Support Lead,,auto,2,false,,10.20.30.0/24,false,true,support,"
    "support-leads@example.com,false,,udp,\n"
    "2400,Front Desk,frontdesk,auto,4,false,,10.20.40.17;10.20.41.0/28,false,true,reception,"
    "office@example.com,false,,udp,Lobby desk phone\n"
    "2501,Ravi Patel,ravi.patel,auto,1,false,,,true,true,exec,ravi.patel@example.com,true,"
    "2026-09-15,tls,\n"
)
TODAY = "2026-11-26"


def repo(path: Path, csv: str = BASE, policy: str = "") -> Path:
    (path / "extensions.csv").write_text(csv, encoding="utf-8")
    (path / "extctl.toml").write_text(policy, encoding="utf-8")
    return path / "extensions.csv"


def rows(path: Path) -> dict[str, dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return {r["code"]: r for r in csv.DictReader(fh)}
