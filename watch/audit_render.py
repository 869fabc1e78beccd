"""Audit renderers: text, json, markdown (the notification body is the text one)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from watch.audit import AuditResult


def _iso(times: pd.Series) -> pd.Series:
    out: pd.Series = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("never")
    return out


def _ago(silent: pd.Series) -> pd.Series:
    hours = (silent.dt.total_seconds() // 3600).astype("Int64").astype(str)
    out: pd.Series = ("(" + hours + "h ago)").where(silent.notna(), "")
    return out


def _limit(result: AuditResult) -> str:
    hours = result.limit.total_seconds() / 3600
    return f"{hours:g}h"


def summary(result: AuditResult) -> str:
    return (f"{len(result.overdue)} overdue, {len(result.unknown)} unknown registration(s), "
            f"{len(result.foreign)} from outside allowed_ips; {result.registered} of "
            f"{result.checked} enabled extension(s) registered")


def _overdue_lines(result: AuditResult) -> pd.Series:
    o = result.overdue
    watched = ((o["remote"] == "true") & (o["allowed_ips"] == "")).map(
        {True: "  [remote, no allowed_ips]", False: ""})
    return ("  " + o["code"] + "  " + o["name"] + "  last seen " + _iso(o["last_seen"])
            + " " + _ago(o["silent"]) + watched).str.rstrip()


def text(result: AuditResult) -> str:
    when = result.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    head = f"Audit of {result.target or 'the PBX'} at {when} (limit {_limit(result)})"
    out = [head]
    if not result.overdue.empty:
        out.append(f"Not registered for more than {_limit(result)} "
                   f"({len(result.overdue)}):")
        out += _overdue_lines(result).tolist()
    if not result.unknown.empty:
        u = result.unknown
        out.append(f"Registered but not an extension on the PBX ({len(u)}):")
        out += ("  " + u["username"] + "  " + u["contact"] + "  from "
                + u["source_ip"].where(u["source_ip"] != "", "?") + "  "
                + u["user_agent"]).str.rstrip().tolist()
    if not result.foreign.empty:
        f = result.foreign
        out.append(f"Registered from outside allowed_ips ({len(f)}) - the PBX is not "
                   "enforcing the CSV:")
        out += ("  " + f["code"] + "  from " + f["source_ip"] + "  allowed "
                + f["allowed_ips"]).tolist()
    out.append(("Clean: " if result.clean else "Audit: ") + summary(result))
    return "\n".join(out) + "\n"


def markdown(result: AuditResult) -> str:
    def cell(s: pd.Series) -> pd.Series:
        return s.astype(str).str.replace("|", "\\|", regex=False).str.replace(
            "\n", " ", regex=False)

    when = result.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [f"## Registration audit: {result.target or 'PBX'}", "",
           f"At {when}, limit {_limit(result)}: {summary(result)}.", ""]
    if not result.overdue.empty:
        o = result.overdue
        watched = ((o["remote"] == "true") & (o["allowed_ips"] == "")).map(
            {True: "yes", False: ""})
        out += ["### Not registered", "", "| code | name | last seen | silent | remote, "
                "no allowed_ips |", "|---|---|---|---|---|"]
        silent = _ago(o["silent"]).str.strip("()")
        out += ("| " + cell(o["code"]) + " | " + cell(o["name"]) + " | " + _iso(o["last_seen"])
                + " | " + silent + " | " + watched + " |").tolist()
        out.append("")
    if not result.unknown.empty:
        u = result.unknown
        out += ["### Registered but not an extension", "", "| username | contact | from |",
                "|---|---|---|"]
        out += ("| " + cell(u["username"]) + " | " + cell(u["contact"]) + " | "
                + cell(u["source_ip"]) + " |").tolist()
        out.append("")
    if not result.foreign.empty:
        f = result.foreign
        out += ["### Registered from outside allowed_ips", "", "| code | from | allowed_ips |",
                "|---|---|---|"]
        out += ("| " + cell(f["code"]) + " | " + cell(f["source_ip"]) + " | "
                + cell(f["allowed_ips"]) + " |").tolist()
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _records(frame: pd.DataFrame) -> str:
    # pandas' C writer: a dict per row in Python costs seconds at 10^5 rows
    text: str = frame.to_json(orient="records", force_ascii=False)
    return text


def as_json(result: AuditResult) -> str:
    import pandas as pd

    o = result.overdue
    silent = o["silent"].dt.total_seconds()
    overdue = pd.DataFrame({
        "code": o["code"].astype(str), "name": o["name"].astype(str),
        "remote": (o["remote"] == "true").astype(bool),
        "allowed_ips": o["allowed_ips"].astype(str),
        "last_seen": o["last_seen"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object),
        "silent_seconds": silent.round().astype("Int64").astype(object),
    })
    overdue = overdue.astype(object).where(overdue.notna(), None)
    head: dict[str, Any] = {
        "target": result.target,
        "now": result.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limit_seconds": int(result.limit.total_seconds()),
        "checked": result.checked, "registered": result.registered, "clean": result.clean,
    }
    body = json.dumps(head)[:-1]
    return (f'{body}, "overdue": {_records(overdue)}, "unknown": {_records(result.unknown)}, '
            f'"outside_allowed_ips": {_records(result.foreign)}}}\n')


def render(result: AuditResult, fmt: str) -> str:
    return {"text": text, "markdown": markdown, "json": as_json}[fmt](result)
