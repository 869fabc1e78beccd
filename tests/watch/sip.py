"""sipp REGISTER with a chosen expiry (the e2e helpers' scenario has a fixed 300 s)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.e2e.sipclients import SipResult, _result, _sipp_args, free_udp_port

SCENARIO = Path(__file__).with_name("scenarios") / "register_expires.xml"


def register(port: int, user: str, password: str, expires: int, workdir: Path, *,
             timeout_s: int = 8) -> SipResult:
    text = SCENARIO.read_text(encoding="utf-8").replace("__EXPECT__", "200")
    scenario = workdir / f"register-{time.monotonic_ns()}.xml"
    scenario.write_text(text, encoding="utf-8")
    local = free_udp_port()
    args, log = _sipp_args(scenario, port, local_ip="127.0.0.1", local_port=local,
                           tag="reg", workdir=workdir, timeout_s=timeout_s)
    args += ["-s", user, "-au", user, "-ap", password, "-key", "contact_port", str(local),
             "-key", "expires", str(expires)]
    done = subprocess.run(args, capture_output=True, timeout=timeout_s + 10, check=False,
                          cwd=workdir)
    return _result(done.returncode, log, password)
