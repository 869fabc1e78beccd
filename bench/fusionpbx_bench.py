"""FusionPBX target: apply N new extensions in one transaction vs a row-by-row
insert-and-commit loop, then a no-change re-plan of the N.

    python bench/fusionpbx_bench.py [--count 100000] [--sample 2000] [--version 5.5.7]

PostgreSQL is a throwaway cluster started like tests/fixtures/postgres.py,
with FusionPBX's own tables (tests/reference/fusionpbx). The loop inserts the
same rows (v_extensions + extctl_managed) with one COMMIT per extension, on
`--sample` rows, extrapolated to --count. Budgets (issue 12): apply under
30 s and >= 10x the loop; the no-change re-plan under 3 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extctl.policy import TargetConfig
from pbx.base import open_target
from plan.apply import plan_for_target
from tests.fixtures.postgres import Cluster
from tests.pbx.fusion import DOMAIN, DOMAIN_UUID, config, load_tables, target
from tests.pbx.helpers import many, request_for


def timed_apply(url: str, count: int) -> float:
    t = target(url)
    request = request_for(t, many(count))
    start = time.perf_counter()
    t.apply(request)
    elapsed = time.perf_counter() - start
    assert len(t.read_state()) == count
    return elapsed


def timed_replan(url: str, count: int) -> tuple[float, float]:
    """(read the PBX, then diff) of a plan with no change."""
    t = target(url)
    desired = many(count)
    start = time.perf_counter()
    state = t.read_state()
    read = time.perf_counter() - start
    plan = plan_for_target(desired, t, config(url), state=state)
    elapsed = time.perf_counter() - start
    assert plan.changes == (), plan.changes[:3]
    return read, elapsed


def timed_loop(url: str, count: int) -> float:
    """One INSERT per table and a COMMIT per extension."""
    import psycopg

    t = target(url)
    t.apply(request_for(t, many(0)))  # creates extctl_managed, writes nothing
    rows = many(count, start=500000)
    conn = psycopg.connect(url)
    start = time.perf_counter()
    for code, name in zip(rows["code"].tolist(), rows["name"].tolist(), strict=True):
        uuid = conn.execute("SELECT gen_random_uuid()").fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO v_extensions (extension_uuid, domain_uuid, extension, number_alias, "
            "password, effective_caller_id_name, limit_max, do_not_disturb, "
            "forward_all_enabled, auth_acl, enabled, user_context) VALUES (%s, %s, %s, %s, 'x', "
            "%s, '2', false, false, '10.0.0.0/8,192.168.1.0/24', true, %s)",
            (uuid, DOMAIN_UUID, code, code, name, DOMAIN))
        conn.execute("INSERT INTO extctl_managed (domain_uuid, extension_uuid, code, username) "
                     "VALUES (%s, %s, %s, %s)", (DOMAIN_UUID, uuid, code, code))
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--version", choices=["5.5.7", "5.4.4"], default="5.5.7")
    args = parser.parse_args()
    cluster = Cluster()
    try:
        urls = []
        for suffix in ("a", "b"):
            name = f"bench_fusion_{suffix}"
            cluster.admin(f"CREATE DATABASE {name}")
            url = cluster.url(name)
            load_tables(url, args.version)
            urls.append(url.replace("+psycopg", ""))
        bulk = timed_apply(urls[0], args.count)
        replan = timed_replan(urls[0], args.count)
        loop = timed_loop(urls[1], args.sample) * args.count / args.sample
        print(f"fusionpbx {args.version} on PostgreSQL: one-transaction apply of {args.count}: "
              f"{bulk:6.1f} s (budget 30 s) | row-by-row insert+commit ({args.sample} rows, "
              f"extrapolated): {loop:7.1f} s | ratio {loop / bulk:5.1f}x (budget >= 10x)")
        # the same re-plan against the kamailio target on the same cluster, for scale:
        # this machine's load moves every figure, the comparison much less
        cluster.admin("CREATE DATABASE bench_kamailio")
        kurl = cluster.url("bench_kamailio").replace("+psycopg", "")
        kam = open_target(TargetConfig("bench", "kamailio", kurl))
        kam.apply(request_for(kam, many(args.count)))
        start = time.perf_counter()
        kstate = kam.read_state()
        kread = time.perf_counter() - start
        kplan = plan_for_target(many(args.count), kam, TargetConfig("bench", "kamailio", kurl),
                                state=kstate)
        kboth = time.perf_counter() - start
        assert kplan.changes == ()
        print(f"kamailio on the same PostgreSQL, same run: no-change re-plan {kboth:5.2f} s "
              f"(reading {kread:4.2f} s)")
        print(f"fusionpbx {args.version}: no-change re-plan of {args.count}: {replan[1]:5.2f} s "
              f"(of which reading v_extensions {replan[0]:4.2f} s; budget 3 s); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
