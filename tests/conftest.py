"""Shared fixtures. Integration tests call `need(...)`: on a laptop without the
binary they skip; with EXTCTL_REQUIRE_INTEGRATION=1 (set by .ci/run) a missing
binary is a failure, so CI can never go green by skipping."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE = os.environ.get("EXTCTL_REQUIRE_INTEGRATION") == "1"


def need(*binaries: str) -> None:
    missing = [b for b in binaries if shutil.which(b) is None and not os.path.exists(b)]
    if missing:
        msg = f"missing binaries: {', '.join(missing)}"
        if REQUIRE:
            pytest.fail(msg + " (EXTCTL_REQUIRE_INTEGRATION=1 forbids skipping)")
        pytest.skip(msg)

# Session fixtures shared by the integration tests (PostgreSQL cluster).
pytest_plugins = ["tests.fixtures.postgres"]
pytest_plugins.append("tests.fixtures.mariadb")


@pytest.fixture(autouse=True)
def _not_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    # extctl prints progress lines / ::group:: when CI / GITHUB_ACTIONS are set;
    # the suite must see the same output locally and under GitHub Actions.
    for var in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(var, raising=False)
