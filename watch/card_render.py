"""Credential cards as text or JSON. `reveal` decides whether the password shows."""

from __future__ import annotations

import json
from typing import Any

from watch.credentials import DEVICES, Card

MASK = "********"


def _password(card: Card, reveal: bool) -> str:
    return card.password if reveal else f"{MASK} (hidden: not a terminal; add --reveal)"


def _user_note(card: Card) -> str:
    return f"on {card.kind} {card.identity}" if card.identity else ""


def _sections(card: Card, devices: tuple[str, ...], reveal: bool) -> list[tuple[str, list[str]]]:
    s = card.settings
    pw = _password(card, reveal)
    stun = s.stun or "(none configured: set [sip] stun in extctl.toml)"
    out: list[tuple[str, list[str]]] = []
    if "softphone" in devices:
        lines = [f"SIP username:   {card.sip_user}", f"Auth ID:        {card.auth_user}",
                 f"Password:       {pw}", f"Domain:         {card.domain}",
                 f"Server:         {card.server}",
                 f"Port:           {card.port} {card.transport.upper()}"]
        if card.remote:
            lines.append(f"STUN server:    {stun} (remote: outside the office network)")
        out.append(("Softphone", lines))
    if "desk" in devices:
        out.append(("Desk phone", [
            "1. Open the phone's web interface (or Menu > Settings > Account 1).",
            f"2. SIP server: {card.server}, port {card.port}, transport "
            f"{card.transport.upper()}.",
            f"3. User ID: {card.sip_user}; authentication ID: {card.auth_user}; "
            f"password: {pw}.",
            f"4. SIP domain / realm: {card.domain}.",
            "5. Save, then reboot the phone to apply.",
        ]))
    if "mobile" in devices:
        lines = [f"SIP username:   {card.sip_user}", f"Auth ID:        {card.auth_user}",
                 f"Password:       {pw}", f"Domain:         {card.domain}",
                 f"Server:         {card.server}", f"Transport:      TLS, port {s.tls_port}",
                 "Push notifications: turn them on in the app, so calls ring while it "
                 "sleeps."]
        if card.transport != "tls":
            lines.append(f"Note: extensions.csv sets transport {card.transport}; mobile apps "
                         "should use tls (set transport = tls for this extension).")
        if card.remote:
            lines.append(f"STUN server:    {stun}")
        out.append(("Mobile app", lines))
    return out


def text(card: Card, devices: tuple[str, ...], reveal: bool) -> str:
    head = [f"Extension {card.code} - {card.name} (target {card.target}, {card.kind})",
            f"Transport set in extensions.csv: {card.transport}; {_user_note(card)}."]
    body = []
    for title, lines in _sections(card, devices, reveal):
        body += ["", title] + [f"  {ln}" for ln in lines]
    tail = [""]
    if card.settings.support:
        tail.append(f"Support: {card.settings.support}")
    return "\n".join(head + body + tail).rstrip("\n") + "\n"


def as_json(card: Card, devices: tuple[str, ...], reveal: bool) -> str:
    s = card.settings
    body: dict[str, Any] = {
        "code": card.code, "name": card.name, "target": card.target, "kind": card.kind,
        "sip_user": card.sip_user, "auth_user": card.auth_user,
        "password": card.password if reveal else "***", "password_shown": reveal,
        "domain": card.domain, "server": card.server, "transport": card.transport,
        "port": card.port, "tls_port": s.tls_port, "remote": card.remote,
        "stun": s.stun if card.remote else "", "support": s.support,
        "devices": {title: lines for title, lines in _sections(card, devices, reveal)},
    }
    return json.dumps(body, indent=2) + "\n"


def render(card: Card, fmt: str, device: str, reveal: bool) -> str:
    devices = DEVICES if device == "all" else (device,)
    return (as_json if fmt == "json" else text)(card, devices, reveal)
