"""Rollup rebuild benchmark: the course bot keeps writing while the analytics are rebuilt.

Run: ``.venv/bin/python tests/benchmarks/rebuild.py [--events N]`` (TEST_DATABASE_URL's server
if set, else the embedded server). Seeds 100k users / 1M events (``hsl-bot seed``'s generator),
then, side by side in one run:

1. the sliced rebuild (bot/analytics/rebuild.py, after a TIMEZONE change, as a process does it)
   while a writer inserts one event at a time, 100 a second, as the course bot does, and the
   leader's applier moves the queued rows into the rollups every second (migration 0090), as
   a running bot does;
2. the same with the one-transaction rebuild ``hsl_rebuild_analytics()`` that a rebuild used
   to be (for comparison: it holds every rollup table, and the queue, for its whole run).

For each it prints the writer's insert latency (p50, p99, max) during the rebuild and how long
the rebuild took. The sliced run counts only when its result is right: every rollup table
must then equal what the one-transaction rebuild computes from the same rows (the writer is
stopped first and what it queued applied, as an answer would; compared as md5 of each table's
ordered rows).

Ends with ``target rebuild_writer_p99: … (goal ≤ 50 ms) met|missed``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.analytics.queue import QueueApplier, apply_queue  # noqa: E402
from bot.analytics.rebuild import rebuild_rollups  # noqa: E402
from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from tests.benchmarks.targets import Targets  # noqa: E402
from tests.support import with_database  # noqa: E402

WRITES_PER_SECOND = 100
GOAL_P99_MS = 50.0
ROLLUPS = (
    "analytics_new_users",
    "analytics_events",
    "analytics_bookings",
    "analytics_registrations",
    "analytics_user_weeks",
    "analytics_cohorts",
    "analytics_user_days",
    "analytics_user_steps",
    "analytics_program_viewers",
    "analytics_user_cohorts",
)
INSERT_EVENT = "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, $3)"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def write_while(
    dsn: str, rebuild: Callable[[], Awaitable[Any]]
) -> tuple[list[float], float]:
    """Insert WRITES_PER_SECOND events a second until ``rebuild`` ends.

    Returns the latencies (ms) of the inserts begun while it ran, and how long it ran (s).
    """
    writer = await asyncpg.connect(dsn)
    user_ids = [r[0] for r in await writer.fetch("SELECT user_id FROM users LIMIT 500")]
    samples: list[tuple[float, float]] = []  # (when the insert began, its latency in ms)
    done = asyncio.Event()

    async def course_bot() -> None:
        start = time.perf_counter()
        for n in range(10**9):
            if done.is_set():
                return
            # paced by the schedule, not by the previous insert: a stalled insert is not hidden
            await asyncio.sleep(max(0.0, start + n / WRITES_PER_SECOND - time.perf_counter()))
            at = datetime.now(UTC) - timedelta(minutes=n % 10_000)
            began = time.perf_counter()
            await writer.execute(INSERT_EVENT, user_ids[n % len(user_ids)], "start_command", at)
            samples.append((began, (time.perf_counter() - began) * 1000))

    task = asyncio.create_task(course_bot())
    await asyncio.sleep(1.0)  # the writer's steady state before the rebuild starts
    started = time.perf_counter()
    await rebuild()
    ended = time.perf_counter()
    done.set()
    await task
    await writer.close()
    return [ms for began, ms in samples if started <= began <= ended], ended - started


async def fingerprints(conn: asyncpg.Connection) -> dict[str, str]:
    """md5 of every rollup table's rows in order (rows with a zero count left out)."""
    prints = {}
    for table in ROLLUPS:
        # table names come from the constant above, never from input
        prints[table] = await conn.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, ';' ORDER BY t::text), ''))"
            f" FROM {table} AS t WHERE to_jsonb(t) ->> 'n' IS DISTINCT FROM '0'"
        )
    return prints


def describe(label: str, latencies: list[float], seconds: float) -> str:
    return (
        f"  {label}: rebuild {seconds:.1f} s; {len(latencies)} inserts during it:"
        f" p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms,"
        f" max {max(latencies):.0f} ms"
    )


async def run(server_dsn: str, users: int, events: int) -> int:
    admin = await asyncpg.connect(server_dsn)
    name = f"hsl_bench_rebuild_{uuid.uuid4().hex[:6]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(server_dsn, name)
    try:
        conn = await asyncpg.connect(dsn)
        await Migrator(conn).upgrade()
        started = time.perf_counter()
        summary = await seed_school(
            conn, SeedOptions(users=users, events=events, days=180, seed=1)
        )
        print(f"seeded {summary.describe()} in {time.perf_counter() - started:.0f} s", flush=True)
        await conn.execute("VACUUM ANALYZE")
        pool = await create_pool(dsn, min_size=1, max_size=3)

        # 1. sliced, after a zone change (every key moves)
        await conn.fetchval("SELECT hsl_analytics_use_tz('Asia/Yekaterinburg')")
        report: list[Any] = []

        async def sliced() -> None:
            report.append(await rebuild_rollups(pool))

        applier = QueueApplier(pool)
        applier.start()
        try:
            sliced_ms, sliced_s = await write_while(dsn, sliced)
        finally:
            await applier.stop()
        await apply_queue(conn)
        print(describe("sliced rebuild", sliced_ms, sliced_s), flush=True)
        if report[0] is not None:
            longest_ms = report[0].longest_slice_s * 1000
            print(f"  {report[0].slices} slices, the longest {longest_ms:.0f} ms")
        ours = await fingerprints(conn)

        # 2. one transaction, same zone, same rows plus the writer's (compare first)
        await conn.execute("SELECT hsl_rebuild_analytics()")
        reference = await fingerprints(conn)
        wrong = [table for table in ROLLUPS if ours[table] != reference[table]]
        whole_ms, whole_s = await write_while(
            dsn, lambda: conn.execute("SELECT hsl_rebuild_analytics()")
        )
        print(describe("one-transaction rebuild (before)", whole_ms, whole_s), flush=True)
        await pool.close()
        await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    targets = Targets(echo=False)
    p99 = percentile(sliced_ms, 0.99)
    targets.report(
        "rebuild_writer_p99",
        f"{p99:.1f} ms over {len(sliced_ms)} inserts during a {sliced_s:.1f} s rebuild of"
        f" {events:,} events (one-transaction rebuild: {percentile(whole_ms, 0.99):.0f} ms)",
        f"≤ {GOAL_P99_MS:.0f} ms",
        p99 <= GOAL_P99_MS,
        f"rollups differ from a full recomputation: {', '.join(wrong)}" if wrong else None,
    )
    print("\n".join(targets.lines))
    return 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return await run(configured, args.users, args.events)
    server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55434)
    try:
        return await run(server.start().dsn("postgres"), args.users, args.events)
    finally:
        server.destroy()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
