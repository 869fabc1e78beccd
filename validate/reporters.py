"""Reporters, chosen by name: text, github, json. Pure functions returning str."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from extctl.text import visible, visible_lines
from validate.findings import FileReport, Finding

# GitHub shows at most ten annotations of a kind per step; the rest go to the log.
GITHUB_ANNOTATION_LIMIT = 10

def _where(report: FileReport, f: Finding) -> str:
    parts = [report.path, str(f.line or 1)]
    if f.column:
        parts.append(f.column)
    return ":".join(parts)


def _summary(reports: Sequence[FileReport]) -> str:
    errors = sum(r.errors for r in reports)
    warnings = sum(r.warnings for r in reports)
    rows = sum(r.rows for r in reports)
    files = len(reports)
    status = "ok" if errors == 0 else "FAILED"
    return (f"{status}: {files} file{'s' * (files != 1)}, {rows} row{'s' * (rows != 1)}, "
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")


def render_text(reports: Sequence[FileReport]) -> str:
    lines = []
    for r in reports:
        for f in r.findings:
            level = "" if f.severity == "error" else "warning: "
            lines.append(f"{_where(r, f)}: {level}{f.message} [{f.rule}]")
    lines.append(_summary(reports))
    return visible_lines(lines) + "\n"


def _escape_data(text: str) -> str:
    """A workflow command's message, as the runner unescapes it (after
    `visible`, no line break is left; the escaping still keeps the rule)."""
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _col(report: FileReport, f: Finding) -> int:
    """1-based field position of the finding's column in the file's header."""
    if f.column and f.column in report.header:
        return report.header.index(f.column) + 1
    return 1


def render_github(reports: Sequence[FileReport]) -> str:
    out: list[str] = []
    shown = 0
    for r in reports:
        for f in r.findings:
            if shown < GITHUB_ANNOTATION_LIMIT:
                shown += 1
                title = f"{f.rule}" + (f" ({f.column})" if f.column else "")
                out.append(
                    f"::{f.severity} file={_escape_prop(r.path)},line={f.line or 1},"
                    f"col={_col(r, f)},title={_escape_prop(title)}::{_escape_data(f.message)}"
                )
    total = sum(len(r.findings) for r in reports)
    if total > shown:
        out.append(f"::notice title=extctl validate::{total - shown} more findings are listed "
                   "in the log below (GitHub shows ten annotations per step)")
    # Every finding in the log too, since annotations are capped. The runner
    # reads every line of a step's output as a possible command (`::cmd::` at
    # the start, `##[cmd]` anywhere), and the log quotes the CSV: it goes out
    # between ::stop-commands:: and its token, which the CSV cannot contain
    # (the token is a hash of the very text it closes).
    log = render_text(reports).rstrip("\n")
    token = hashlib.sha256(log.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    out += [f"::stop-commands::{token}", log, f"::{token}::"]
    return "\n".join(out) + "\n"


def render_json(reports: Sequence[FileReport]) -> str:
    body = {
        "files": [
            {
                "path": r.path,
                "rows": r.rows,
                "findings": [
                    {"line": f.line, "column": f.column, "rule": f.rule,
                     "severity": f.severity, "message": f.message, "value": f.value}
                    for f in r.findings
                ],
            }
            for r in reports
        ],
        "summary": {"errors": sum(r.errors for r in reports),
                    "warnings": sum(r.warnings for r in reports)},
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


REPORTERS: dict[str, Callable[[Sequence[FileReport]], str]] = {
    "text": render_text,
    "github": render_github,
    "json": render_json,
}


def render(reports: Sequence[FileReport], fmt: str) -> str:
    return REPORTERS[fmt](reports)
