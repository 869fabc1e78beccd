"""extctl export against real Kamailio and Asterisk databases (SQLite and
PostgreSQL): export -> validate -> plan shows nothing but adoptions, and the
first apply re-keys no phone."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from edit.export import export_state
from extctl.main import cli
from extctl.policy import Policy, TargetConfig
from pbx.base import Target, open_target
from plan.apply import apply_plan, plan_for_target
from tests.pbx.helpers import execute
from validate.run import validate_bytes

TODAY = dt.date(2026, 11, 26)
DOMAIN = "pbx.example"
CSV = (
    "code,name,username,password,call_limit,allowed_ips,remote,enabled,team,owner,high_risk,"
    "password_rotated,transport,notes\n"
    "2105,Mia Lopez,mia,auto,2,,true,true,sales,mia@example.com,true,2026-10-01,tls,Mobile\n"
    "2300,Support 2300,,auto,,10.20.30.0/24,false,true,support,,false,,udp,\n"
    '2301,"Support, Second",s2301,auto,4,10.20.30.0/24;10.9.0.0/16,false,false,support,,,,tcp,'
    '"Desk, 2nd floor"\n'
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/pbx.sqlite"
    pg: str = request.getfixturevalue("pg_db_url")
    return pg.replace("+psycopg", "")


def config(kind: str, url: str) -> TargetConfig:
    return TargetConfig("lab", kind, url, options=(("domain", DOMAIN),))


def desired(text: str) -> object:
    report = validate_bytes(text.encode(), "extensions.csv", Policy(), TODAY)
    assert report.ok, report.findings
    return report.frame


def passwords(t: Target) -> dict[str, str]:
    state = t.read_state()
    return dict(zip(state["code"], state["password"], strict=True))


def add_unmanaged(kind: str, url: str) -> None:
    if kind == "kamailio":
        for code, name in (("3000", "Lobby Phone"), ("3001", "")):
            execute(url, "INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                         "VALUES (:u, :d, :p, 'x', 'y')", u=code, d=DOMAIN,
                    p=f"legacy-{code}-k2VqP9wX")
            if name:
                execute(url, "INSERT INTO usr_preferences (uuid, username, domain, attribute, "
                             "type, value) VALUES (:u, :u, :d, 'name', 0, :n)",
                        u=code, d=DOMAIN, n=name)
    else:
        for code in ("3000", "3001"):
            execute(url, "INSERT INTO ps_endpoints (id, transport, aors, auth, callerid) VALUES "
                         "(:c, 'transport-udp', :c, :a, :cid)", c=code, a=f"auth{code}",
                    cid=f'"Lobby {code}" <{code}>')
            execute(url, "INSERT INTO ps_auths (id, auth_type, password, username) VALUES "
                         "(:a, 'userpass', :p, :u)", a=f"auth{code}", p=f"legacy-{code}-k2VqP9wX",
                    u=f"lobby{code}")


@pytest.mark.parametrize("kind", ["kamailio", "asterisk"])
def test_export_of_applied_pbx_plans_no_changes(kind: str, url: str) -> None:
    cfg = config(kind, url)
    t = open_target(cfg)
    apply_plan(desired(CSV), t, cfg, force=True)
    before = passwords(t)
    out = export_state(t.read_state(), Policy(), TODAY)
    assert not out.needs_decision, out.sections
    text = out.data.decode()
    for pw in before.values():
        assert pw not in text
    report = validate_bytes(out.data, "export.csv", Policy(), TODAY)
    assert report.ok and report.rows == 3
    assert all(p == "auto" for p in report.frame["password"])
    assert '"Support, Second"' in text and "10.20.30.0/24;10.9.0.0/16" in text
    plan = plan_for_target(report.frame, t, cfg)
    assert plan.changes == () and plan.unmanaged == ()


@pytest.mark.parametrize("kind", ["kamailio", "asterisk"])
def test_export_with_unmanaged_adopts_without_rekeying(kind: str, url: str) -> None:
    cfg = config(kind, url)
    t = open_target(cfg)
    apply_plan(desired(CSV), t, cfg, force=True)
    add_unmanaged(kind, url)
    before = passwords(t)
    out = export_state(t.read_state(), Policy(), TODAY)
    assert not out.needs_decision, out.sections
    notes = {i.code: i.message for s in out.sections for i in s.items}
    assert "exported as remote=true" in notes["3000"]
    report = validate_bytes(out.data, "export.csv", Policy(), TODAY)
    assert report.ok and report.rows == 5
    plan = plan_for_target(report.frame, t, cfg)
    assert plan.unmanaged == ()
    assert [(c.action, c.code) for c in plan.changes] == [("update", "3000"), ("update", "3001")]
    assert all("managed" in c.field_map() and "password" not in c.field_map()
               for c in plan.changes)
    apply_plan(report.frame, t, cfg, force=True)
    assert passwords(t) == before  # no phone re-keyed
    assert plan_for_target(report.frame, t, cfg).changes == ()


def test_cli_export_lists_what_needs_a_decision(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/pbx.sqlite"
    (tmp_path / "extctl.toml").write_text(
        f'[targets.lab]\nkind = "kamailio"\nurl = "{url}"\ndomain = "{DOMAIN}"\n')
    cfg = config("kamailio", url)
    t = open_target(cfg)
    literal = "tQ7#vZ2m!Lp9Rx4k"
    apply_plan(desired(CSV.replace("2300,Support 2300,,auto", f"2300,Support 2300,,{literal}")),
               t, cfg, force=True)
    for code, attr, value in (("4000", "name", "=HYPERLINK(\"http://x\")"),
                              ("4001", "name", "Bad Forward"), ("4001", "fwd", "+1 555"),
                              ("4002", "name", "-Lobby")):
        execute(url, "INSERT INTO usr_preferences (uuid, username, domain, attribute, type, "
                     "value) VALUES (:u, :u, :d, :a, 0, :v)", u=code, d=DOMAIN, a=attr, v=value)
    for code in ("4000", "4001", "4002"):
        execute(url, "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES "
                     "(:u, :d, 'legacy-secret-abc', 'x', 'y')", u=code, d=DOMAIN)
    result = CliRunner().invoke(cli, ["export", "--today", "2026-11-26"])
    assert result.exit_code == 1
    csv_text, err = result.stdout, result.stderr
    assert literal not in result.output and "legacy-secret-abc" not in result.output
    cells = [c for r in csv.reader(io.StringIO(csv_text)) for c in r[1:]]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert '4000,"HYPERLINK(""http://x"")"' in csv_text and "4002,Lobby," in csv_text
    assert "4001," not in csv_text
    assert "needs a decision: 2300: its password is a literal" in err
    assert "needs a decision: 4000: name '=HYPERLINK" in err
    assert "needs a decision: 4001: not exported: forward_number:" in err
    assert "Exported 5 extensions to stdout." in err
    (tmp_path / "extensions.csv").write_text(csv_text)
    assert CliRunner().invoke(cli, ["validate", "--today", "2026-11-26"]).exit_code == 0
    out = CliRunner().invoke(cli, ["export", "--out", "extensions.csv"])
    assert out.exit_code == 2 and "exists" in out.output
