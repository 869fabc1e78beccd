"""`fmt`: canonical, idempotent, keeps a valid file valid."""

from __future__ import annotations

import pytest

from extctl.errors import CheckFailed
from extctl.policy import Policy
from tests.helpers import TODAY
from validate.fmt import canonical_bytes
from validate.run import validate_bytes

MESSY = (
    b"\xef\xbb\xbfname,code,remote,dnd,notes\r\n"
    b"Bob,2300,YES,0,\"two\r\nlines\"\r\n"
    b"Mia Lopez,2105,True,no,\"a, b\"\r\n"
)


def test_canonical_form() -> None:
    out = canonical_bytes(MESSY, "extensions.csv")
    assert out == (
        b"code,name,dnd,remote,notes\n"
        b"2105,Mia Lopez,false,true,\"a, b\"\n"
        b"2300,Bob,false,true,\"two\r\nlines\"\n"
    )


def test_idempotent_and_still_valid() -> None:
    once = canonical_bytes(MESSY, "extensions.csv")
    assert canonical_bytes(once, "extensions.csv") == once
    before = validate_bytes(MESSY, "e.csv", Policy(), TODAY)
    after = validate_bytes(once, "e.csv", Policy(), TODAY)
    # The two-line note is text-invisible (a line break is Cc); nothing else.
    assert {f.rule for f in before.findings} == {f.rule for f in after.findings} \
        == {"text-invisible"}


def test_numeric_sort() -> None:
    data = b"code,name,remote\n10000,A,true\n999,B,true\n2105,C,true\n"
    out = canonical_bytes(data, "e.csv").decode().splitlines()
    assert [x.split(",")[0] for x in out[1:]] == ["999", "2105", "10000"]


def test_broken_structure_is_refused_untouched() -> None:
    with pytest.raises(CheckFailed) as err:
        canonical_bytes(b"code,name\n2105,Mia\n\n2106,Bob\n", "extensions.csv")
    assert "extensions.csv:3" in str(err.value) and "file-blank-line" in str(err.value)


def test_repository_file_is_canonical() -> None:
    from pathlib import Path

    data = Path(__file__).parents[2].joinpath("extensions.csv").read_bytes()
    assert canonical_bytes(data, "extensions.csv") == data
    assert validate_bytes(data, "extensions.csv", Policy(), TODAY).ok
