"""FreeSWITCH's event socket (inbound mode), just enough to run `api` commands.

Why not a PyPI client: `genesis` (the maintained one) is asyncio-only and
imports fastapi, uvicorn, opentelemetry and redis (~0.8 s, a dozen transitive
packages) for what is, here, a blocking request/reply over one socket: read
the auth request, send `auth`, then `api CMD` and read one reply per command.
The protocol part below is that and nothing more.
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from extctl.errors import TargetError

DEFAULT_PORT = 8021
TIMEOUT_SECONDS = 10.0


class EslError(Exception):
    """The event socket is unreachable, refused our password, or a command failed.

    The message never holds the password."""


@dataclass(frozen=True)
class EslAddress:
    host: str
    port: int

    @property
    def shown(self) -> str:
        return f"{self.host}:{self.port}"


def parse_esl_url(target: str, url: str) -> EslAddress:
    """`tcp://HOST:PORT`, `esl://HOST:PORT` or `HOST:PORT` (port 8021 by default).

    A password in the URL is refused: the policy file lives in git, the
    password comes from an environment variable."""
    text = url if "://" in url else f"tcp://{url}"
    try:
        parts = urlsplit(text)
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise TargetError(f"target {target!r}: esl_url {url!r} is not HOST:PORT") from None
    if parts.scheme not in ("tcp", "esl") or not parts.hostname or parts.path not in ("", "/"):
        raise TargetError(f"target {target!r}: esl_url must look like tcp://127.0.0.1:8021")
    if parts.password is not None or parts.username is not None:
        raise TargetError(
            f"target {target!r}: esl_url must not hold a password (it would live in git); "
            "put it in the environment variable named by esl_password_env"
        )
    return EslAddress(parts.hostname, port)


class EventSocket:
    """One authenticated inbound connection; `api()` returns the reply body."""

    def __init__(self, address: EslAddress, password: str,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.address = address
        try:
            self._sock = socket.create_connection((address.host, address.port), timeout)
        except OSError as exc:
            raise EslError(f"cannot connect to {address.shown}: {exc.strerror or exc}") from None
        self._buf = b""
        try:
            headers, _ = self._read()
            if headers.get("Content-Type") != "auth/request":
                raise EslError(f"{address.shown} is not a FreeSWITCH event socket")
            self._send(f"auth {password}")
            headers, _ = self._read()
            if not headers.get("Reply-Text", "").startswith("+OK"):
                raise EslError(f"{address.shown} refused the event socket password")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> EventSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

    def api(self, command: str) -> str:
        if "\n" in command or "\r" in command:
            raise ValueError("an event socket command is one line")
        self._send(f"api {command}")
        while True:
            headers, body = self._read()
            if headers.get("Content-Type") == "api/response":
                return body.decode("utf-8", "replace")
            if headers.get("Content-Type") == "text/disconnect-notice":
                raise EslError(f"{self.address.shown} closed the connection")

    def _send(self, line: str) -> None:
        try:
            self._sock.sendall(line.encode("utf-8") + b"\n\n")
        except OSError as exc:
            raise EslError(f"{self.address.shown}: {exc.strerror or exc}") from None

    def _fill(self) -> None:
        try:
            chunk = self._sock.recv(65536)
        except OSError as exc:
            raise EslError(f"{self.address.shown}: {exc.strerror or exc}") from None
        if not chunk:
            raise EslError(f"{self.address.shown} closed the connection")
        self._buf += chunk

    def _read(self) -> tuple[dict[str, str], bytes]:
        """One message: headers up to a blank line, then Content-Length bytes."""
        while b"\n\n" not in self._buf:
            self._fill()
        head, self._buf = self._buf.split(b"\n\n", 1)
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
        length = int(headers.get("Content-Length", "0") or 0)
        while len(self._buf) < length:
            self._fill()
        body, self._buf = self._buf[:length], self._buf[length:]
        return headers, body
