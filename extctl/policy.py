"""The policy file extctl.toml: code rules, password policy, severities, targets.

Missing file means defaults. Anything wrong in it is a UsageError naming the
key, because a policy typo must never silently relax a check.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extctl.errors import UsageError
from extctl.files import DEFAULT_MAX_FILE_BYTES, read_file

SEVERITIES = ("error", "warning", "off")
DEFAULT_RESERVED = ("911", "112", "999", "933", "988")
DEFAULT_TARGET = "kamailio"
DEFAULT_TARGET_URL = "sqlite:///pbx.sqlite"
_RANGE = re.compile(r"^([1-9][0-9]*)-([1-9][0-9]*)$")
DEFAULT_GONE_STATUSES = ("terminated", "inactive", "left", "leaver")


@dataclass(frozen=True)
class Safety:
    min_existing: int = 10
    max_change_fraction: float = 0.30


@dataclass(frozen=True)
class TargetConfig:
    name: str
    kind: str
    url: str
    default: bool = False
    safety: Safety = field(default_factory=Safety)
    # "error": a plan needing a column the target cannot store fails; "warn": it is dropped.
    unsupported: str = "error"
    options: tuple[tuple[str, str], ...] = ()
    # url_env names a variable that is not set: an error only when the target is
    # used, so validate and plan --base work where the PBX secret is absent
    # (a pull request from a fork gets no secrets).
    missing_url: str = ""

    def option(self, key: str, default: str) -> str:
        return dict(self.options).get(key, default)


@dataclass(frozen=True)
class Policy:
    code_min_length: int = 3
    code_max_length: int = 6
    reserved_codes: tuple[str, ...] = DEFAULT_RESERVED
    teams: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()
    require_owner: bool = False
    min_length: int = 16
    min_guess_bits: float = 50.0
    max_call_limit: int = 10
    rotation_days: int = 183
    severity: tuple[tuple[str, str], ...] = ()
    safety: Safety = field(default_factory=Safety)
    targets: tuple[TargetConfig, ...] = ()
    path: str | None = None
    # audit alerts: names of environment variables holding Apprise URLs
    notify: tuple[str, ...] = ()
    # [sip]: what credential cards tell phones (domain, ports, stun, support, qr_format...)
    sip: tuple[tuple[str, str], ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES  # any file extctl reads (extctl/files.py)
    allow_literal_passwords: bool = True
    password_words: tuple[str, ...] = ()
    # The widest union an allowed_ips list may cover, as a prefix length.
    allowed_ips_widest_ipv4: int = 8
    allowed_ips_widest_ipv6: int = 32
    # [hr] (extctl hr-sync): statuses meaning "gone" (lower case), and owner
    # addresses (fnmatch patterns) that are teams, not people.
    hr_gone_statuses: tuple[str, ...] = DEFAULT_GONE_STATUSES
    hr_team_owners: tuple[str, ...] = ()

    def severity_of(self, rule: str, default: str) -> str:
        from schema.rules import RELAXABLE

        if rule not in RELAXABLE:
            return default  # structural: always the rule's own severity (parse_policy refuses more)
        if rule == "password-literal" and not self.allow_literal_passwords:
            default = "error"
        return dict(self.severity).get(rule, default)

    def target_domains(self) -> tuple[str, ...]:
        """The SIP domain of every target (validation does not know which one applies)."""
        return tuple(sorted({t.option("domain", "") for t in self.targets} - {""}))

    def team_ranges(self) -> dict[str, tuple[tuple[int, int], ...]]:
        return dict(self.teams)

    def target(self, name: str | None) -> TargetConfig:
        """The named target, or the default one when `name` is None."""
        targets = self.targets or (
            TargetConfig(DEFAULT_TARGET, "kamailio", DEFAULT_TARGET_URL, default=True),
        )
        if name is not None:
            for t in targets:
                if t.name == name:
                    return _usable(t)
            known = ", ".join(t.name for t in targets)
            raise UsageError(f"unknown target {name!r}; the policy defines: {known}")
        if len(targets) == 1:
            return _usable(targets[0])
        defaults = [t for t in targets if t.default]
        if len(defaults) == 1:
            return _usable(defaults[0])
        raise UsageError(
            "several targets and none marked default = true: pass --target NAME"
        )


def _usable(target: TargetConfig) -> TargetConfig:
    if target.missing_url:
        raise UsageError(target.missing_url)
    return target


_TOP_KEYS = {
    "code_length", "reserved_codes", "teams", "require_owner", "min_length",
    "min_guess_bits", "max_call_limit", "rotation_days", "severity", "safety", "targets",
    "allow_literal_passwords", "password_words", "allowed_ips_widest_ipv4",
    "allowed_ips_widest_ipv6",
    "notify", "sip",
    "hr",
}
SIP_KEYS = {"domain", "server", "udp_port", "tls_port", "stun", "support", "qr_format",
            "provider_id"}
QR_FORMATS = ("sessiontalk", "acrobits")


def _sip(src: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise _fail(src, "sip", "must be a table: [sip] domain = ..., stun = ...")
    out = []
    for k, v in raw.items():
        if k not in SIP_KEYS:
            raise _fail(src, f"sip.{k}", f"unknown key (known: {', '.join(sorted(SIP_KEYS))})")
        if k in ("udp_port", "tls_port"):
            _int(src, f"sip.{k}", v, 1, 65535)
        elif not isinstance(v, str):
            raise _fail(src, f"sip.{k}", "must be a string")
        if k == "qr_format" and v not in QR_FORMATS:
            raise _fail(src, "sip.qr_format", f"must be one of {', '.join(QR_FORMATS)}")
        out.append((k, str(v)))
    return tuple(out)
_TOP_KEYS.add("max_file_bytes")
_TARGET_KEYS = {"kind", "url", "url_env", "default", "safety", "unsupported"}


def load_policy(path: str | os.PathLike[str] = "extctl.toml", *, required: bool = False) -> Policy:
    """Read the policy; a missing file gives the defaults unless `required`."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        if required:
            raise UsageError(f"{p}: policy file not found")
        return Policy()
    try:
        # The policy holds the size cap, so its own read uses the default one.
        data = tomllib.loads(read_file(p).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{p}: cannot read policy file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{p}: invalid TOML: {exc}") from None
    return parse_policy(data, str(p))


def _fail(src: str, key: str, what: str) -> UsageError:
    return UsageError(f"{src}: key {key!r}: {what}")


def _int(src: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _fail(src, key, f"must be an integer from {lo} to {hi}")
    return value


def _safety(src: str, prefix: str, raw: Any, base: Safety) -> Safety:
    if not isinstance(raw, dict):
        raise _fail(src, prefix, "must be a table")
    unknown = set(raw) - {"min_existing", "max_change_fraction"}
    if unknown:
        raise _fail(src, f"{prefix}.{sorted(unknown)[0]}", "unknown key")
    frac = raw.get("max_change_fraction", base.max_change_fraction)
    if isinstance(frac, bool) or not isinstance(frac, int | float) or not 0 <= frac <= 1:
        raise _fail(src, f"{prefix}.max_change_fraction", "must be a number from 0 to 1")
    return Safety(
        min_existing=_int(src, f"{prefix}.min_existing", raw.get("min_existing", base.min_existing),
                          0, 10**9),
        max_change_fraction=float(frac),
    )


def _teams(src: str, raw: Any) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    if not isinstance(raw, dict):
        raise _fail(src, "teams", "must be a table of [teams.NAME] tables")
    out = []
    for team, spec in raw.items():
        key = f"teams.{team}"
        if not re.fullmatch(r"[a-z0-9-]+", team):
            raise _fail(src, key, "team names are [a-z0-9-]+")
        if not isinstance(spec, dict) or set(spec) != {"codes"} or not isinstance(
            spec["codes"], list
        ):
            raise _fail(src, key, 'must hold exactly codes = ["2300-2399", ...]')
        ranges = []
        for item in spec["codes"]:
            m = _RANGE.match(str(item))
            if not m or int(m.group(1)) > int(m.group(2)):
                raise _fail(src, f"{key}.codes", f"{item!r} is not a range like \"2300-2399\"")
            ranges.append((int(m.group(1)), int(m.group(2))))
        out.append((team, tuple(ranges)))
    return tuple(out)


def _targets(src: str, raw: Any, safety: Safety) -> tuple[TargetConfig, ...]:
    if not isinstance(raw, dict):
        raise _fail(src, "targets", "must be a table of [targets.NAME] tables")
    out = []
    for name, spec in raw.items():
        key = f"targets.{name}"
        if not isinstance(spec, dict):
            raise _fail(src, key, "must be a table")
        kind = spec.get("kind")
        if not isinstance(kind, str):
            raise _fail(src, f"{key}.kind", "is required (kamailio, asterisk or fusionpbx)")
        url = spec.get("url")
        missing = ""
        if "url_env" in spec:
            env = spec["url_env"]
            url = os.environ.get(str(env))
            if not url:
                missing = str(_fail(src, f"{key}.url_env",
                                    f"environment variable {env} is not set"))
                url = "unset:"
        if not isinstance(url, str) or not url:
            raise _fail(src, f"{key}.url", "is required (or url_env naming a variable)")
        unsupported = spec.get("unsupported", "error")
        if unsupported not in ("error", "warn"):
            raise _fail(src, f"{key}.unsupported", 'must be "error" or "warn"')
        default = spec.get("default", False)
        if not isinstance(default, bool):
            raise _fail(src, f"{key}.default", "must be true or false")
        options = []
        for k, v in spec.items():
            if k in _TARGET_KEYS:
                continue
            if not isinstance(v, str | int) or isinstance(v, bool):
                raise _fail(src, f"{key}.{k}", "target options are strings or integers")
            options.append((k, str(v)))
        out.append(
            TargetConfig(
                name=name, kind=kind, url=url, default=default,
                safety=_safety(src, f"{key}.safety", spec.get("safety", {}), safety),
                unsupported=unsupported, options=tuple(options), missing_url=missing,
            )
        )
    if sum(t.default for t in out) > 1:
        raise _fail(src, "targets", "only one target may be default = true")
    return tuple(out)


def _hr(src: str, raw: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise _fail(src, "hr", "must be a table")
    unknown = set(raw) - {"gone_statuses", "team_owners"}
    if unknown:
        raise _fail(src, f"hr.{sorted(unknown)[0]}", "unknown key")
    out = []
    for key, default in (("gone_statuses", DEFAULT_GONE_STATUSES), ("team_owners", ())):
        value = raw.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                   for v in value):
            raise _fail(src, f"hr.{key}", "must be a list of non-empty strings")
        out.append(tuple(v.strip().lower() for v in value))
    return out[0], out[1]


def parse_policy(data: dict[str, Any], src: str = "extctl.toml") -> Policy:
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(src, sorted(unknown)[0], "unknown key")
    d = Policy()
    lengths = data.get("code_length", [d.code_min_length, d.code_max_length])
    if (
        not isinstance(lengths, list) or len(lengths) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in lengths)
        or not 1 <= lengths[0] <= lengths[1] <= 15
    ):
        raise _fail(src, "code_length", "must be [min, max] with 1 <= min <= max <= 15")
    reserved = data.get("reserved_codes", list(d.reserved_codes))
    if not isinstance(reserved, list) or not all(
        isinstance(c, str | int) and str(c).isdigit() for c in reserved
    ):
        raise _fail(src, "reserved_codes", 'must be a list of digit strings like ["911"]')
    require_owner = data.get("require_owner", False)
    if not isinstance(require_owner, bool):
        raise _fail(src, "require_owner", "must be true or false")
    bits = data.get("min_guess_bits", d.min_guess_bits)
    if isinstance(bits, bool) or not isinstance(bits, int | float) or not 0 <= bits <= 256:
        raise _fail(src, "min_guess_bits", "must be a number from 0 to 256")
    severity = data.get("severity", {})
    if not isinstance(severity, dict):
        raise _fail(src, "severity", 'must be a table like { code-prefix = "warning" }')
    from schema.rules import RELAXABLE, RULES  # light module: rule ids only

    for rule, level in severity.items():
        if rule not in RULES:
            raise _fail(src, f"severity.{rule}", "unknown rule id (see README, Rules)")
        if level not in SEVERITIES:
            raise _fail(src, f"severity.{rule}", "must be error, warning or off")
        if level != "error" and rule not in RELAXABLE:
            raise _fail(src, f"severity.{rule}", (
                f"{rule} guards data the PBX depends on and cannot be relaxed; only "
                f"{', '.join(sorted(RELAXABLE))} can (see README, Rules)"))
    allow_literal = data.get("allow_literal_passwords", True)
    if not isinstance(allow_literal, bool):
        raise _fail(src, "allow_literal_passwords", "must be true or false")
    if not allow_literal and severity.get("password-literal", "error") != "error":
        raise _fail(src, "severity.password-literal",
                    "contradicts allow_literal_passwords = false (which makes it an error)")
    words = data.get("password_words", [])
    if not isinstance(words, list) or not all(
        isinstance(w, str) and 3 <= len(w) <= 64 and w.isprintable() for w in words
    ):
        raise _fail(src, "password_words",
                    'must be a list of words of 3-64 characters like ["globex", "globex.com"]')
    safety = _safety(src, "safety", data.get("safety", {}), d.safety)
    gone, team_owners = _hr(src, data.get("hr", {}))
    return Policy(
        code_min_length=lengths[0],
        code_max_length=lengths[1],
        reserved_codes=tuple(str(c) for c in reserved),
        teams=_teams(src, data.get("teams", {})),
        require_owner=require_owner,
        min_length=_int(src, "min_length", data.get("min_length", d.min_length), 1, 64),
        min_guess_bits=float(bits),
        max_call_limit=_int(src, "max_call_limit", data.get("max_call_limit", d.max_call_limit),
                            1, 10000),
        rotation_days=_int(src, "rotation_days", data.get("rotation_days", d.rotation_days),
                           1, 36500),
        severity=tuple(severity.items()),
        safety=safety,
        targets=_targets(src, data.get("targets", {}), safety),
        path=src,
        notify=_notify(src, data.get("notify", [])),
        sip=_sip(src, data.get("sip", {})),
        max_file_bytes=_int(src, "max_file_bytes",
                            data.get("max_file_bytes", d.max_file_bytes), 1, 1 << 40),
        allow_literal_passwords=allow_literal,
        password_words=tuple(words),
        allowed_ips_widest_ipv4=_int(src, "allowed_ips_widest_ipv4",
                                     data.get("allowed_ips_widest_ipv4", 8), 1, 32),
        allowed_ips_widest_ipv6=_int(src, "allowed_ips_widest_ipv6",
                                     data.get("allowed_ips_widest_ipv6", 32), 1, 128),
        hr_gone_statuses=gone,
        hr_team_owners=team_owners,
    )


def _notify(src: str, raw: Any) -> tuple[str, ...]:
    # names, not URLs: an Apprise URL holds its token, and this file is in git
    if not isinstance(raw, list) or not all(
        isinstance(n, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n) for n in raw
    ):
        raise _fail(src, "notify", "must be a list of environment variable names holding "
                    'Apprise URLs, like ["AUDIT_SLACK_URL"]')
    return tuple(raw)
