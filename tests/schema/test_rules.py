"""Each rule of schema/rules.py with a failing and a passing case."""

from __future__ import annotations

import dataclasses

import pytest

from extctl.policy import Policy, parse_policy
from schema.rules import RULES
from tests.helpers import TODAY, csv_bytes, row
from validate.run import validate_bytes

# rule -> (rows that must raise it on the LAST row, rows that must not raise it)
CASES: dict[str, tuple[list[dict[str, str]], list[dict[str, str]]]] = {
    "code-format": ([row("0210")], [row("2105")]),
    "code-length": ([row("21")], [row("210")]),
    "code-duplicate": ([row("2105"), row("2105")], [row("2105"), row("2106")]),
    "code-reserved": ([row("911")], [row("912")]),
    "code-prefix": ([row("210"), row("2105")], [row("210"), row("310")]),
    "name-format": ([row("2105", name=" Mia")], [row("2105", name="Mia López")]),
    "name-formula": ([row("2105", name="=HYPERLINK(1)")], [row("2105", name="Mia = boss")]),
    "username-format": ([row("2105", username="mia lopez")], [row("2105", username="mia.lopez")]),
    "username-duplicate": (
        [row("2105", username="mia"), row("2106", username="MIA")],
        [row("2105", username="mia"), row("2106", username="mia2")],
    ),
    "username-code-clash": (
        [row("2105"), row("2106", username="2105")],
        [row("2105"), row("2106", username="2106")],
    ),
    "password-length": ([row("2105", password="tQ7#vZ2m!Lp9")], [row("2105", password="auto")]),
    "password-charset": (
        [row("2105", password="tQ7#vZ2m Lp9Rx4kW")], [row("2105", password="tQ7#vZ2m!Lp9Rx4k")]
    ),
    "password-personal": (
        [row("2105", password="2105secret2105ab")], [row("2105", password="k2VqP9wX3nR7tL5y")]
    ),
    "password-sequence": (
        [row("2105", password="tQ7#vZ2m!Lp9abcd")], [row("2105", password="tQ7#vZ2m!Lp9Rx4k")]
    ),
    "password-guessable": (
        [row("2105", password="Summer2024!Summer")], [row("2105", password="tQ7#vZ2m!Lp9Rx4k")]
    ),
    "call-limit-range": ([row("2105", call_limit="11")], [row("2105", call_limit="10")]),
    "boolean-format": ([row("2105", dnd="maybe")], [row("2105", dnd="YES")]),
    "forward-number-format": (
        [row("2105", forward_number="+1 408 555 0123")], [row("2105", forward_number="")]
    ),
    "forward-number-invalid": (
        [row("2105", forward_number="+1408555012")], [row("2105", forward_number="+14085550123")]
    ),
    "allowed-ips-format": (
        [row("2105", allowed_ips="10.0.0.300", remote="false")],
        [row("2105", allowed_ips="10.0.0.3;2001:db8::/32", remote="false")],
    ),
    "allowed-ips-host-bits": (
        [row("2105", allowed_ips="10.0.0.1/24", remote="false")],
        [row("2105", allowed_ips="10.0.0.0/24", remote="false")],
    ),
    "allowed-ips-any": (
        [row("2105", allowed_ips="10.0.0.0/8;::/0", remote="false")],
        [row("2105", allowed_ips="10.0.0.0/8", remote="false")],
    ),
    "allowed-ips-required": (
        [row("2105", allowed_ips="", remote="false")], [row("2105", allowed_ips="", remote="yes")]
    ),
    "team-format": ([row("2105", team="Support")], [row("2105", team="support-emea")]),
    "owner-format": ([row("2105", owner="mia at example")], [row("2105", owner="mia@example.com")]),
    "rotation-date-format": (
        [row("2105", password_rotated="2026-02-30")], [row("2105", password_rotated="2026-02-28")]
    ),
    "rotation-date-future": (
        [row("2105", password_rotated="2026-11-27")], [row("2105", password_rotated="2026-11-26")]
    ),
    "rotation-overdue": (
        [row("2105", high_risk="true", password_rotated="2026-05-01")],
        [row("2105", high_risk="true", password_rotated="2026-06-01")],
    ),
    "transport-format": ([row("2105", transport="sctp")], [row("2105", transport="tls")]),
    "notes-length": ([row("2105", notes="x" * 201)], [row("2105", notes="x" * 200)]),
    "password-literal": ([row("2105", password="tQ7#vZ2m!Lp9Rx4k")], [row("2105", password="")]),
    "allowed-ips-mapped": (
        [row("2105", allowed_ips="::ffff:10.0.0.0/120", remote="false")],
        [row("2105", allowed_ips="10.0.0.0/24;2001:db8::/48", remote="false")],
    ),
    "text-invisible": ([row("2105", name="Mia\u202eLopez")], [row("2105", name="Mia López")]),
}

TEAM_POLICY = parse_policy({"teams": {"support": {"codes": ["2300-2399"]}}})
OWNER_POLICY = parse_policy({"require_owner": True})
POLICY_CASES: dict[str, tuple[Policy, list[dict[str, str]], list[dict[str, str]]]] = {
    "code-team-range": (TEAM_POLICY, [row("2400", team="support")], [row("2301", team="support")]),
    "owner-required": (OWNER_POLICY, [row("2105", owner="")], [row("2105")]),
}


def rules_on_last_row(rows: list[dict[str, str]], policy: Policy | None = None) -> set[str]:
    report = validate_bytes(csv_bytes(*rows), "extensions.csv", policy or Policy(), TODAY)
    last = len(rows) + 1
    return {f.rule for f in report.findings if f.line == last}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fails_and_passes(rule: str) -> None:
    bad, good = CASES[rule]
    assert rule in rules_on_last_row(bad)
    assert rule not in rules_on_last_row(good)


@pytest.mark.parametrize("rule", sorted(POLICY_CASES))
def test_policy_rule_fails_and_passes(rule: str) -> None:
    policy, bad, good = POLICY_CASES[rule]
    assert rule in rules_on_last_row(bad, policy)
    assert rule not in rules_on_last_row(good, policy)
    assert rule not in rules_on_last_row(bad)  # only with that policy


def test_every_row_rule_is_covered() -> None:
    row_rules = {r for r in RULES if not r.startswith(("file-", "header-"))}
    assert row_rules == set(CASES) | set(POLICY_CASES)


def test_duplicate_message_names_the_other_line() -> None:
    report = validate_bytes(csv_bytes(row("2105"), row("2106"), row("2105")), "e.csv",
                            Policy(), TODAY)
    dup = [f for f in report.findings if f.rule == "code-duplicate"]
    assert [(f.line, f.message) for f in dup] == [
        (2, "code 2105 is also on line 4: codes must be unique"),
        (4, "code 2105 is also on line 2: codes must be unique"),
    ]


def test_prefix_is_reported_on_the_longer_code_with_the_shorter_named() -> None:
    report = validate_bytes(csv_bytes(row("2105"), row("210")), "e.csv", Policy(), TODAY)
    [f] = [f for f in report.findings if f.rule == "code-prefix"]
    assert f.line == 2 and "starts with code 210 (line 3)" in f.message


def test_booleans_are_never_truthy_coerced() -> None:
    # "false" must mean false: a non-remote row with blank IPs is an error.
    rules = rules_on_last_row([row("2105", remote="false", allowed_ips="")])
    assert "allowed-ips-required" in rules
    assert "allowed-ips-required" not in rules_on_last_row([row("2105", remote="TRUE")])


def test_severity_override_turns_rule_into_warning_or_off() -> None:
    rows = [row("2105", team="Support")]
    warn = parse_policy({"severity": {"team-format": "warning"}})
    report = validate_bytes(csv_bytes(*rows), "e.csv", warn, TODAY)
    assert [(f.rule, f.severity) for f in report.findings] == [("team-format", "warning")]
    assert report.ok
    off = parse_policy({"severity": {"team-format": "off"}})
    assert validate_bytes(csv_bytes(*rows), "e.csv", off, TODAY).findings == ()


def test_code_length_follows_policy() -> None:
    policy = dataclasses.replace(Policy(), code_min_length=4, code_max_length=4)
    assert "code-length" in rules_on_last_row([row("210")], policy)
    assert "code-length" not in rules_on_last_row([row("2105")], policy)


def test_password_value_is_masked_in_findings() -> None:
    report = validate_bytes(csv_bytes(row("2105", password="Summer2024!")), "e.csv",
                            Policy(), TODAY)
    pw = [f for f in report.findings if f.column == "password"]
    assert pw and all(f.value == "***" for f in pw)
    assert all("Summer2024" not in f.message for f in report.findings)


def test_readme_rule_table_lists_every_rule_and_whether_it_can_be_relaxed() -> None:
    from pathlib import Path

    from schema.rules import RELAXABLE

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for rule, (_, text) in RULES.items():
        relaxed = "yes" if rule in RELAXABLE else "no"
        assert f"| `{rule}` | {text} | {relaxed} |" in readme, rule
