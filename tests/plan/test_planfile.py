from __future__ import annotations

from pathlib import Path

import pytest

from extctl.errors import UsageError
from plan.planfile import load_plan, save_plan
from plan.render_json import change_to_dict
from tests.plan.helpers import SECRET, desired, plan, state


def test_round_trip(tmp_path: Path) -> None:
    p = plan(desired({"code": "2105", "name": "A", "password": SECRET},
                     {"code": "2300", "name": "B", "call_limit": "4"}),
             state({"code": "2300", "name": "B"}, {"code": "2400", "name": "C"},
                   {"code": "2999", "name": "X", "managed": "false"}))
    path = tmp_path / "plan.json"
    save_plan(p, path)
    text = path.read_text()
    assert SECRET not in text and "gen2300" not in text
    back = load_plan(path)
    assert [change_to_dict(c) for c in back.changes] == [change_to_dict(c) for c in p.changes]
    assert back.state_digests == p.state_digests
    assert (back.fingerprint, back.digest_key, back.target) == (p.fingerprint, p.digest_key, "pbx")
    assert back.unmanaged == ("2999",) and back.safety == p.safety


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"format": "something-else"}', "not an extctl plan"),
        ('{"format": "extctl-plan", "version": 99}', "version 99"),
        ('{"format": "extctl-plan", "version": 1, "changes": [{"action": "explode"}],'
         ' "target": "t", "fingerprint": "", "digest_key": ""}', "action"),
        ('{"format": "extctl-plan", "version": 1, "changes": "x"}', "changes must be a list"),
    ],
)
def test_bad_files_are_usage_errors_naming_the_path(tmp_path: Path, content: str,
                                                    message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message) as err:
        load_plan(path)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        load_plan(tmp_path / "nope.json")
