"""Atomicity and locking of SqlTarget.apply: SIGKILL mid-apply, concurrent applies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from extctl.errors import StalePlan
from extctl.policy import TargetConfig
from pbx.asterisk import AsteriskTarget
from pbx.kamailio import KamailioTarget
from pbx.sqltarget import SqlTarget
from tests.pbx.helpers import dump, execute, frame, many, request_for, row

REPO = Path(__file__).resolve().parents[2]
KINDS = {"kamailio": KamailioTarget, "asterisk": AsteriskTarget}

CHILD = """
import sys
from extctl.policy import TargetConfig
from pbx.base import open_target
from tests.pbx.helpers import frame, many, request_for, row
import pandas as pd
kind, url, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = open_target(TargetConfig("t", kind, url))
t.apply(request_for(t, pd.concat([frame([row("2001")]), many(n)], ignore_index=True)))
"""


def make(kind: str, url: str) -> SqlTarget:
    return KINDS[kind](TargetConfig("t", kind, url))


def writing(url: str) -> bool:
    """True once an apply holds the lock and is writing."""
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///") + "-journal").exists()
    if url.startswith("mysql"):
        return execute(url, "SELECT IS_USED_LOCK('extctl-apply')")[0][0] is not None
    rows = execute(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND granted")
    return bool(rows[0][0])


def wait_until(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for the apply to start"
        time.sleep(0.02)


@pytest.mark.parametrize("kind", list(KINDS))
def test_sigkill_mid_apply_leaves_pbx_as_before(kind: str, db_url: str) -> None:
    t = make(kind, db_url)
    t.apply(request_for(t, frame([row("2001"), row("2002")])))
    before, state_before = dump(db_url), t.read_state()
    n = 60_000
    child = subprocess.Popen([sys.executable, "-c", CHILD, kind, db_url, str(n)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        wait_until(lambda: writing(db_url) or child.poll() is not None)
        time.sleep(0.3 if db_url.startswith("sqlite") else 1.0)
        assert child.poll() is None, "the apply finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    pd.testing.assert_frame_equal(t.read_state(), state_before)
    assert dump(db_url) == before
    # and a normal apply afterwards converges (the lock died with the process)
    desired = pd.concat([frame([row("2001")]), many(2000)], ignore_index=True)
    t.apply(request_for(t, desired))
    state = t.read_state()
    assert sorted(state["code"]) == sorted(desired["code"])


@pytest.mark.parametrize("kind", list(KINDS))
def test_concurrent_applies_never_interleave(kind: str, db_url: str) -> None:
    first, second = make(kind, db_url), make(kind, db_url)
    first.apply(request_for(first, frame([row("2001")])))
    base = first.read_state()
    big = pd.concat([frame([row("2001", name="First")]), many(20_000)], ignore_index=True)
    other = frame([row("2001", name="Second"), row("2999")])
    req_a, req_b = request_for(first, big, state=base), request_for(second, other, state=base)
    errors: dict[str, BaseException] = {}

    def run(name: str, target: SqlTarget, request: object) -> None:
        try:
            target.apply(request)  # type: ignore[arg-type]
        except BaseException as exc:
            errors[name] = exc

    a = threading.Thread(target=run, args=("a", first, req_a))
    a.start()
    wait_until(lambda: writing(db_url) or not a.is_alive())
    b = threading.Thread(target=run, args=("b", second, req_b))
    b.start()
    a.join()
    b.join()
    assert "a" not in errors
    assert isinstance(errors.get("b"), StalePlan)
    state = first.read_state()
    assert sorted(state["code"]) == sorted(big["code"])
    assert state.set_index("code").loc["2001", "name"] == "First"
    # a plan made after the first apply goes through and gives exactly its result
    second.apply(request_for(second, other))
    assert sorted(second.read_state()["code"]) == ["2001", "2999"]
