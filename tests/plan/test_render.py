from __future__ import annotations

import json

import pytest

from extctl.errors import UsageError
from extctl.policy import Safety
from plan.render import render
from plan.render_markdown import DETAILS_AFTER, MAX_CHARS
from tests.plan.helpers import SECRET, desired, plan, state


@pytest.fixture
def mixed():  # type: ignore[no-untyped-def]
    want = desired(
        {"code": "2105", "name": "Mia Lopez", "password": SECRET},
        {"code": "2300", "name": "Noah", "call_limit": "3", "password": SECRET + "x"},
        {"code": "2500", "name": "Off", "enabled": "false"},
    )
    have = state({"code": "2300", "name": "Noah", "call_limit": "2", "password": SECRET,
                  "password_source": "literal"},
                 {"code": "2400", "name": "Gone"},
                 {"code": "2500", "name": "Off"},
                 {"code": "2999", "name": "Fax", "managed": "false"})
    return plan(want, have)


def test_text_is_terraform_like(mixed) -> None:  # type: ignore[no-untyped-def]
    out = render(mixed, "text")
    lines = out.splitlines()
    assert "- 2400 delete" in lines
    assert any(ln.startswith("+ 2105 create") and '"Mia Lopez"' in ln for ln in lines)
    assert any(ln.startswith("~ 2300 update") and "call_limit: 2 -> 3" in ln for ln in lines)
    assert "password: (changed)" in out
    assert "~ 2500 disable" in lines
    assert "2999" in out and "Unmanaged" in out
    assert lines[-1] == "Plan: 1 to create, 1 to update, 1 to disable, 0 to enable, 1 to delete."
    assert out.index("2400") < out.index("2105") < out.index("2300")


def test_text_no_changes() -> None:
    p = plan(desired({"code": "2105", "name": "A"}), state({"code": "2105", "name": "A"}))
    assert render(p, "text").splitlines()[-1] == "No changes."


def _unsafe():  # type: ignore[no-untyped-def]
    have = state(*({"code": str(2000 + i), "name": "N"} for i in range(10)))
    want = desired(*({"code": str(2000 + i), "name": "N"} for i in range(6)))
    return plan(want, have)


def test_unsafe_banner_in_the_first_lines_naming_rows() -> None:
    p = _unsafe()
    text = render(p, "text").splitlines()
    assert text[0].startswith("UNSAFE PLAN") and "4 of 10" in text[0]
    assert "2006, 2007, 2008, 2009" in text[1]
    md = render(p, "markdown")
    assert "UNSAFE" in "\n".join(md.splitlines()[:8])
    assert "2006" in "\n".join(md.splitlines()[:8])


def test_markdown_summary_first_deletes_early_and_small_plan_not_folded(mixed) -> None:  # type: ignore[no-untyped-def]
    md = render(mixed, "markdown")
    assert md.splitlines()[0] == (
        "**Plan: 1 to create, 1 to update, 1 to disable, 0 to enable, 1 to delete.**")
    assert md.index("Deletes (1)") < md.index("| action |")
    assert "<details>" not in md


def test_markdown_escapes_cells() -> None:
    p = plan(desired({"code": "2105", "name": "a|b @team <x>"}), state())
    md = render(p, "markdown")
    assert "a\\|b &#64;team &lt;x&gt;" in md
    assert "@team" not in md


def _big(n: int):  # type: ignore[no-untyped-def]
    rows = ({"code": str(100000 + i), "name": f"Person {i} with a long display name",
             "notes": "n" * 150} for i in range(n))
    return plan(desired(*rows), state(), safety=Safety())


def test_markdown_folds_past_fifty_changes() -> None:
    assert "<details>" not in render(_big(DETAILS_AFTER), "markdown")
    md = render(_big(DETAILS_AFTER + 1), "markdown")
    assert "<details><summary>All 51 changes</summary>" in md and "</details>" in md


def test_markdown_capped_for_ten_thousand_changes() -> None:
    md = render(_big(10_000), "markdown")
    assert len(md) < MAX_CHARS
    assert "more" in md and "</details>" in md
    assert md.splitlines()[0].startswith("**Plan: 10000 to create")


def test_json_shape(mixed) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(render(mixed, "json"))
    assert data["target"] == "pbx"
    assert data["summary"] == {"create": 1, "update": 1, "delete": 1, "disable": 1, "enable": 0}
    first = data["changes"][0]
    assert first == {"action": "delete", "code": "2400", "fields": {}}
    upd = next(c for c in data["changes"] if c["code"] == "2300")
    assert upd["fields"]["call_limit"] == {"old": "2", "new": "3"}
    assert upd["fields"]["password"] == {"changed": True}
    create = next(c for c in data["changes"] if c["code"] == "2105")
    assert create["fields"]["name"] == {"old": None, "new": "Mia Lopez"}
    assert data["unsafe"] is False and data["unmanaged"] == ["2999"]
    assert len(data["fingerprint"]) == 64 and data["digest_key"]
    assert set(data["state_digests"]) == {"2300", "2400", "2500", "2999"}


def test_no_secret_in_any_rendering(mixed) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("text", "markdown", "json"):
        out = render(mixed, fmt)
        assert SECRET not in out
        assert "gen2400" not in out  # the PBX's generated secrets either


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown plan format"):
        render(_unsafe(), "yaml")
