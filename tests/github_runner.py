"""What a GitHub Actions runner makes of a step's output, for tests.

Mirrors actions/runner's ActionCommandManager: each line (the runner reads
lines ending in \\n, \\r or \\r\\n; Python's wider splitlines is used here, to be
strict) is tried as a v2 command (`::name props::data` after leading
whitespace) and then as a legacy one (`##[name props]data` anywhere in the
line), for the registered command names. `::stop-commands::TOKEN` stops all
processing until a line that is the command TOKEN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REGISTERED = frozenset({
    "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
    "remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo",
    "stop-commands",
})
# What may follow a "%" in a message or property value extctl writes.
_DATA_ESCAPES = re.compile(r"%(?!25|0D|0A)")
_PROP_ESCAPES = re.compile(r"%(?!25|0D|0A|3A|2C)")


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    data: str  # still escaped
    raw_properties: str = ""
    legacy: bool = False  # ##[name]: never written by extctl


@dataclass
class RunnerLog:
    commands: list[Command] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _v2(line: str, names: set[str]) -> Command | None:
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    info = text[2:end]
    name, _, props = info.partition(" ")
    if name not in names:
        return None
    properties = {}
    for item in props.strip().split(","):
        key, eq, value = item.partition("=")
        if eq and key and value:
            properties[key] = value
    return Command(name, properties, text[end + 2:], props)


def _v1(line: str, names: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    name = line[start + 3:close].partition(" ")[0]
    return Command(name, {}, line[close + 1:], legacy=True) if name in names else None


def parse(output: str) -> RunnerLog:
    log = RunnerLog()
    names = set(REGISTERED)
    stop_token: str | None = None
    for line in output.splitlines():
        cmd = _v2(line, names) or _v1(line, names)
        if stop_token is not None:
            if cmd is not None and cmd.name == stop_token:
                names.discard(stop_token)
                stop_token = None
            else:
                log.plain.append(line)
            continue
        if cmd is None:
            log.plain.append(line)
            continue
        log.commands.append(cmd)
        if cmd.name == "stop-commands":
            stop_token = cmd.data
            names.add(stop_token)
    if stop_token is not None:
        log.problems.append("output ends with commands still stopped")
    return log


def problems(output: str, allowed: frozenset[str] = frozenset({"error", "warning", "notice"})
             ) -> list[str]:
    """Why `output` is not well-formed extctl github output ([] when it is):
    every command is an annotation with a title (or stop-commands and its
    resume), written as a v2 command, its message and property values escaped."""
    log = parse(output)
    out = list(log.problems)
    for cmd in log.commands:
        if cmd.legacy:
            out.append(f"legacy ##[{cmd.name}] command")
        if cmd.name == "stop-commands":
            if not re.fullmatch(r"[0-9a-f]{32}", cmd.data):
                out.append(f"stop-commands with a guessable token: {cmd.data!r}")
            continue
        if cmd.name not in allowed:
            out.append(f"unexpected command {cmd.name!r}")
        elif "title" not in cmd.properties:  # every extctl annotation has a title
            out.append(f"annotation nobody wrote: {cmd.name} {cmd.data!r}")
        if _DATA_ESCAPES.search(cmd.data):
            out.append(f"unescaped % in message {cmd.data!r}")
        for key, value in cmd.properties.items():
            if _PROP_ESCAPES.search(value) or ":" in value:
                out.append(f"unescaped property {key}={value!r}")
        if cmd.raw_properties.count("=") != len(cmd.properties):
            out.append(f"property list that does not split cleanly: {cmd.raw_properties!r}")
    return out
