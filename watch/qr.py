"""Account-import QR codes real softphones scan (the text), and writing them.

- Acrobits Cloud Softphone (and its white labels): `csc:USER:PASSWORD@CLOUDID`,
  user and password URL-encoded; the cloud id (letters and digits, `*` for the
  test build) is the provider id.
- SessionTalk: `scloc:PROVIDERID|{"sipaccounts": [{...}]}` for the generic
  app, `scloc:{...}` for a white label (no provider id): sipusername,
  sippassword, subdomain, authusername, transport (UDP/TCP/TLS).

The text holds the password: the file is created 0600 and never overwritten.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

from extctl.errors import UsageError

if TYPE_CHECKING:
    from watch.credentials import Card

_CLOUD_ID = re.compile(r"^[A-Za-z0-9]+\*?$")


def account_text(card: Card, fmt: str, provider_id: str) -> str:
    if fmt == "acrobits":
        if not _CLOUD_ID.match(provider_id):
            raise UsageError("[sip] provider_id must be the Acrobits cloud id (letters and "
                             "digits, * for the test build) for qr_format = \"acrobits\"")
        return (f"csc:{quote(card.auth_user, safe='')}:{quote(card.password, safe='')}"
                f"@{provider_id}")
    if fmt == "sessiontalk":
        account = {"sipusername": card.sip_user, "sippassword": card.password,
                   "subdomain": card.domain, "authusername": card.auth_user,
                   "transport": card.transport.upper()}
        body = json.dumps({"sipaccounts": [account]}, separators=(",", ":"))
        if provider_id and "|" in provider_id:
            raise UsageError("[sip] provider_id must not contain '|'")
        return f"scloc:{provider_id}|{body}" if provider_id else f"scloc:{body}"
    raise UsageError(f"unknown qr_format {fmt!r} (sessiontalk or acrobits)")


def write_file(text: str, path: str) -> None:
    """PNG or SVG by the file's extension, created 0600 (it holds the password)."""
    import segno

    kind = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if kind not in ("png", "svg"):
        raise UsageError(f"--qr {path}: name a .png or .svg file, or - for the terminal")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"--qr {path}: the file exists; remove it first (a QR file holds "
                         "the password and is never overwritten)") from None
    except OSError as exc:
        raise UsageError(f"--qr {path}: cannot create it: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        segno.make(text, error="m").save(out, kind=kind, scale=8, border=4)


def terminal(text: str, out: TextIO) -> None:
    import segno

    segno.make(text, error="m").terminal(out=out, compact=True)
