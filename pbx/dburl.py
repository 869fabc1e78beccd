"""Target URLs: parsed for the driver, shown to humans without their secrets.

A URL is never printed as written: `shown_url` rebuilds it from scheme, host,
port and database only, so no user, password or query value (libpq takes
`?password=...`) can reach a message, whatever the URL holds. The driver's own
text may still quote what it was given; `scrub` removes the password and every
query value from it as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

from extctl.errors import TargetError, UsageError

EXAMPLE = "postgresql://USER:PASSWORD@HOST:PORT/DB or sqlite:///FILE"


def shown_url(url: URL) -> str:
    """scheme://host:port/database: what a message may say about a target URL."""
    host = url.host or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.drivername}://{host}{port}/{url.database or ''}"


def url_secrets(url: URL) -> tuple[str, ...]:
    """The password and every query value, longest first (for `scrub`)."""
    values: list[str] = [url.password or ""]
    for value in url.query.values():
        values.extend([value] if isinstance(value, str) else value)
    return tuple(sorted({v for v in values if v}, key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def parse_url(name: str, raw: str) -> URL:
    """The target's URL for SQLAlchemy; what is wrong with it, without echoing it."""
    try:
        url = sa.make_url(raw)
    except ArgumentError:
        # not echoed: an unparsable URL may be a DSN or a secret pasted by mistake
        raise TargetError(f"target {name!r}: its url is not a database URL "
                          f"(expected {EXAMPLE})") from None
    except ValueError:  # SQLAlchemy's int() of the port
        raise UsageError(f"target {name!r}: the port in its url is not a number "
                         f"(expected {EXAMPLE})") from None
    if "@" in (url.host or "") or ("@" in (url.database or "") and url.host):
        # SQLAlchemy and libpq end the password at the first "@": the rest of
        # it would be taken for the host name (and quoted by the driver).
        raise UsageError(f"target {name!r}: the user or password in its url holds an "
                         "unencoded '@': write it as %40 (and ':' '/' '?' '#' as %3A %2F "
                         "%3F %23)")
    if url.port is not None and not 0 < url.port < 65536:
        raise UsageError(f"target {name!r}: the port in its url must be 1-65535")
    return url
