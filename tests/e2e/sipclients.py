"""Real SIP clients for the end-to-end tests: sipsak and sipp, loopback only.

Every call is bounded (sipp -timeout plus a subprocess timeout). Passwords go
to the clients through argv only and are never part of what these helpers
return or raise, so an assertion message cannot leak one.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCENARIOS = Path(__file__).with_name("scenarios")
_STATUS = re.compile(r"^SIP/2\.0 (\d{3}) ?(.*)$", re.MULTILINE)


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class SipResult:
    rc: int
    statuses: tuple[int, ...]  # every SIP status line the client received, in order
    messages: str  # the client's message trace (digests only, never a password)

    @property
    def final(self) -> int | None:
        finals = [s for s in self.statuses if s >= 200]
        return finals[-1] if finals else None

    def header(self, name: str, status: int) -> list[str]:
        """Values of header `name` in the received responses with `status`."""
        out = []
        for block in re.split(r"\n-{5,}.*\n", self.messages):
            m = _STATUS.search(block)
            if m and int(m.group(1)) == status:
                out += re.findall(rf"^{name}:\s*(.*)$", block, re.MULTILINE | re.IGNORECASE)
        return out


def options_ok(port: int, timeout: float = 3.0) -> bool:
    """True when the server answers an OPTIONS ping with 200."""
    try:
        done = subprocess.run(
            ["sipsak", "-s", f"sip:127.0.0.1:{port}"],
            capture_output=True, timeout=timeout, check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def sipsak_register(port: int, user: str, password: str, timeout: float = 10.0,
                    auth_user: str | None = None) -> SipResult:
    """Register with sipsak (Debian's 0.9.8.1 needs -u with -a).

    `user` is the SIP user (From/To/Contact); `auth_user` the digest
    username when it differs (Asterisk: endpoint id vs ps_auths.username)."""
    done = subprocess.run(
        ["sipsak", "-U", "-s", f"sip:{user}@127.0.0.1:{port}", "-a", password,
         "-u", auth_user or user, "-i", "-vvv"],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    text = done.stdout + done.stderr
    # -vvv prints requests and replies; only replies have a line starting "SIP/2.0 "
    statuses = tuple(int(m.group(1)) for m in _STATUS.finditer(text))
    return SipResult(done.returncode, statuses, _redact(text, password))


def _redact(text: str, *secrets: str) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return text


def _scenario(name: str, workdir: Path, expect: int | None) -> Path:
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    if expect is not None:
        text = text.replace("__EXPECT__", str(expect))
    out = workdir / f"{name.removesuffix('.xml')}-{expect or 'x'}-{time.monotonic_ns()}.xml"
    out.write_text(text, encoding="utf-8")
    return out


def _sipp_args(scenario: Path, port: int | None, *, local_ip: str, local_port: int,
               tag: str, workdir: Path, timeout_s: int) -> tuple[list[str], Path]:
    log = workdir / f"sipp-{tag}-{time.monotonic_ns()}.log"
    args = ["sipp"]
    if port is not None:
        args.append(f"127.0.0.1:{port}")
    args += [
        "-sf", str(scenario), "-m", "1", "-i", local_ip, "-bind_local",
        "-p", str(local_port), "-nostdin", "-timeout", f"{timeout_s}s",
        "-timeout_error", "-trace_msg", "-message_file", str(log),
        "-trace_err", "-error_file", str(workdir / f"sipp-{tag}-errors.log"),
    ]
    return args, log


def _result(rc: int, log: Path, *secrets: str) -> SipResult:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    text = _redact(text, *secrets)
    statuses = tuple(
        int(m.group(1))
        for m in re.finditer(r"received.*\n\n?SIP/2\.0 (\d{3})", text)
    )
    return SipResult(rc, statuses, text)


def sipp_register(port: int, user: str, password: str, expect: int, workdir: Path,
                  *, local_ip: str = "127.0.0.1", contact_port: int | None = None,
                  timeout_s: int = 8) -> SipResult:
    """REGISTER (401 challenge, then with credentials); `expect` is the final code."""
    local_port = free_udp_port(local_ip)
    args, log = _sipp_args(_scenario("register.xml", workdir, expect), port, local_ip=local_ip,
                           local_port=local_port, tag="reg", workdir=workdir,
                           timeout_s=timeout_s)
    args += ["-s", user, "-au", user, "-ap", password,
             "-key", "contact_port", str(contact_port or local_port)]
    done = subprocess.run(args, capture_output=True, timeout=timeout_s + 10, check=False,
                          cwd=workdir)
    return _result(done.returncode, log, password)


def sipp_invite(port: int, code: str, expect: int, workdir: Path,
                timeout_s: int = 8) -> SipResult:
    """INVITE sip:CODE@server answered by the PBX itself with `expect`, then ACK."""
    args, log = _sipp_args(_scenario("invite.xml", workdir, expect), port,
                           local_ip="127.0.0.1", local_port=free_udp_port(), tag="inv",
                           workdir=workdir, timeout_s=timeout_s)
    args += ["-s", code]
    done = subprocess.run(args, capture_output=True, timeout=timeout_s + 10, check=False,
                          cwd=workdir)
    return _result(done.returncode, log)


def sipp_invite_auth(port: int, code: str, caller: str, password: str, *, expect: int,
                     workdir: Path, local_ip: str = "127.0.0.1",
                     timeout_s: int = 8) -> SipResult:
    """INVITE from extension `caller`: 407, then with credentials; `expect` is final."""
    args, log = _sipp_args(_scenario("invite_auth.xml", workdir, expect), port,
                           local_ip=local_ip, local_port=free_udp_port(local_ip), tag="inva",
                           workdir=workdir, timeout_s=timeout_s)
    args += ["-s", code, "-key", "caller", caller, "-au", caller, "-ap", password]
    done = subprocess.run(args, capture_output=True, timeout=timeout_s + 10, check=False,
                          cwd=workdir)
    return _result(done.returncode, log, password)


@dataclass
class Background:
    """A sipp running on its own (a phone answering, a call being held)."""

    proc: subprocess.Popen[bytes]
    log: Path
    port: int

    def wait(self, timeout: float) -> SipResult:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout=5)
        return _result(rc, self.log)

    def saw(self, needle: str) -> bool:
        return self.log.exists() and needle in self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


def sipp_answer(workdir: Path, timeout_s: int = 20) -> Background:
    """A phone (sipp in server mode) that answers one call and holds it until BYE."""
    port = free_udp_port()
    args, log = _sipp_args(_scenario("answer.xml", workdir, None), None, local_ip="127.0.0.1",
                           local_port=port, tag="uas", workdir=workdir, timeout_s=timeout_s)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=workdir)
    return Background(proc, log, port)


def sipp_call_hold(port: int, code: str, hold_ms: int, workdir: Path,
                   timeout_s: int = 20) -> Background:
    """Call sip:CODE@server, and once answered hold the call for hold_ms, then BYE."""
    local = free_udp_port()
    args, log = _sipp_args(_scenario("call_hold.xml", workdir, None), port,
                           local_ip="127.0.0.1", local_port=local, tag="hold", workdir=workdir,
                           timeout_s=timeout_s)
    args += ["-s", code, "-d", str(hold_ms)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=workdir)
    return Background(proc, log, local)


def wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())
