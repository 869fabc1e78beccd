"""ANSI colour for the text plan on a terminal, Terraform's palette:
+ green, - red, ~ yellow, the UNSAFE banner bold red, the summary bold.
Only the CLI decides whether to call this (extctl/terminal.use_colour).
Whole-text regex substitutions, not a Python loop per line: a plan can have
a million lines."""

from __future__ import annotations

import re

GREEN, RED, YELLOW, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"
_RULES = (
    (re.compile(r"^\+ ", re.M), f"{GREEN}+{RESET} "),
    (re.compile(r"^- ", re.M), f"{RED}-{RESET} "),
    (re.compile(r"^~ ", re.M), f"{YELLOW}~{RESET} "),
    (re.compile(r"^((?:UNSAFE PLAN|extctl apply refuses).*)$", re.M), f"{BOLD}{RED}\\1{RESET}"),
    (re.compile(r"^((?:Plan:|No changes\.).*)$", re.M), f"{BOLD}\\1{RESET}"),
)


def colorize(text: str) -> str:
    """The plan text with colour codes; the same lines, so the summary stays last."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
