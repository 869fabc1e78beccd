"""FusionPBX databases for the tests: FusionPBX's own tables (5.5.7 or 5.4.4,
tests/reference/fusionpbx) in a fresh PostgreSQL database, one enabled domain."""

from __future__ import annotations

from pathlib import Path

from extctl.policy import TargetConfig
from pbx.fusionpbx import FusionpbxTarget
from tests.pbx.helpers import execute

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "fusionpbx"
DOMAIN = "pbx.example.com"
DOMAIN_UUID = "6f1c3a52-8d0e-4d7b-9d6e-2f5b8f0e1a01"
VERSIONS = ("5.5.7", "5.4.4")


def load_tables(url: str, version: str) -> None:
    """FusionPBX's DDL, plus the one domain (as FusionPBX's UI would insert it)."""
    import psycopg

    ddl = (REFERENCE / f"tables-{version}.sql").read_text(encoding="utf-8")
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(ddl)  # type: ignore[arg-type]
    execute(url, "INSERT INTO v_domains (domain_uuid, domain_name, domain_enabled) "
                 "VALUES (CAST(:u AS uuid), :d, true)", u=DOMAIN_UUID, d=DOMAIN)


def config(url: str, **options: str) -> TargetConfig:
    opts = {"domain": DOMAIN, "esl_url": "off", **options}
    return TargetConfig("fusion", "fusionpbx", url, options=tuple(opts.items()))


def target(url: str, **options: str) -> FusionpbxTarget:
    return FusionpbxTarget(config(url, **options))


def ui_extension(url: str, extension: str, number_alias: str = "", *, password: str = "uipw",
                 enabled: str = "true", uuid: str | None = None) -> str:
    """A row as FusionPBX's extension form inserts it (not managed by extctl)."""
    import uuid as uuidlib

    new = uuid or str(uuidlib.uuid4())
    execute(url, "INSERT INTO v_extensions (extension_uuid, domain_uuid, extension, "
                 "number_alias, password, enabled, user_context, effective_caller_id_name, "
                 "call_group, toll_allow) VALUES (CAST(:u AS uuid), CAST(:d AS uuid), :e, :a, "
                 ":p, CAST(:en AS boolean), :c, :n, 'sales', 'domestic')",
            u=new, d=DOMAIN_UUID, e=extension, a=number_alias, p=password, en=enabled,
            c=DOMAIN, n=f"UI {extension}")
    return new
