"""ANSI colour for the text plan on a terminal, Terraform's palette:
+ green, - red, ~ yellow, the UNSAFE banner bold red, the summary bold.
Only the CLI decides whether to call this (extctl/terminal.use_colour).

A plan can have a million lines, so no Python loop per line: a change line is
the only kind starting with "<symbol> " after a newline (values are quoted
when they hold a newline), so plain str.replace over the whole text finds them;
the banner is at the top and the summary is the last line."""

from __future__ import annotations

GREEN, RED, YELLOW, BOLD, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"
_SYMBOLS = (("+", GREEN), ("-", RED), ("~", YELLOW))
_BANNER_END = "extctl apply refuses"


def colorize(text: str) -> str:
    """The plan text with colour codes; the same lines, so the summary stays last."""
    for symbol, colour in _SYMBOLS:
        text = text.replace(f"\n{symbol} ", f"\n{colour}{symbol}{RESET} ")
    if text.startswith("UNSAFE PLAN"):
        end = text.find("\n", text.find(_BANNER_END))
        banner = "\n".join(f"{BOLD}{RED}{line}{RESET}" for line in text[:end].split("\n"))
        text = banner + text[end:]
    body, newline, last = text.rstrip("\n").rpartition("\n")
    if last.startswith(("Plan:", "No changes.")):
        trail = text[len(body) + len(newline) + len(last):]
        text = f"{body}{newline}{BOLD}{last}{RESET}{trail}"
    return text
