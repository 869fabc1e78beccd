"""The columns of extensions.csv, in canonical order. Imported by the CLI, so no pandas."""

from __future__ import annotations

from typing import Final

COLUMNS: Final[tuple[str, ...]] = (
    "code",
    "name",
    "username",
    "password",
    "call_limit",
    "dnd",
    "forward_number",
    "allowed_ips",
    "remote",
    "enabled",
    "team",
    "owner",
    "high_risk",
    "password_rotated",
    "transport",
    "notes",
)
REQUIRED: Final[frozenset[str]] = frozenset({"code", "name"})
BOOLEAN_COLUMNS: Final[tuple[str, ...]] = ("dnd", "remote", "enabled", "high_risk")

# Value a blank cell means, in canonical text form. Everything in extctl
# (CSV, plan, PBX state) compares values as these canonical strings.
DEFAULTS: Final[dict[str, str]] = {
    "username": "",  # blank: the code (resolved by the plan, not by fmt)
    "password": "",  # blank or "auto": generated at apply
    "call_limit": "",  # blank: the target's default
    "dnd": "false",
    "remote": "false",
    "enabled": "true",
    "high_risk": "false",
    "transport": "udp",
}

TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "yes", "1"})
FALSE_WORDS: Final[frozenset[str]] = frozenset({"false", "no", "0"})

AUTO_PASSWORD: Final[str] = "auto"
TRANSPORTS: Final[tuple[str, ...]] = ("udp", "tcp", "tls")
SECRET_COLUMNS: Final[frozenset[str]] = frozenset({"password"})
MASK: Final[str] = "***"


def mask_prefix(text: str) -> str:
    """A cell that may be a secret, quoted for a message: at most its first
    quarter (3 characters at most), then ***. A header cell of a file whose
    first line is data is quoted this way (it may be a password)."""
    keep = min(3, len(text) // 4)
    return repr(text[:keep] + MASK)
