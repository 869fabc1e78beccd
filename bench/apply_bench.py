"""Apply N new extensions in one transaction vs a row-by-row insert-and-commit loop.

    python bench/apply_bench.py [--count 100000] [--sample 2000] [--kind kamailio]

SQLite runs on a temp file; PostgreSQL on $EXTCTL_BENCH_PG_URL or, when unset,
a throwaway cluster started like tests/fixtures/postgres.py. The loop inserts
the same rows (subscriber, usr_preferences / ps_* and extctl_managed) with one
COMMIT per extension, on `--sample` rows, extrapolated to --count.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from extctl.policy import TargetConfig
from pbx.base import open_target
from pbx.sqltarget import SqlTarget
from tests.pbx.helpers import many, request_for


def timed_apply(kind: str, url: str, count: int) -> float:
    target = open_target(TargetConfig("bench", kind, url))
    assert isinstance(target, SqlTarget)
    request = request_for(target, many(count))
    start = time.perf_counter()
    target.apply(request)
    elapsed = time.perf_counter() - start
    assert len(target.read_state()) == count
    return elapsed


def timed_loop(kind: str, url: str, count: int) -> float:
    """Per-row INSERTs + COMMIT into the schema a first (empty) apply created."""
    target = open_target(TargetConfig("bench", kind, url))
    assert isinstance(target, SqlTarget)
    target.apply(request_for(target, many(0)))  # creates the tables, writes nothing
    rows = many(count, start=500000)
    eng = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    mark = "?" if url.startswith("sqlite") else "%s"
    conn = eng.raw_connection()
    cur = conn.cursor()
    start = time.perf_counter()
    for code, name in zip(rows["code"].tolist(), rows["name"].tolist(), strict=True):
        if kind == "kamailio":
            cur.execute(f"INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                        f"VALUES ({mark}, 'pbx.local', 'x', 'h', 'h')", (code,))
            for attr, value in (("code", code), ("name", name), ("enabled", "1"),
                                ("dnd", "0"), ("call_limit", "2"), ("transport", "udp"),
                                ("allowed_ips", "10.0.0.0/8,192.168.1.0/24")):
                cur.execute(f"INSERT INTO usr_preferences (uuid, username, domain, attribute, "
                            f"type, value) VALUES ({mark}, {mark}, 'pbx.local', {mark}, 0, "
                            f"{mark})", (code, code, attr, value))
        else:
            cur.execute(f"INSERT INTO ps_endpoints (id, transport, aors, auth, callerid) "
                        f"VALUES ({mark}, 'transport-udp', {mark}, {mark}, {mark})",
                        (code, code, code, name))
            cur.execute(f"INSERT INTO ps_auths (id, auth_type, password, username) VALUES "
                        f"({mark}, 'userpass', 'x', {mark})", (code, code))
            cur.execute(f"INSERT INTO ps_aors (id, max_contacts) VALUES ({mark}, 1)", (code,))
        cur.execute(f"INSERT INTO extctl_managed (code, username) VALUES ({mark}, {mark})",
                    (code, code))
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    eng.dispose()
    return elapsed


def report(label: str, kind: str, urls: tuple[str, str], count: int, sample: int) -> None:
    bulk = timed_apply(kind, urls[0], count)
    loop = timed_loop(kind, urls[1], sample) * count / sample
    print(f"{label:<10} {kind:<9} one-transaction apply of {count:>7}: {bulk:7.1f} s | "
          f"row-by-row insert+commit ({sample} rows, extrapolated): {loop:8.1f} s | "
          f"ratio {loop / bulk:5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--kind", choices=["kamailio", "asterisk", "both"], default="both")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    kinds = ["kamailio", "asterisk"] if args.kind == "both" else [args.kind]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            report("sqlite", kind, (f"sqlite:///{tmp}/{kind}-a.sqlite",
                                    f"sqlite:///{tmp}/{kind}-b.sqlite"), args.count,
                   args.sample)
    if args.skip_postgres:
        return
    cluster = None
    base = os.environ.get("EXTCTL_BENCH_PG_URL")
    if base is None:
        from tests.fixtures.postgres import Cluster

        cluster = Cluster()
    try:
        for kind in kinds:
            urls = []
            for suffix in ("a", "b"):
                name = f"bench_{kind}_{suffix}"
                if cluster is not None:
                    cluster.admin(f"CREATE DATABASE {name}")
                    urls.append(cluster.url(name))
                else:
                    urls.append(str(base))  # the caller's database: both runs share it
            report("postgresql", kind, (urls[0], urls[1]), args.count, args.sample)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
