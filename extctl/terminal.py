"""Colour and progress for people at a terminal, one line per stage for CI logs.

Colour follows the no-color.org / force-color.org conventions: NO_COLOR (any
non-empty value) wins, then FORCE_COLOR, else only a terminal gets colour, so
a file, a pipe or a PR comment never holds escape codes. Progress goes to
stderr, never stdout, so `extctl plan > plan.txt` stays clean.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

from extctl.text import visible


def use_colour(stream: TextIO, env: Mapping[str, str] = os.environ) -> bool:
    if env.get("NO_COLOR"):
        return False
    force = env.get("FORCE_COLOR")
    if force is not None and force != "":
        return force.lower() not in ("0", "false", "no")
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


class Progress:
    """Stages of a command: a live timer on a terminal, one line each in a CI
    log (CI=true), GitHub log groups under GitHub Actions, nothing with --quiet
    or when stderr is captured by a script."""

    def __init__(self, mode: str = "off", stream: TextIO | None = None) -> None:
        self.mode = mode  # off | tty | lines | github
        self.stream = stream or sys.stderr

    @classmethod
    def choose(cls, *, quiet: bool, github: bool = False,
               env: Mapping[str, str] = os.environ, stream: TextIO | None = None) -> Progress:
        out = stream or sys.stderr
        if quiet:
            return cls("off", out)
        if github or env.get("GITHUB_ACTIONS") == "true":
            return cls("github", out)
        if out.isatty():
            return cls("tty", out)
        # A CI log gets one line per stage; a script's captured stderr gets none.
        return cls("lines" if env.get("CI", "").lower() in ("1", "true", "yes") else "off", out)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.mode = "off"  # a closed stderr must not fail the command

    @contextmanager
    def stage(self, what: str) -> Iterator[None]:
        if self.mode == "off":
            yield
            return
        start = time.monotonic()
        what = visible(what)  # a stage may name a target from the policy
        if self.mode == "github":
            self._write(f"::group::{what}\n")
        done = threading.Event()
        ticker = None
        if self.mode == "tty":
            def tick() -> None:
                while not done.wait(0.2):
                    self._write(f"\r\x1b[2K{what} … {time.monotonic() - start:.1f} s")

            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
        ok = False
        try:
            yield
            ok = True
        finally:
            done.set()
            if ticker is not None:
                ticker.join()
            took = time.monotonic() - start
            status = "" if ok else ", failed"
            if self.mode == "tty":
                self._write(f"\r\x1b[2K{what}: {took:.1f} s{status}\n")
            elif self.mode == "lines":
                self._write(f"extctl: {what} ({took:.1f} s{status})\n")
            else:
                self._write(f"{what}: {took:.1f} s{status}\n::endgroup::\n")


_current = Progress()


def set_progress(progress: Progress) -> None:
    global _current  # noqa: PLW0603 - one command per process
    _current = progress


@contextmanager
def stage(what: str) -> Iterator[None]:
    with _current.stage(what):
        yield
