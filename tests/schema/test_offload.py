"""The second-process offload gives exactly the serial answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from schema.offload import Offload
from schema.password import estimate_many
from schema.phone import valid_e164
from tests.helpers import alive, csv_bytes, row


def strings(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="string[pyarrow]")


def test_offload_matches_serial_results() -> None:
    # Rows as the worker sees them: auto and short passwords are not judged,
    # blank and non-canonical numbers not looked up.
    passwords = ([f"tQ7#vZ2m!Lp9Rx{i:04d}" for i in range(2100)]
                 + ["Summer2024!Summer", "auto", "", "short"])
    numbers = ["+14085550123", "+1408555012", "", "+442071838750", "0800 123", "+4930"] * 50
    judged = passwords[:2101]
    offload = Offload(strings(passwords), strings(numbers), 16, 50.0)
    try:
        assert offload._pool is not None  # big enough for a second process
        verdicts = [b >= 50 for b in offload.guess_bits(judged)]
        assert verdicts == [b >= 50 for b in estimate_many(judged, 50.0)]
        assert verdicts[-1] is False and all(verdicts[:-1])
        canonical = strings([n for n in numbers if n.startswith("+")])
        assert np.array_equal(offload.phone_valid(), valid_e164(canonical).to_numpy())
        assert offload.phone_valid()[:4].tolist() == [True, False, True, False]
    finally:
        offload.close()


def test_small_batches_stay_in_process() -> None:
    offload = Offload(strings(["tQ7#vZ2m!Lp9Rx4k", "auto"]), strings(["+14085550123", ""]),
                      16, 50.0)
    assert offload._pool is None
    bits = offload.guess_bits(["tQ7#vZ2m!Lp9Rx4k"])
    assert len(bits) == 1 and bits[0] >= 50
    assert offload.phone_valid().tolist() == [True]


ROOT = Path(__file__).parents[2]


def _offloading_repo(tmp_path: Path, literal: int) -> Path:
    # Enough literal passwords for the second process (schema/offload.py).
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
