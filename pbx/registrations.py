"""Registrations an apply removes: the phones that must authenticate again.

A change of username, a disable, a delete, a password change or a move to
another realm leaves the PBX holding a registration (kamailio `location`,
asterisk `ps_contacts`) that would keep ringing the old phone until it
expires; the targets delete those rows in the apply's own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbx.sql import _marker, isin

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from plan.changes import Plan


def registration_drops(plan: Plan, old: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """(code, username) whose registrations must go: deletes, disables, password
    changes, username changes (old and new name) and repairs that move or re-key
    the extension. Built from the few changed codes only."""
    import pandas as pd

    from plan.changes import FieldChange, PasswordChange

    users: list[tuple[str, str]] = []
    for change in plan.changes:
        fields = change.field_map()
        name = fields.get("username")
        repair = fields.get("repair")
        if (change.action in ("delete", "disable")
                or any(isinstance(v, PasswordChange) for v in fields.values())
                or isinstance(name, FieldChange)
                or (isinstance(repair, FieldChange) and REKEYING in repair.old)):
            users.append((change.code, ""))
    if not users:
        return pd.DataFrame({"code": [], "username": []}, dtype=object)
    codes = [c for c, _ in users]
    before = old.loc[isin(old["code"], codes), ["code", "username"]]
    after = rows.loc[isin(rows["code"], codes), ["code", "username"]]
    both = pd.concat([before, after], ignore_index=True).astype(str)
    return both[both["username"] != ""].drop_duplicates(ignore_index=True)


# A repair text holding this moves the extension (new realm): its phones re-register.
REKEYING = "moved from"


def delete_in(conn: Connection, table: str, column: str, values: list[str], *,
              extra: str = "", fold_case: bool = False, chunk: int = 500) -> None:
    """DELETE FROM table WHERE column IN (values)[ AND extra], in chunks.

    For the few rows a plan touches in tables other programs write (registrations):
    `fold_case` compares lower(column) with the lower-cased values, as SIP
    registrars match users."""
    if not values:
        return
    quote = conn.dialect.identifier_preparer.quote
    target = f"lower({quote(column)})" if fold_case else quote(column)
    keys = sorted({v.lower() if fold_case else v for v in values})
    mark = _marker(conn)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(keys), chunk):
            part = keys[start:start + chunk]
            cursor.execute(f"DELETE FROM {quote(table)} WHERE {target} IN "
                           f"({', '.join([mark] * len(part))}){extra}", part)
    finally:
        cursor.close()
