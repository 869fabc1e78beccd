"""Text that quotes user data, made safe for a terminal or a CI log. No pandas."""

from __future__ import annotations

import re

# Characters that must not reach a terminal or a CI log as themselves: line
# breaks (a new line may start a workflow command), ANSI escapes, and the
# invisible or direction-changing ones that make a log say what it does not.
_HIDDEN = (
    [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, 0xFEFF,
     *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
     *range(0x2066, 0x206A)]
)
_VISIBLE_TABLE = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _HIDDEN}
_JSON_TABLE = {c: f"\\u{c:04x}" for c in _HIDDEN}
_HIDDEN_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in _HIDDEN) + "]")
_HIDDEN_BUT_LF = re.compile("[" + "".join(re.escape(chr(c)) for c in _HIDDEN if c != 10) + "]")


_LEGACY_COMMAND = "##["  # the runner's old command syntax, matched anywhere in a line


def visible(text: str) -> str:
    """`text` on one line, every control or invisible character spelled out
    (\\x0a, \\u202e), and no `##[` (a GitHub runner would run what follows
    it as a workflow command): how extctl prints a message quoting user data."""
    if _HIDDEN_RE.search(text):
        text = text.translate(_VISIBLE_TABLE)
    return text.replace(_LEGACY_COMMAND, "##\\x5b") if _LEGACY_COMMAND in text else text


_PRINTABLE_ASCII_AND_LF = bytes(range(0x20, 0x7F)) + b"\n"


def _only_printable_and_lf(text: str) -> bool:
    if text.isascii():  # the usual case: a C-speed byte scan instead of the regex
        return not text.encode("ascii").translate(None, _PRINTABLE_ASCII_AND_LF)
    return not _HIDDEN_BUT_LF.search(text)


def visible_lines(lines: list[str]) -> str:
    """The lines joined by newlines, each made `visible`; one scan of the whole
    text when none needs it (100,000 findings: one regex pass, not 100,000)."""
    text = "\n".join(lines)
    if (_LEGACY_COMMAND in text or not _only_printable_and_lf(text)
            or text.count("\n") != max(len(lines) - 1, 0)):
        return "\n".join(visible(line) for line in lines)
    return text


def json_quoted(value: str) -> str:
    """`value` as a JSON string that is also `visible` (\\u escapes only, so
    it stays valid JSON)."""
    import json

    text = json.dumps(value, ensure_ascii=False)
    if _HIDDEN_RE.search(text):
        text = text.translate(_JSON_TABLE)
    return text.replace(_LEGACY_COMMAND, "##\\u005b")
