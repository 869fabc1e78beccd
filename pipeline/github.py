"""GitHub Actions' environment files and run links (files, never stdout)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from extctl.errors import UsageError


def append(path: str, text: str) -> None:
    try:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


def output_line(key: str, value: str) -> str:
    """A `$GITHUB_OUTPUT` entry; multi-line values get a random delimiter."""
    if "\n" not in value:
        return f"{key}={value}\n"
    delimiter = f"EOF_{secrets.token_hex(8)}"
    return f"{key}<<{delimiter}\n{value}\n{delimiter}\n"


def run_url(env: Mapping[str, str]) -> str | None:
    parts = [env.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    if not all(parts):
        return None
    server, repo, run = parts
    return f"{server}/{repo}/actions/runs/{run}"
