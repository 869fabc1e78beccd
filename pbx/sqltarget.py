"""The apply/read skeleton both SQL targets share; subclasses map rows to tables."""

from __future__ import annotations

import os
import secrets as secrets_module
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from extctl.errors import TargetError
from pbx import registrations, sql

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from extctl.policy import TargetConfig
    from pbx.base import ApplyRequest


def generate_password() -> str:
    """192 bits from `secrets`, in characters every SIP phone accepts."""
    return secrets_module.token_urlsafe(24)


def _create_private(path: Path) -> None:
    """Create the empty database file 0600 before SQLite opens it: SQLite
    gives its -journal and -wal files the database file's mode, so they are
    private too (under any umask)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return  # created meanwhile (another apply): not ours to change
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is already 0600 under any umask; be explicit
    finally:
        os.close(fd)


class SqlTarget(ABC):
    kind: ClassVar[str]
    supported: ClassVar[frozenset[str]]
    # Tables whose absence means "nothing applied yet": read_state gives an empty state.
    required_tables: ClassVar[tuple[str, ...]]
    # The state's `repair` text for a code extctl_managed records but the PBX
    # holds nothing of (e.g. "subscriber and usr_preferences missing").
    missing_all: ClassVar[str] = "every row missing"

    def __init__(self, config: TargetConfig) -> None:
        self.config = config
        self.db = sql.database(config)
        try:
            busy = int(config.option("busy_timeout", str(sql.DEFAULT_BUSY_SECONDS)))
        except ValueError:
            raise TargetError(
                f"target {config.name!r}: busy_timeout must be a number of seconds"
            ) from None
        self._busy = busy
        self._engine = sql.engine(self.db, busy)

    # -- reading -------------------------------------------------------------
    def read_state(self) -> pd.DataFrame:
        path = self.db.sqlite_path
        if path is not None and not path.exists():
            return sql.empty_state()  # a read never creates the file
        with sql.transaction(self.db, self._engine, write=False) as conn:
            return self._state(conn)

    def _state(self, conn: Connection) -> pd.DataFrame:
        present = sql.table_names(conn)
        if not set(self.required_tables) <= present:
            return sql.empty_state()
        self._check_versions(conn)
        meta = sql.read_managed(conn) if "extctl_managed" in present else None
        if meta is None:
            import pandas as pd

            meta = pd.DataFrame(columns=["code", *sql.MANAGED_FIELDS], dtype=object)
        frame = self._reconcile(conn, self._read(conn), meta)
        return sql.finish_state(frame, meta, self.missing_all)

    def read_registrations(self) -> pd.DataFrame:
        """Target.read_registrations: the kind's registration table, REGISTRATION_COLUMNS."""
        from pbx import registrations_read as regread

        path = self.db.sqlite_path
        if path is not None and not path.exists():
            return regread.empty()
        with sql.transaction(self.db, self._engine, write=False) as conn:
            return self._read_registrations(conn)

    def _read_registrations(self, conn: Connection) -> pd.DataFrame:
        raise TargetError(f"target {self.config.name!r}: kind {self.kind!r} cannot read "
                          "registrations")

    # -- writing -------------------------------------------------------------
    def apply(self, request: ApplyRequest) -> None:
        path = self.db.sqlite_path
        created = path is not None and not path.exists()
        if path is not None and not path.parent.is_dir():
            raise self.db.fail(f"directory {path.parent} does not exist")
        if created and path is not None:
            _create_private(path)
        try:
            with sql.transaction(self.db, self._engine, write=True,
                                 busy_seconds=self._busy) as conn:
                self._create_schema(conn)
                state = self._state(conn)
                sql.check_fresh(state, request)
                if request.plan.changes:
                    self._apply(conn, state, request)
        except BaseException:
            if created and path is not None and path.exists() and path.stat().st_size == 0:
                path.unlink()  # a failed first apply leaves no empty database behind
            raise

    def _apply(self, conn: Connection, state: pd.DataFrame, request: ApplyRequest) -> None:
        import pandas as pd

        deletes, updates, rows = sql.planned_rows(self.db, state, request)
        passwords = sql.new_passwords(rows, state, request.secrets, generate_password)
        # Deletes first, then every create/update is (re)written from its full row:
        # removing an updated extension's rows and inserting them anew is one
        # bulk statement per table instead of a per-column UPDATE per row.
        old = state[sql.isin(state["code"], set(deletes) | set(updates))]
        self._delete(conn, old)
        # Registrations of every extension whose phone must authenticate again
        # (deleted, disabled, renamed, re-keyed, moved) go in the same transaction.
        drops = registrations.registration_drops(request.plan, old, rows)
        if not drops.empty:
            self._drop_registrations(conn, drops)
        # extctl_managed is rewritten for every code the plan touches, so a
        # leftover bookkeeping row (the PBX rows deleted by hand) never fails it.
        gone = pd.DataFrame({"code": [*deletes, *updates]}, dtype=object)
        sql.bulk_delete(conn, "extctl_managed", gone)
        if not rows.empty:
            self._insert(conn, rows.reset_index(drop=True), passwords.reset_index(drop=True))
            sql.bulk_insert(conn, "extctl_managed", sql.managed_frame(rows))

    def exposure(self) -> str | None:
        """A warning when the SQLite database (plaintext SIP passwords) is
        readable or writable by every local user. Its mode is left as it is:
        the group that lets Kamailio or Asterisk in is the administrator's
        choice, so extctl only says what to change."""
        path = self.db.sqlite_path
        try:
            mode = path.stat().st_mode & 0o777 if path is not None else 0
        except OSError:
            return None
        if not mode & 0o007:
            return None
        return (f"{path} is accessible to every local user (mode {mode:04o}) and holds the "
                f"SIP passwords: chmod o-rwx {path} (extctl creates it 0600)")

    # -- per kind ------------------------------------------------------------
    def _check_versions(self, conn: Connection) -> None:  # noqa: B027 - optional hook
        """Raise TargetError when the tables are not the schema version we write."""

    def _reconcile(self, conn: Connection, frame: pd.DataFrame, meta: pd.DataFrame
                   ) -> pd.DataFrame:
        """Hook: give PBX rows found only in part the code extctl_managed has for them."""
        return frame

    def _drop_registrations(self, conn: Connection, users: pd.DataFrame) -> None:  # noqa: B027
        """Delete the registrations of these extensions (columns code, username)."""

    @abstractmethod
    def _create_schema(self, conn: Connection) -> None: ...

    @abstractmethod
    def _read(self, conn: Connection) -> pd.DataFrame:
        """PBX rows: code, name, username, password, call_limit, dnd, forward_number,
        allowed_ips, enabled, transport (strings); extctl_managed is merged later."""

    @abstractmethod
    def _delete(self, conn: Connection, old: pd.DataFrame) -> None:
        """Remove the PBX rows of these state rows (managed or adopted)."""

    @abstractmethod
    def _insert(self, conn: Connection, rows: pd.DataFrame, passwords: pd.Series) -> None:
        """Write the desired rows, with the password each ends up with."""

    @abstractmethod
    def check_rows(self, rows: pd.DataFrame) -> list[tuple[str, str, str]]: ...
