"""SPEC §3.1: the must-reject and must-pass examples, through the whole validator."""

from __future__ import annotations

import pytest

from extctl.policy import Policy
from schema.password import has_run, personal_hits
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
    return [f.rule for f in report.findings if f.column == "password"]


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
