"""extctl.toml: defaults, every key, and a clear error naming a wrong key."""

from __future__ import annotations

from pathlib import Path

import pytest

from extctl.errors import UsageError
from extctl.policy import Policy, load_policy, parse_policy


def test_missing_file_is_defaults(tmp_path: Path) -> None:
    policy = load_policy(tmp_path / "extctl.toml")
    assert policy == Policy()
    target = policy.target(None)
    assert (target.kind, target.url) == ("kamailio", "sqlite:///pbx.sqlite")


def test_full_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PBX_URL", "postgresql://pbx@db/pbx")
    path = tmp_path / "extctl.toml"
    path.write_text(
        'code_length = [4, 5]\nreserved_codes = ["911", 112]\nrequire_owner = true\n'
        "min_length = 20\nmin_guess_bits = 60\nmax_call_limit = 4\nrotation_days = 90\n"
        '[teams.support]\ncodes = ["2300-2399", "2500-2509"]\n'
        '[severity]\nteam-format = "warning"\n'
        "[safety]\nmin_existing = 5\nmax_change_fraction = 0.5\n"
        '[targets.prod]\nkind = "kamailio"\nurl_env = "PBX_URL"\ndefault = true\n'
        'domain = "pbx.example.com"\n[targets.prod.safety]\nmax_change_fraction = 0.1\n'
        '[targets.lab]\nkind = "asterisk"\nurl = "sqlite:///lab.db"\nunsupported = "warn"\n'
    )
    p = load_policy(path)
    assert (p.code_min_length, p.code_max_length) == (4, 5)
    assert p.reserved_codes == ("911", "112")
    assert p.require_owner and p.min_length == 20 and p.min_guess_bits == 60
    assert p.team_ranges() == {"support": ((2300, 2399), (2500, 2509))}
    assert p.severity_of("team-format", "error") == "warning"
    prod = p.target(None)
    assert prod.url == "postgresql://pbx@db/pbx" and prod.option("domain", "") == "pbx.example.com"
    assert prod.safety.max_change_fraction == 0.1 and prod.safety.min_existing == 5
    assert p.target("lab").unsupported == "warn"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("min_lenght = 3", "'min_lenght'"),
        ("code_length = [6, 3]", "'code_length'"),
        ("max_call_limit = 0", "'max_call_limit'"),
        ('[severity]\nno-such-rule = "off"', "'severity.no-such-rule'"),
        ('[severity]\ncode-prefix = "loud"', "'severity.code-prefix'"),
        ('[teams.support]\ncodes = ["2399-2300"]', "'teams.support.codes'"),
        ('[targets.x]\nurl = "sqlite:///x"', "'targets.x.kind'"),
        ("[safety]\nmax_change_fraction = 2", "'safety.max_change_fraction'"),
        ("require_owner = \"yes\"", "'require_owner'"),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_invalid_policy_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "extctl.toml"
    path.write_text(text + "\n")
    with pytest.raises(UsageError) as err:
        load_policy(path)
    assert key in str(err.value) and str(path) in str(err.value)


def test_target_choice() -> None:
    two = parse_policy({"targets": {"a": {"kind": "kamailio", "url": "sqlite:///a"},
                                    "b": {"kind": "asterisk", "url": "sqlite:///b"}}})
    with pytest.raises(UsageError, match="pass --target"):
        two.target(None)
    with pytest.raises(UsageError, match="unknown target 'c'"):
        two.target("c")
    assert two.target("b").kind == "asterisk"


def test_hr_table_for_hr_sync() -> None:
    policy = parse_policy({"hr": {"gone_statuses": ["Exited", " Left "],
                                  "team_owners": ["*-Leads@example.com"]}})
    assert policy.hr_gone_statuses == ("exited", "left")
    assert policy.hr_team_owners == ("*-leads@example.com",)
    assert Policy().hr_gone_statuses == ("terminated", "inactive", "left", "leaver")
    with pytest.raises(UsageError, match=r"key 'hr\.gone'"):
        parse_policy({"hr": {"gone": ["x"]}})
    with pytest.raises(UsageError, match=r"key 'hr\.gone_statuses'"):
        parse_policy({"hr": {"gone_statuses": "left"}})


def test_unset_url_env_fails_only_when_the_target_is_used(tmp_path: Path) -> None:
    # A fork's pull request has no secrets: validate and plan --base must still work.
    path = tmp_path / "extctl.toml"
    path.write_text('[targets.x]\nkind = "kamailio"\nurl_env = "NOPE_NOT_SET"\n')
    policy = load_policy(path)
    with pytest.raises(UsageError) as err:
        policy.target(None)
    assert "'targets.x.url_env'" in str(err.value) and str(path) in str(err.value)
    assert "NOPE_NOT_SET is not set" in str(err.value)
