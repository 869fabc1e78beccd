"""The three reporters: text, github, json (SPEC §4.1)."""

from __future__ import annotations

import json

from extctl.policy import Policy
from tests.helpers import TODAY, csv_bytes, row
from validate.reporters import GITHUB_ANNOTATION_LIMIT, render
from validate.run import validate_bytes

SECRET = "Summer2024!"


def bad_report():  # type: ignore[no-untyped-def]
    data = csv_bytes(row("2105"), row("2106", password=SECRET), row("2105"))
    return validate_bytes(data, "extensions.csv", Policy(), TODAY)


def test_text_format() -> None:
    out = render([bad_report()], "text")
    assert "extensions.csv:4:code: code 2105 is also on line 2: codes must be unique " \
           "[code-duplicate]" in out
    assert out.rstrip().endswith("FAILED: 1 file, 3 rows, 3 errors, 1 warning")


def test_github_format() -> None:
    out = render([bad_report()], "github")
    first = out.splitlines()[0]
    assert first.startswith("::error file=extensions.csv,line=2,col=1,title=code-duplicate")
    assert "::code 2105 is also on line 4" in first
    assert "[code-duplicate]" in out  # the log copy too


def test_github_caps_annotations_but_logs_everything() -> None:
    rows = [row(str(2100 + i), call_limit="99") for i in range(15)]
    report = validate_bytes(csv_bytes(*rows), "extensions.csv", Policy(), TODAY)
    out = render([report], "github")
    annotations = [x for x in out.splitlines() if x.startswith("::error")]
    assert len(annotations) == GITHUB_ANNOTATION_LIMIT
    assert "5 more findings" in out
    assert out.count("[call-limit-range]") == 15


def test_github_escapes_newlines_and_commas() -> None:
    report = validate_bytes(csv_bytes(row("2105", team="a,b\nc")), "dir,x/e.csv", Policy(), TODAY)
    line = render([report], "github").splitlines()[0]
    assert "file=dir%2Cx/e.csv" in line and "\n" not in line


def test_json_format() -> None:
    body = json.loads(render([bad_report()], "json"))
    assert body["summary"] == {"errors": 3, "warnings": 1}  # + password-literal
    [f] = body["files"]
    assert f["path"] == "extensions.csv" and f["rows"] == 3
    assert {"line": 4, "column": "code", "rule": "code-duplicate", "severity": "error",
            "message": "code 2105 is also on line 2: codes must be unique",
            "value": "2105"} in f["findings"]
    pw = [x for x in f["findings"] if x["column"] == "password"]
    assert pw and all(x["value"] == "***" for x in pw)


def test_json_file_level_column_is_null() -> None:
    report = validate_bytes(b"", "extensions.csv", Policy(), TODAY)
    body = json.loads(render([report], "json"))
    assert body["files"][0]["findings"][0]["column"] is None


def test_no_password_in_any_format() -> None:
    for fmt in ("text", "github", "json"):
        assert SECRET not in render([bad_report()], fmt)
