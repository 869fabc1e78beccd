"""Issue 7, items 1-4, 7 and 8: what the validator used to accept and must refuse."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extctl.policy import Policy, parse_policy
from schema.checks import reserved_hit
from schema.columns import is_auto
from schema.derive import auto_mask, ip_problem
from tests.helpers import TODAY, csv_bytes, row
from validate.fmt import canonical_bytes
from validate.run import validate_bytes

LITERAL = "tQ7#vZ2m!Lp9Rx4k"


def rules(*rows: dict[str, str], policy: Policy | None = None) -> list[tuple[int, str, str]]:
    report = validate_bytes(csv_bytes(*rows), "extensions.csv", policy or Policy(), TODAY)
    return [(f.line, f.rule, f.severity) for f in report.findings]


# --- 1. one definition of "auto" ------------------------------------------

SPELLINGS = ["", "auto", "AUTO", "Auto", "aUtO", " auto", "auto ", "autox",
             "\uff21\uff35\uff34\uff2f", LITERAL]  # the last but one: fullwidth AUTO


def test_auto_is_one_definition_for_scalars_and_columns() -> None:
    want = [True, True, True, True, True, False, False, False, False, False]
    assert [is_auto(s) for s in SPELLINGS] == want
    assert auto_mask(pd.Series(SPELLINGS, dtype="string[pyarrow]")).tolist() == want


@pytest.mark.parametrize("spelling", ["AUTO", "Auto"])
def test_auto_in_any_case_is_no_literal_password(spelling: str) -> None:
    assert rules(row("2105", password=spelling)) == []


def test_fmt_writes_auto_canonically() -> None:
    data = b"code,name,password,remote\n2105,Mia,AUTO,true\n2106,Bob,,true\n2107,Al,Auto,true\n"
    assert canonical_bytes(data, "extensions.csv") == (
        b"code,name,password,remote\n2105,Mia,auto,true\n2106,Bob,,true\n2107,Al,auto,true\n")


def test_plan_reads_auto_in_any_case_as_auto() -> None:
    from plan.diff import csv_state, normalise_desired

    frame = pd.DataFrame({"code": ["2105", "2106"], "name": ["Mia", "Bob"],
                          "password": ["AUTO", "Auto"]})
    assert normalise_desired(frame)["password"].tolist() == ["auto", "auto"]
    assert csv_state(frame)["password_source"].tolist() == ["auto", "auto"]


# --- 2. reserved codes behind a longer code -------------------------------

@pytest.mark.parametrize("code", ["9110", "1120", "9880", "91100", "91", "911"])
def test_code_reaching_a_reserved_number_is_reserved(code: str) -> None:
    assert any(rule == "code-reserved" for _, rule, _ in rules(row(code)))


@pytest.mark.parametrize("code", ["9120", "2911", "1130", "9800"])
def test_other_codes_are_not_reserved(code: str) -> None:
    assert not any(rule == "code-reserved" for _, rule, _ in rules(row(code)))


def test_reserved_message_names_the_emergency_number() -> None:
    report = validate_bytes(csv_bytes(row("9110")), "e.csv", Policy(), TODAY)
    [f] = [f for f in report.findings if f.rule == "code-reserved"]
    assert "starts with the reserved/emergency number 911" in f.message


# --- 3. allowed_ips judged as a union -------------------------------------

@pytest.mark.parametrize(("ips", "problem"), [
    ("0.0.0.0/1;128.0.0.0/1", "allowed-ips-any"),
    ("::/1;8000::/1", "allowed-ips-any"),
    ("10.0.0.0/8;11.0.0.0/8", "allowed-ips-any"),  # two /8s: more than one /8
    ("0.0.0.0/0", "allowed-ips-any"),
    ("2001:db8::/31", "allowed-ips-any"),
    ("::ffff:0.0.0.0/96", "allowed-ips-mapped"),
    ("::ffff:10.0.0.1", "allowed-ips-mapped"),
    ("10.0.0.0/8", ""),
    ("10.0.0.0/9;10.128.0.0/9", ""),  # together exactly a /8
    ("10.0.0.0/8;10.1.0.0/16", ""),  # overlap counted once
    ("2001:db8::/32;192.168.1.0/24", ""),
])
def test_allowed_ips_union(ips: str, problem: str) -> None:
    found = [rule for _, rule, _ in rules(row("2105", allowed_ips=ips, remote="false"))]
    assert found == ([problem] if problem else [])


def test_allowed_ips_limit_comes_from_the_policy() -> None:
    policy = parse_policy({"allowed_ips_widest_ipv4": 16, "allowed_ips_widest_ipv6": 48})
    assert ip_problem("10.0.0.0/8", (16, 48)) == 3
    found = rules(row("2105", allowed_ips="10.0.0.0/15", remote="false"), policy=policy)
    assert [r for _, r, _ in found] == ["allowed-ips-any"]
    assert rules(row("2105", allowed_ips="10.0.0.0/16", remote="false"), policy=policy) == []


# --- 4. invisible and direction characters --------------------------------

INVISIBLE = ["\u202e", "\u200b", "\u2028", "\u2029", "\x07", "\ue000", "\u0378", "\ufeff"]


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("column", ["name", "notes", "team", "owner"])
def test_invisible_characters_refused_in_every_text_column(column: str, char: str) -> None:
    value = {"name": "Mia{}Lopez", "notes": "desk{}3", "team": "sales{}",
             "owner": "mia{}@example.com"}[column].format(char)
    report = validate_bytes(csv_bytes(row("2105", **{column: value})), "e.csv", Policy(), TODAY)
    [f] = [f for f in report.findings if f.rule == "text-invisible"]
    assert f.column == column and f.severity == "error"
    assert f"U+{ord(char):04X}" in f.message


def test_ordinary_unicode_passes() -> None:
    assert rules(row("2105", name="Zoë Ødegård-Nakamura 中村", notes="Ünïcode ✓ 😀")) == []


# --- 7. password-literal --------------------------------------------------

def test_literal_password_is_a_warning_saying_how_to_switch_to_auto() -> None:
    report = validate_bytes(csv_bytes(row("2105", password=LITERAL)), "e.csv", Policy(), TODAY)
    [f] = report.findings
    assert (f.rule, f.severity, f.value) == ("password-literal", "warning", "***")
    assert "write auto" in f.message and LITERAL not in f.message
    assert report.ok


def test_literal_password_is_an_error_when_the_policy_forbids_literals() -> None:
    policy = parse_policy({"allow_literal_passwords": False})
    assert rules(row("2105", password=LITERAL), policy=policy) == [
        (2, "password-literal", "error")]
    assert rules(row("2105", password="AUTO"), policy=policy) == []


# --- 8. company words and PBX jargon --------------------------------------

def test_company_words_and_jargon_make_a_password_guessable() -> None:
    policy = parse_policy({"password_words": ["globex"]})
    for password in ("GlobexDesk2001123!", "PhoneMarketing#2023Pbx"):
        found = {r for _, r, _ in rules(row("2105", password=password), policy=policy)}
        assert "password-guessable" in found, password


def test_target_domain_is_a_user_input() -> None:
    policy = parse_policy({"targets": {"pbx": {"kind": "kamailio", "url": "sqlite:///x",
                                               "domain": "sip.initech.example"}}})
    found = {r for _, r, _ in rules(row("2105", password="Initech#Lobby2001x"), policy=policy)}
    assert "password-guessable" in found
    assert "password-guessable" not in {
        r for _, r, _ in rules(row("2105", password="Initech#Lobby2001x"))}


@pytest.mark.parametrize("password", ["tQ7#vZ2m!Lp9Rx4k", "k2VqP9wX3nR7tL5y"])
def test_spec_passwords_still_pass_with_company_words(password: str) -> None:
    policy = parse_policy({"password_words": ["globex", "globex.com", "acme"]})
    assert [r for _, r, _ in rules(row("2105", password=password), policy=policy)] == [
        "password-literal"]


def _reserved_reference(code: str, reserved: tuple[str, ...]) -> int:
    starts = [i for i, r in enumerate(reserved) if code.startswith(r)]
    if starts:
        return min(starts)
    heads = [i for i, r in enumerate(reserved) if code and len(code) < len(r)
             and r.startswith(code)]
    return min(heads) if heads else -1


@given(st.lists(st.text(alphabet="0129", max_size=5), min_size=1, max_size=10),
       st.lists(st.text(alphabet="0129", min_size=1, max_size=4), max_size=5))
@settings(max_examples=300, deadline=None)
def test_reserved_hit_is_the_first_listed_collision(codes: list[str], reserved: list[str]) -> None:
    got = reserved_hit(pd.Series(codes, dtype="string[pyarrow]"), tuple(reserved))
    assert got.tolist() == [_reserved_reference(c, tuple(reserved)) for c in codes]
