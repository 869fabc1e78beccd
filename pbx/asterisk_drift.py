"""What the Asterisk target's read finds broken in an extension (its `repair`).

An extension works when its endpoint, auth and aor rows all exist under its
code, the endpoint points at them, and the columns extctl sets hold values
Asterisk accepts. A hand edit that breaks any of that is drift the plan shows
and repairs. Auth/aor rows left without their endpoint are extensions too
(so a create never collides with them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbx import sql

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

# Kept in step with pbx/asterisk.py (which imports this module).
DENY_ALL, DENY_NONE, PERMIT_ANY = "0.0.0.0/0.0.0.0,::/0", "0.0.0.0/32", "0.0.0.0/0.0.0.0,::/0"


def with_orphans(conn: Connection, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` plus one row per ps_auths / ps_aors id no endpoint has."""
    import pandas as pd

    counts = sql.read_frame(conn, "SELECT (SELECT COUNT(*) FROM ps_auths) AS a, "
                            "(SELECT COUNT(*) FROM ps_aors) AS o")
    joined_a = frame.loc[frame["a_id"] != "", "a_id"].nunique()
    joined_o = frame.loc[frame["o_id"] != "", "o_id"].nunique()
    if int(counts["a"].iloc[0]) <= joined_a and int(counts["o"].iloc[0]) <= joined_o:
        return frame  # the usual case: every auth and aor belongs to an endpoint
    # rare (a hand edit): whole-table reads and anti-joins in pandas; an SQL
    # NOT EXISTS on the unindexed endpoint.auth would be quadratic
    taken = set(frame["code"]) | set(frame["a_id"]) | set(frame["o_id"])
    auths = sql.read_frame(conn, "SELECT id AS a_id, auth_type, username, password "
                           "FROM ps_auths")
    aors = sql.read_frame(conn, "SELECT id AS o_id, max_contacts, remove_existing FROM ps_aors")
    auths = auths[~sql.isin(auths["a_id"], taken)]
    aors = aors[~sql.isin(aors["o_id"], taken)]
    orphans = auths.assign(code=auths["a_id"]).merge(
        aors.assign(code=aors["o_id"]), on="code", how="outer")
    if orphans.empty:
        return frame
    orphans = orphans.assign(e_missing="1")
    out = pd.concat([frame.assign(e_missing="0"), orphans], ignore_index=True)
    return out.fillna("").astype(str)


def repairs(frame: pd.DataFrame, context: str) -> pd.Series:
    import numpy as np
    import pandas as pd

    code = frame["code"]
    no_endpoint = ((frame["e_missing"] == "1") if "e_missing" in frame.columns
                   else pd.Series(False, index=frame.index)).to_numpy(dtype=bool)
    has = ~no_endpoint
    no_auth = (frame["a_id"] == "").to_numpy(dtype=bool)
    no_aor = (frame["o_id"] == "").to_numpy(dtype=bool)
    expected_deny = frame["permit"].where(frame["permit"] == PERMIT_ANY, DENY_ALL).where(
        frame["permit"] != PERMIT_ANY, DENY_NONE)
    enabled = frame["max_contacts"] != "0"
    masks: list[tuple[np.ndarray, str]] = [
        (no_endpoint, "ps_endpoints missing"),
        (no_auth, "ps_auths missing"),
        (no_aor, "ps_aors missing"),
        (has & (frame["auth"] != code).to_numpy(), "ps_endpoints auth is not the code"),
        (has & (frame["aors"] != code).to_numpy(), "ps_endpoints aors is not the code"),
        (has & (frame["context"] != context).to_numpy(),
         f"ps_endpoints context is not {context}"),
        (has & (frame["deny"] != expected_deny).to_numpy(), "ps_endpoints deny is wrong"),
        (~no_auth & (frame["auth_type"] != "userpass").to_numpy(),
         "ps_auths auth_type is not userpass"),
        (~no_auth & (frame["password"] == "").to_numpy(), "ps_auths password blank"),
        (~no_aor & (frame["remove_existing"] != enabled.map({True: "yes", False: "no"})
                    ).to_numpy(), "ps_aors remove_existing is wrong"),
    ]
    text = pd.Series("", index=frame.index, dtype=object)
    anything = np.logical_or.reduce([m for m, _ in masks])
    if anything.any():  # the few broken rows only
        rows = np.flatnonzero(anything)
        text.iloc[rows] = pd.Series(
            ["; ".join(what for m, what in masks if m[i]) for i in rows.tolist()],
            index=text.index[rows])
    return text


def foreign_refs(conn: Connection, codes: pd.Series) -> dict[str, list[str]]:
    """ps_auths / ps_aors ids that the endpoints `codes` point at under another
    name and no other endpoint uses (what an adoption must delete with them)."""
    refs = sql.read_frame(conn, "SELECT id, auth, aors FROM ps_endpoints "
                          "WHERE auth <> id OR aors <> id")
    if refs.empty:
        return {}
    ours = sql.isin(refs["id"], codes.astype(str).tolist())
    out: dict[str, list[str]] = {}
    for table, column in (("ps_auths", "auth"), ("ps_aors", "aors")):
        mine = set(refs.loc[ours, column]) - set(refs.loc[~ours, column]) - {""}
        mine -= set(codes.astype(str))
        out[table] = sorted(mine)
    return out
