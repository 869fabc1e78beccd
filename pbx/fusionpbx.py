"""The FusionPBX target: `v_extensions` rows of one domain, on PostgreSQL.

One CSV row is one v_extensions row of the domain, keyed by its
extension_uuid: number_alias = code, extension = username (or the code),
password, limit_max <- call_limit, do_not_disturb, forward_all_* <-
forward_number, auth_acl <- allowed_ips (never `cidr`: that column lets the
address call without a password), enabled, effective_caller_id_name <- name,
user_context = the domain, description <- notes. Updates are UPDATEs in place
(other columns, set in the FusionPBX UI, and the rows referencing the uuid
stay). Flags are `boolean` from FusionPBX 5.5 and `text` ('true'/'false')
before: the column types are read, not assumed. extctl's own metadata lives
in `extctl_managed` (per domain, joined by extension_uuid). After COMMIT the
directory cache and stale registrations are flushed (pbx/fusionpbx_flush.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from extctl.errors import TargetError
from pbx import fusionpbx_flush as flushing
from pbx import fusionpbx_sql as fsql
from pbx import sql
from pbx.base import SipIdentity
from pbx.sqltarget import generate_password
from schema.columns import COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from extctl.policy import TargetConfig
    from pbx.base import ApplyRequest


class FusionpbxTarget:
    kind: ClassVar[str] = "fusionpbx"
    # transport is the sofia profile's, not the extension's
    supported: ClassVar[frozenset[str]] = frozenset(COLUMNS) - {"transport"}
    # FusionPBX's directory answers to `extension = USER OR number_alias = USER`.
    sip_identity: ClassVar[SipIdentity] = SipIdentity(user="username", also=("code",))

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.db = sql.database(config)
        if self.db.dialect != "postgresql":
            raise TargetError(f"target {config.name!r}: FusionPBX keeps its tables in "
                              "PostgreSQL; the url must be postgresql://USER:PASSWORD@HOST/DB")
        self.domain = config.option("domain", "")
        if not self.domain:
            raise TargetError(f"target {config.name!r}: option domain is required (the "
                              "FusionPBX domain name, a row of v_domains)")
        try:
            self._busy = int(config.option("busy_timeout", str(sql.DEFAULT_BUSY_SECONDS)))
        except ValueError:
            raise TargetError(
                f"target {config.name!r}: busy_timeout must be a number of seconds") from None
        self._engine = sql.engine(self.db, self._busy)
        # identities seen by the last read, for check_rows (plan); apply re-reads
        self._rows: pd.DataFrame | None = None

    # -- reading -------------------------------------------------------------
    def read_state(self) -> pd.DataFrame:
        with sql.transaction(self.db, self._engine, write=False) as conn:
            domain_uuid = fsql.domain_uuid(conn, self.db, self.domain)
            state, rows = fsql.read(conn, self.db, domain_uuid)
        self._rows = rows
        return state

    def read_registrations(self) -> pd.DataFrame:
        """FreeSWITCH's live registrations of the domain, through the event socket."""
        from pbx import fusionpbx_registrations as regs

        esl = flushing.event_socket_config(self.config.name, dict(self.config.options))
        if esl is None:
            raise TargetError(f"target {self.config.name!r}: registrations live in FreeSWITCH "
                              "and are read through its event socket: set esl_url")
        password = esl.password(self.config.name)
        with sql.transaction(self.db, self._engine, write=False) as conn:
            domain_uuid = fsql.domain_uuid(conn, self.db, self.domain)
            _, rows = fsql.read(conn, self.db, domain_uuid)
        return regs.parse(regs.fetch(esl, self.config.name, password), self.domain, rows)

    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]:
        frame = rows if "code" in rows.columns else rows.rename_axis("code").reset_index()
        frame = frame.fillna("").astype(str)
        out = fsql.length_problems(frame)
        if self._rows is not None:
            out += fsql.conflicts(frame, self._rows)
        return sorted(out)

    # -- writing -------------------------------------------------------------
    def apply(self, request: ApplyRequest) -> None:
        esl = flushing.event_socket_config(self.config.name, dict(self.config.options))
        if esl is not None:
            esl.password(self.config.name)  # fail before writing, not after
        with sql.transaction(self.db, self._engine, write=True,
                             busy_seconds=self._busy) as conn:
            domain_uuid = fsql.domain_uuid(conn, self.db, self.domain)
            fsql.create_managed(conn, self.db)
            state, pbx_rows = fsql.read(conn, self.db, domain_uuid)
            sql.check_fresh(state, request)
            if not request.plan.changes:
                return
            flush = self._write(conn, domain_uuid, state, pbx_rows, request)
        if esl is not None:
            counts = request.plan.counts()
            committed = ", ".join(f"{n} {verb}" for verb, n in (
                ("created", counts["create"]), ("updated", counts["update"]),
                ("disabled", counts["disable"]), ("enabled", counts["enable"]),
                ("deleted", counts["delete"])) if n)
            codes = sorted(c.code for c in request.plan.changes)
            committed += f": {', '.join(codes[:flushing.NAMED])}" + (
                f" and {len(codes) - flushing.NAMED} more" if len(codes) > flushing.NAMED
                else "")
            flushing.run(flush, esl, self.config.name, committed)

    def _write(self, conn: Connection, domain_uuid: str, state: pd.DataFrame,
               pbx_rows: pd.DataFrame, request: ApplyRequest) -> flushing.Flush:
        chosen = pbx_rows[pbx_rows["chosen"]].set_index("code")
        deletes, _, rows = sql.planned_rows(self.db, state, request)
        rows = rows.reset_index(drop=True)
        if problems := fsql.conflicts(rows, pbx_rows):
            named = "; ".join(f"{code} {column}: {msg}" for code, column, msg in problems[:20])
            raise self.db.fail(f"refusing to write: {named}")
        passwords = sql.new_passwords(rows, state, request.secrets, generate_password)
        found = rows["code"].map(dict(zip(chosen.index, chosen["uuid"], strict=True)))
        uuids = found.astype(object).where(found.notna(), "").astype(str)
        fsql.delete(conn, domain_uuid, chosen.loc[deletes, "uuid"].tolist())
        fsql.write(conn, self.db, domain_uuid, self.domain, rows=rows, passwords=passwords,
                   uuids=uuids)
        return _flush(self.domain, request, rows, chosen)


def _flush(domain: str, request: ApplyRequest, rows: pd.DataFrame,
           chosen: pd.DataFrame) -> flushing.Flush:
    """Cache keys of every touched extension (old and new names); registrations
    of the deleted, disabled, re-keyed (password) and renamed ones."""
    import pandas as pd

    # the codes already on the PBX (creates have nothing cached or registered)
    before = [c for c in request.plan.changes if c.action != "create"]
    old = chosen.loc[[c.code for c in before], ["extension", "number_alias"]]
    users = set(pd.unique(pd.concat([rows["username"], rows["code"], old["extension"],
                                     old["number_alias"]])).tolist())
    new_user = dict(zip(rows["code"].tolist(), rows["username"].tolist(), strict=True))
    names = dict(zip(old.index.tolist(), zip(old["extension"].tolist(),
                                             old["number_alias"].tolist(), strict=True),
                     strict=True))
    drop: set[str] = set()
    for change in before:
        fields = change.field_map()
        extension, alias = names[change.code]
        if (change.action in ("delete", "disable") or "password" in fields
                or "username" in fields or new_user.get(change.code) != extension):
            drop |= {extension, alias}
    return flushing.Flush(domain, tuple(sorted(u for u in users if u)),
                          tuple(sorted(u for u in drop if u)))
