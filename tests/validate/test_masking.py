"""Issue 7 item 10: a password filed under the wrong column is masked too."""

from __future__ import annotations

import json

import pytest

from extctl.policy import Policy
from tests.helpers import TODAY
from validate.reporters import render
from validate.run import validate_bytes

SECRET = "Zq8#vK2m!Lp9Rx4k"  # not a valid username, strong as a password
FORMATS = ("text", "github", "json")


def outputs(data: bytes) -> dict[str, str]:
    report = validate_bytes(data, "extensions.csv", Policy(), TODAY)
    return {fmt: render([report], fmt) for fmt in FORMATS}


@pytest.mark.parametrize("data", [
    # no header row: the first row is read as the header
    f"2105,Mia,mia,{SECRET},true\n2106,Noah,noah,{SECRET}x,true\n".encode(),
    # a header whose password column is not where the rows put it
    f"code,name,password,username,remote\n2105,Mia,mia,{SECRET},true\n".encode(),
    # no password column, an unknown one instead
    f"code,name,username,secret,remote\n2105,Mia,{SECRET},x,true\n".encode(),
    # a row with an extra field shifts nothing, but the header is in doubt
    f"code,name,username,remote\n2105,Mia,{SECRET},true\n2106,N,n,true,x\n".encode(),
    # duplicate column
    f"code,name,username,username,remote\n2105,Mia,{SECRET},m,true\n".encode(),
])
def test_shifted_password_is_masked_in_every_format(data: bytes) -> None:
    for fmt, out in outputs(data).items():
        assert SECRET not in out, fmt
        assert SECRET[:4] not in out, fmt  # not even a long prefix


def test_shifted_values_are_masked_but_findings_stay() -> None:
    data = f"code,name,password,username,remote\n2105,Mia,mia,{SECRET},true\n".encode()
    body = json.loads(outputs(data)["json"])
    user = [f for f in body["files"][0]["findings"] if f["column"] == "username"]
    assert user and user[0]["rule"] == "username-format" and user[0]["value"] == "***"


def test_canonical_header_still_quotes_values() -> None:
    data = b"code,name,username,password,remote\n21a5,Mia,m i,auto,true\n"
    body = json.loads(outputs(data)["json"])
    values = {f["column"]: f["value"] for f in body["files"][0]["findings"]}
    assert values["code"] == "21a5" and values["username"] == "m i"
    assert "'21a5'" in outputs(data)["text"]


def test_unknown_header_cell_is_a_masked_prefix_with_its_position() -> None:
    out = outputs(b"code,name,passwrd\n2105,Mia,x\n")["text"]
    assert "unknown column 'p***' (field 3): did you mean 'password'?" in out
    assert "passwrd" not in out
    first = outputs(f"2105,Mia,{SECRET}\n".encode())["text"]
    assert "the first line looks like data" in first


def test_mask_prefix_shows_at_most_a_quarter_and_three_characters() -> None:
    from schema.columns import mask_prefix

    assert mask_prefix("ab") == "'***'"
    assert mask_prefix("abcdefgh") == "'ab***'"
    assert mask_prefix(SECRET) == "'Zq8***'"
    assert mask_prefix("x" * 1000) == "'xxx***'"
