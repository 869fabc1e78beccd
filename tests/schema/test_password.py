"""SPEC §3.1: the must-reject and must-pass examples, through the whole validator."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extctl.policy import Policy
from schema.derive import runs_many
from schema.password import has_run, personal_free, personal_hits
from tests.helpers import TODAY, csv_bytes, row
from validate.run import validate_bytes

REJECT = [
    ("2300", "Agent", "Summer2024!"),
    ("2300", "Agent", "Summer2024!Summer"),
    ("2300", "Agent", "Passw0rd!Passw0rd"),
    ("2300", "Agent", "Welcome2Company!"),
    ("2300", "Agent", "qwertyuiop123456"),
    ("2105", "Agent", "2105secret2105ab"),
    ("2300", "Mia Lopez", "MiaLopez2024!!ab"),
]
ACCEPT = ["tQ7#vZ2m!Lp9Rx4k", "k2VqP9wX3nR7tL5y"]


def password_findings(code: str, name: str, password: str) -> list[str]:
    data = csv_bytes(row(code, name=name, password=password))
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    # password-literal (a warning on every literal) has its own tests.
    return [f.rule for f in report.findings
            if f.column == "password" and f.rule != "password-literal"]


@pytest.mark.parametrize(("code", "name", "password"), REJECT)
def test_must_reject(code: str, name: str, password: str) -> None:
    assert password_findings(code, name, password)


@pytest.mark.parametrize("password", ACCEPT)
def test_must_pass(password: str) -> None:
    assert password_findings("2300", "Mia Lopez", password) == []


def test_character_arithmetic_alone_is_not_enough() -> None:
    # 17 characters of 4 classes "looks" like 110 bits; the estimator sees the words.
    assert password_findings("2300", "Agent", "Summer2024!Summer") == ["password-guessable"]


def test_auto_and_blank_cost_nothing() -> None:
    for pw in ("auto", ""):
        assert password_findings("2300", "Agent", pw) == []


def test_helpers() -> None:
    assert has_run("xx4321yy") and has_run("aaaa") and has_run("abcd")
    assert not has_run("abd1aab2")
    assert personal_hits("MiaLopez2024!!ab", "2300", "", "Mia Lopez") == ["Mia", "Lopez"]
    assert personal_hits("xM1aL0pez#2024Qz", "2300", "", "Mia Lopez") == ["Mia", "Lopez"]
    assert personal_hits("tQ7#vZ2m!Lp9Rx4k", "2300", "x", "Al") == []


def run_reference(password: str) -> bool:
    """4 repeated, or 4 consecutive printable-ASCII code points either way."""
    for i in range(len(password) - 3):
        window = [ord(c) for c in password[i:i + 4]]
        steps = {b - a for a, b in pairwise(window)}
        if steps == {0} or (steps in ({1}, {-1}) and all(0x21 <= c <= 0x7E for c in window)):
            return True
    return False


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcde 0123!\"#$\x00\x1f\x7f~}|{") | st.characters(
    max_codepoint=0x7F), max_size=24))
def test_has_run_matches_reference(password: str) -> None:
    assert has_run(password) == run_reference(password)


WORDS = st.sampled_from(["mia", "Lopez", "2105", "l0pez", "M1A", "x", "", "ab", "Ünal", "jo_e"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="miaLOPEZ0123!|@$5ab x", max_size=18), WORDS, WORDS,
                          st.lists(WORDS, max_size=3).map(" ".join)), max_size=6))
def test_personal_free_is_not_personal_hits(rows: list[tuple[str, str, str, str]]) -> None:
    cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[], [], [], []]
    assert personal_free(*cols) == [not personal_hits(*r) for r in rows]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abcde 0123!\"#$\x00\x1f\x7f~}|{é") |
                        st.characters(max_codepoint=0x7F), max_size=24), max_size=30))
def test_runs_many_is_has_run_on_every_password(passwords: list[str]) -> None:
    # The array version derive uses on the literal rows, ASCII or not.
    assert runs_many(passwords).tolist() == [run_reference(p) for p in passwords]
