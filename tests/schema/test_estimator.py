"""The estimates shared with a worker process give exactly the serial answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from schema import estimator
from schema.estimator import Estimates, Spec, early, judged_mask
from schema.password import estimate_many, needs_inputs, user_inputs
from tests.helpers import alive, csv_bytes, row

SPEC = Spec(16, 50.0, ())


def strings(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


def _judged(n: int) -> list[str]:
    return [f"tQ7#vZ2m!Lp9Rx{i:04d}" for i in range(n)] + ["Summer2024!Summer"]


def test_worker_and_caller_together_give_the_serial_answers() -> None:
    judged = _judged(2100)
    estimates = Estimates(judged, SPEC)
    try:
        verdicts = [b >= 50 for b in estimates.bits_of(judged)]
        assert estimates._proc is not None  # big enough for a second process
        assert verdicts == [b >= 50 for b in estimate_many(judged, 50.0)]
        assert verdicts[-1] is False and all(verdicts[:-1])
    finally:
        estimates.close()


def test_a_caller_that_arrives_late_finds_everything_done() -> None:
    judged = _judged(2100)
    estimates = Estimates(judged, SPEC)
    estimates._finished.wait(120)  # the worker alone did every chunk
    assert all(c is not None for c in estimates._chunks)
    assert [b >= 50 for b in estimates.bits_of(judged)] == [True] * 2100 + [False]


def test_a_worker_that_dies_leaves_its_chunks_to_the_caller(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A worker that cannot start (here: an interpreter that exits at once).
    monkeypatch.setattr(estimator.sys, "executable", "/bin/false")
    judged = _judged(2100)
    estimates = Estimates(judged, SPEC)
    assert [b >= 50 for b in estimates.bits_of(judged)] == [True] * 2100 + [False]


def test_passwords_outside_the_started_list_are_estimated_too() -> None:
    estimates = Estimates(["tQ7#vZ2m!Lp9Rx4k"], SPEC)
    assert estimates._proc is None  # one password: no process
    bits = estimates.bits_of(["Summer2024!Summer", "tQ7#vZ2m!Lp9Rx4k"])
    assert bits[0] < 50 <= bits[1]


def test_judged_rows_are_literal_and_long_enough() -> None:
    column = pa.array(["auto", "AUTO", "", " auto", "short1!", "tQ7#vZ2m!Lp9Rx4k", "Auto"])
    assert judged_mask(column, 5).tolist() == [False, False, False, True, True, True, False]
    assert early(column, SPEC) is None  # too few for a worker


def test_inputs_are_given_wherever_one_of_their_words_could_match() -> None:
    words = tuple(user_inputs(("globex",), ("pbx.globex.com",)))
    for password in ("GlobexDesk2001123!", "xyzG10B3Xqq", "XEBOLGqq", "s1p", "5!P", "qq|\\xbp"):
        assert needs_inputs(password, words), password
    assert not needs_inputs("zzqqvvwwkkyy", words)
    assert needs_inputs("zzqqvvwwkkyyé", words)  # non-ASCII: always


def test_skipping_inputs_where_none_can_match_changes_no_estimate() -> None:
    # Passwords the filter clears get the estimate zxcvbn gives with the
    # inputs; the estimator's rare two answers (schema/password.py) are
    # compared as sets over repeated calls.
    from zxcvbn_rs_py import zxcvbn

    words = user_inputs(("globex", "acme"), ("sip.globex.com",))
    made = (f"{w}Qz{i}x!{w[::-1]}" for i in range(40) for w in ("k7vq", "Hd2m", "yW9r", "pFuj"))
    cleared = [p for p in made if not needs_inputs(p, tuple(words))]
    assert len(cleared) > 100
    for password in cleared:
        told = {zxcvbn(password, words).guesses for _ in range(6)}
        untold = {zxcvbn(password, []).guesses for _ in range(6)}
        assert told & untold, password
    # ...and the filter is not vacuous: these it lets through do change.
    assert min(estimate_many(["Globex2019!Desk"], None, words)) < min(
        estimate_many(["Globex2019!Desk"], None, []))


ROOT = Path(__file__).parents[2]


def _offloading_repo(tmp_path: Path, literal: int) -> Path:
    # Enough literal passwords for the worker (schema/estimator.py).
    rows = [row(str(100000 + i), password=f"tQ7#vZ2m!Lp9Rx{i:05d}") for i in range(literal)]
    (tmp_path / "extensions.csv").write_bytes(csv_bytes(*rows))
    return tmp_path


def _children(pid: int) -> list[int]:
    return [int(stat.parent.name) for stat in Path("/proc").glob("[0-9]*/stat")
            if _parent(int(stat.parent.name)) == pid and alive(int(stat.parent.name))]


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_cli_with_a_worker_returns_and_leaves_no_process(tmp_path: Path) -> None:
    # The CLI exits with os._exit: a worker left behind would keep the
    # caller's pipe open and this run would hang until the timeout.
    repo = _offloading_repo(tmp_path, 2500)
    for _ in range(2):
        res = subprocess.run([sys.executable, "-m", "extctl.main", "validate"], cwd=repo,
                             capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert res.returncode in (0, 1), res.stderr  # some numbered secrets hold runs
        assert "1 file, 2500 rows" in res.stdout


def test_worker_dies_with_a_killed_cli(tmp_path: Path) -> None:
    repo = _offloading_repo(tmp_path, 20000)
    cli = subprocess.Popen([sys.executable, "-m", "extctl.main", "validate"], cwd=repo,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and cli.poll() is None and time.monotonic() < deadline:
            workers = _children(cli.pid)
            time.sleep(0.05)
        assert workers, "the CLI never started its worker"
        cli.send_signal(signal.SIGKILL)
    finally:
        cli.kill()
        cli.wait()
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers)


def test_the_passwords_reach_the_worker_by_pipe_only() -> None:
    # Any local user can read a process's command line, and its environment
    # is inherited by whatever it starts: neither may carry a password.
    secret = "Zq8#Secret!Pipe-only"
    estimates = Estimates([secret, *_judged(2100)], SPEC)
    try:
        deadline = time.monotonic() + 30
        while estimates._proc is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert estimates._proc is not None
        proc = Path(f"/proc/{estimates._proc.pid}")
        assert secret.encode() not in (proc / "cmdline").read_bytes()
        assert secret.encode() not in (proc / "environ").read_bytes()
        assert estimates.bits_of([secret])[0] >= 50
    finally:
        estimates.close()


def test_close_stops_and_reaps_a_busy_worker() -> None:
    # Validation that fails before the estimates are read must not leave the
    # worker running, nor a zombie in a long-lived caller.
    estimates = Estimates(_judged(20000), SPEC)
    deadline = time.monotonic() + 30
    while estimates._proc is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert estimates._proc is not None
    estimates.close()
    assert estimates._proc.returncode is not None
    assert not alive(estimates._proc.pid)


def test_a_shared_password_is_estimated_once() -> None:
    shared = "Summer2024!Summer"
    rows = [shared] * 3000 + _judged(5)[:5]
    estimates = Estimates(rows, SPEC)
    assert estimates.items.count(shared) == 1 and len(estimates.items) == 6
    assert estimates._proc is None  # six passwords: no worker for 3,005 rows
    bits = estimates.bits_of(rows)
    assert len(bits) == len(rows) and bits[0] == bits[2999] < 50 <= bits[3000]
