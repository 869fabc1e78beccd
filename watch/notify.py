"""Audit alerts through Apprise (Slack, Teams, e-mail, webhooks... by URL).

URLs hold tokens: they never appear in a message. A receiver that fails is a
warning naming only its scheme and position, never an exception.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence


def describe(url: str, index: int) -> str:
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    return f"notification #{index + 1} ({scheme}://…)"


def urls_from_env(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(urls, warnings) for the policy's `notify` environment variable names."""
    urls, warnings = [], []
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            urls.append(value)
        else:
            warnings.append(f"notify: environment variable {name} is not set; not notifying "
                            "through it")
    return urls, warnings


def send(urls: Sequence[str], title: str, body: str) -> list[str]:
    """Deliver one message to every URL; the warnings for those that failed."""
    import apprise

    warnings = []
    log = logging.getLogger("apprise")
    # Apprise logs failures with the full URL (its token) through the root
    # logger's last-resort handler; keep them out of the CI log.
    saved = log.propagate, log.handlers[:]
    log.propagate, log.handlers = False, [logging.NullHandler()]
    try:
        for i, url in enumerate(urls):
            sender = apprise.Apprise()
            if not sender.add(url):
                warnings.append(f"{describe(url, i)}: not an Apprise URL Apprise understands")
                continue
            try:
                ok = sender.notify(title=title, body=body)
            except Exception as exc:  # a plugin's bug must not hide the audit's answer
                warnings.append(f"{describe(url, i)} failed: {type(exc).__name__}")
                continue
            if not ok:
                warnings.append(f"{describe(url, i)} was not delivered (receiver down or "
                                "refused it)")
    finally:
        log.propagate, log.handlers = saved
    return warnings
