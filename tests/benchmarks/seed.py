"""Benchmark `hsl-bot seed`: 100k users and 1M events into a fresh database, goal ≤ 60 s.

    python tests/benchmarks/seed.py

Uses a scratch database on TEST_DATABASE_URL's server when set, else an embedded server in a
temporary directory; the scratch database is dropped afterwards. The last line is the verdict:
``target seed_1m_events_seconds: <measured> (goal 60) met`` (or ``missed``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from tests.support import with_database  # noqa: E402

USERS = 100_000
EVENTS = 1_000_000
DAYS = 180
GOAL_S = 60.0
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


async def benchmark(server_dsn: str) -> float:
    name = f"hsl_bench_seed_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        dsn = with_database(server_dsn, name)
        pool = await create_pool(dsn, max_size=2)
        try:
            async with pool.acquire() as connection:
                await Migrator(connection).upgrade()
                options = SeedOptions(users=USERS, events=EVENTS, days=DAYS, seed=1)
                started = time.perf_counter()
                summary = await seed_school(
                    connection, options, progress=sys.stderr.isatty(), now=NOW
                )
                elapsed = time.perf_counter() - started
                counted = await connection.fetchval("SELECT count(*) FROM events")
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    if counted != EVENTS:
        raise SystemExit(f"expected {EVENTS:,} events, found {counted:,}")
    print(summary.describe())
    print(f"total: {elapsed:.1f} s")
    print(f"events/s: {EVENTS / elapsed:,.0f}")
    print(f"rows/s: {(summary.events + summary.bookings + summary.registrations) / elapsed:,.0f}")
    return elapsed


def main() -> None:
    with ExitStack() as stack:
        server_dsn = os.environ.get("TEST_DATABASE_URL")
        if server_dsn:
            print(f"server: TEST_DATABASE_URL ({urlsplit(server_dsn).hostname or 'socket'})")
        else:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hsl-bench-")))
            embedded = EmbeddedPostgres(data_dir, port=55439)
            server_dsn = embedded.start().dsn("postgres")
            stack.callback(embedded.destroy)  # the scratch cluster goes, wherever it was kept
            print("server: embedded")
        elapsed = asyncio.run(benchmark(server_dsn))
    verdict = "met" if elapsed <= GOAL_S else "missed"
    print(f"target seed_1m_events_seconds: {elapsed:.1f} (goal {GOAL_S:.0f}) {verdict}")


if __name__ == "__main__":
    main()
