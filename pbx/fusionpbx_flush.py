"""After a FusionPBX write: make FreeSWITCH act on it at once, over the event socket.

FusionPBX's lua caches each extension's directory XML (an hour by default)
under `<hostname>:directory:<user>@<domain>` (older releases without the
hostname), for the extension and for its number_alias: until that key is
deleted a changed password keeps the old one working. A live registration
survives a disable or delete until `sofia profile P flush_inbound_reg`.
Cache methods, as FusionPBX's own code deletes a key:
- memcache: `memcache delete KEY` (whole cache: `memcache flush`);
- file: FusionPBX's `app/servers/resources/clear_cache.lua delete FILE` (run by
  mod_lua, so it works when FreeSWITCH is on another host; `flush` empties it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from extctl.errors import CheckFailed, TargetError
from pbx.esl import EslAddress, EslError, EventSocket, parse_esl_url

CLEAR_CACHE = "app/servers/resources/clear_cache.lua"
FLUSH_ALL_AT = 200  # more users than this: flush the whole directory cache, not key by key
NAMED = 20
NOT_ERRORS = ("-ERR no reply", "-ERR NOT FOUND")
CACHE_METHODS = ("file", "memcache", "none")


class FlushFailed(CheckFailed):
    """The database is committed, but FreeSWITCH was not told (exit 1)."""


@dataclass(frozen=True)
class Flush:
    """What FreeSWITCH must forget after a commit: users are `extension` or
    `number_alias` values of the domain (old and new)."""

    domain: str
    cache_users: tuple[str, ...]
    drop_registrations: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.cache_users and not self.drop_registrations


@dataclass(frozen=True)
class EventSocketConfig:
    address: EslAddress
    password_env: str
    cache: str
    profile: str

    def password(self, target: str) -> str:
        value = os.environ.get(self.password_env)
        if not value:
            raise TargetError(
                f"target {target!r}: environment variable {self.password_env} (the event "
                "socket password, option esl_password_env) is not set; set it, then apply again"
            )
        return value


def event_socket_config(target: str, options: dict[str, str]) -> EventSocketConfig | None:
    """The target's event socket settings; None for esl_url = "off"."""
    url = options.get("esl_url", "")
    if not url:
        raise TargetError(
            f"target {target!r}: option esl_url is required (FreeSWITCH's event socket, e.g. "
            'esl_url = "tcp://127.0.0.1:8021"; the password comes from the variable named by '
            'esl_password_env), or esl_url = "off" to leave the directory cache alone'
        )
    if url == "off":
        return None
    cache = options.get("cache", "file")
    if cache not in CACHE_METHODS:
        raise TargetError(f"target {target!r}: cache must be one of {', '.join(CACHE_METHODS)}")
    profile = options.get("sofia_profile", "internal")
    if not profile.replace("-", "").replace("_", "").isalnum():
        raise TargetError(f"target {target!r}: sofia_profile {profile!r} is not a profile name")
    return EventSocketConfig(
        parse_esl_url(target, url), options.get("esl_password_env", "FREESWITCH_ESL_PASSWORD"),
        cache, profile,
    )


def _keys(host: str, user: str, domain: str) -> list[str]:
    return [f"{host}:directory:{user}@{domain}", f"directory:{user}@{domain}"]


def commands(flush: Flush, config: EventSocketConfig, host: str) -> list[str]:
    """The `api` commands for `flush`, given FreeSWITCH's hostname."""
    out: list[str] = []
    users = sorted(set(flush.cache_users))
    if config.cache == "memcache":
        if len(users) > FLUSH_ALL_AT:
            out.append("memcache flush")
        else:
            out += [f"memcache delete {k}" for u in users for k in _keys(host, u, flush.domain)]
    elif config.cache == "file":
        if len(users) > FLUSH_ALL_AT:
            out.append(f"lua {CLEAR_CACHE} flush")
        else:
            out += [f"lua {CLEAR_CACHE} delete {k.replace(':', '.')}"
                    for u in users for k in _keys(host, u, flush.domain)]
    out += [f"sofia profile {config.profile} flush_inbound_reg {u}@{flush.domain}"
            for u in sorted(set(flush.drop_registrations))]
    return out


def run(flush: Flush, config: EventSocketConfig, target: str, committed: str) -> None:
    """Send the commands; FlushFailed (naming what was committed) when we cannot."""
    if flush.empty:
        return
    password = config.password(target)
    try:
        with EventSocket(config.address, password) as esl:
            host = esl.api("hostname").strip()
            for command in commands(flush, config, host):
                reply = esl.api(command).strip()
                # `lua` answers "-ERR no reply" for a script that prints nothing
                # (clear_cache.lua); memcache answers "-ERR NOT FOUND" for a key
                # nobody cached: both are success here.
                if reply.startswith("-ERR") and reply not in NOT_ERRORS:
                    raise EslError(f"{command.split(' ')[0]} answered {reply[:120]}")
    except EslError as exc:
        raise FlushFailed(_manual(flush, config, target, committed, str(exc))) from None


def _manual(flush: Flush, config: EventSocketConfig, target: str, committed: str,
            why: str) -> str:
    users = sorted(set(flush.cache_users))
    shown = ", ".join(users[:NAMED]) + (f" and {len(users) - NAMED} more"
                                         if len(users) > NAMED else "")
    clear = ("memcache flush" if config.cache == "memcache"
             else f"lua {CLEAR_CACHE} flush")
    lines = [
        f"target {target!r}: the database change is committed ({committed}), but FreeSWITCH's "
        f"event socket at {config.address.shown} failed: {why}.",
        f"FreeSWITCH still serves the old directory entries of {shown or 'no user'} from its "
        "cache (old passwords keep working) until you flush it by hand on the FreeSWITCH host:",
        f'  fs_cli -x "{clear}"' if config.cache != "none" else "  (cache = none: nothing)",
    ]
    regs = sorted(set(flush.drop_registrations))
    if regs:
        lines.append("and drop the registrations of disabled, deleted or re-keyed extensions:")
        lines += [f'  fs_cli -x "sofia profile {config.profile} flush_inbound_reg '
                  f'{u}@{flush.domain}"' for u in regs[:NAMED]]
        if len(regs) > NAMED:
            lines.append(f"  (and {len(regs) - NAMED} more; or flush_inbound_reg for the "
                         "whole profile)")
    return "\n".join(lines)
