"""Analytics benchmark: every command's queries at two scales, against the naive formulation.

Run: ``.venv/bin/python tests/benchmarks/analytics.py`` (TEST_DATABASE_URL's server if set, else
the embedded server). For 10k users / 100k events and 100k users / 1M events (seeded with
`hsl-bot seed`'s generator over the same number of days) it prints, per command, warm p50 and
p95 over 20 runs of the service call behind it (all its queries), and beside it the naive
formulation the old dashboard used: the union of the three tables recomputed on every request,
on a copy of the data without secondary indexes, triggers or rollups. Then chart render times
and single-row autocommit ``INSERT INTO events`` latency with and without our derived-data
machinery (rollup triggers and the covering index). Ends with one line per target.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot import charts  # noqa: E402
from bot.analytics import SchoolAnalytics  # noqa: E402
from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from bot.telegram.analytics import views  # noqa: E402
from bot.telegram.texts import Texts  # noqa: E402
from tests.support import with_database  # noqa: E402

SCALES = [(10_000, 100_000), (100_000, 1_000_000)]
DAYS = 180
RUNS = 20
INSERTS = 1000
TZ = "Europe/Moscow"
GOAL_MS = 50.0
GOAL_SPEEDUP = 10.0
GOAL_GROWTH = 2.0
GOAL_RENDER_MS = 150.0
GOAL_INSERT = 1.5

# The old dashboard's formulations: everything from the union of the school's tables, per
# request. (Benchmark-only SQL: the bot's own SQL lives in sql/queries.)
NAIVE_USERS = """
    WITH seen AS (
        SELECT user_id, created_at AS at FROM bookings
        UNION ALL SELECT user_id, created_at FROM events
        UNION ALL SELECT user_id, registered_at FROM free_lesson_registrations
    ) SELECT user_id, min(at) AS first_at FROM seen GROUP BY user_id
"""
NAIVE: dict[str, list[str]] = {
    "stats": [
        f"SELECT count(*), count(*) FILTER (WHERE (first_at AT TIME ZONE '{TZ}')::date"
        f" = (now() AT TIME ZONE '{TZ}')::date) FROM ({NAIVE_USERS}) u",
        "SELECT confirmed, count(*) FROM bookings GROUP BY confirmed",
        "SELECT count(*) FROM free_lesson_registrations",
        "SELECT count(*) FROM blocked_users",
    ],
    "growth": [
        f"SELECT (first_at AT TIME ZONE '{TZ}')::date AS day, count(*),"
        f" sum(count(*)) OVER (ORDER BY (first_at AT TIME ZONE '{TZ}')::date)"
        f" FROM ({NAIVE_USERS}) u GROUP BY 1 ORDER BY 1",
    ],
    "daily": [
        f"SELECT (first_at AT TIME ZONE '{TZ}')::date, count(*) FROM ({NAIVE_USERS}) u"
        f" WHERE first_at >= now() - interval '7 days' GROUP BY 1",
        f"SELECT (created_at AT TIME ZONE '{TZ}')::date, count(*) FROM events"
        " WHERE created_at >= now() - interval '7 days' GROUP BY 1",
        f"SELECT (created_at AT TIME ZONE '{TZ}')::date, count(*) FROM bookings"
        " WHERE created_at >= now() - interval '7 days' GROUP BY 1",
        f"SELECT (registered_at AT TIME ZONE '{TZ}')::date, count(*)"
        " FROM free_lesson_registrations"
        " WHERE registered_at >= now() - interval '7 days' GROUP BY 1",
    ],
    "events": [
        "SELECT event_type, count(*) FROM events WHERE created_at >= now() - interval '30 days'"
        " GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
    ],
    "courses": [
        "SELECT course_id, course_stream, confirmed, count(*) FROM bookings GROUP BY 1, 2, 3",
    ],
    "retention": [
        f"WITH u AS ({NAIVE_USERS}) SELECT date_trunc('week', u.first_at), "
        " date_trunc('week', e.created_at), count(DISTINCT e.user_id)"
        " FROM events e JOIN u USING (user_id)"
        " WHERE u.first_at >= now() - interval '12 weeks' GROUP BY 1, 2",
    ],
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[Any]], runs: int = RUNS) -> tuple[float, float]:
    """Warm p50 and p95 in milliseconds."""
    await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def commands(
    school: SchoolAnalytics, user_id: int, username: str
) -> dict[str, Callable[[], Awaitable[Any]]]:
    async def students() -> Any:
        streams = await school.streams()
        current = next(s for s in streams if s.current)
        return await school.students(current.key, 0)

    return {
        "stats": school.stats,
        "growth": lambda: school.growth(30),
        "growth all": lambda: school.growth(None),
        "daily": lambda: school.daily(7),
        "daily 90": lambda: school.daily(90),
        "events": lambda: school.top_events(10, 30),
        "courses": school.streams,
        "courses students": students,
        "lessons": school.lessons,
        "funnel": lambda: school.funnel(30),
        "retention": school.retention,
        "leads": school.leads,
        "user @name": lambda: school.find_users("@" + username),
        "user text": lambda: school.find_users(username[:4]),
        "user card": lambda: school.user_card(user_id),
        "schema": school.schema,
    }


async def prepare(server_dsn: str, users: int, events: int) -> tuple[str, str]:
    """A seeded database and its naive copy (no secondary indexes, triggers or rollups)."""
    admin = await asyncpg.connect(server_dsn)
    name = f"hsl_bench_{events}_{uuid.uuid4().hex[:6]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(with_database(server_dsn, name))
    await Migrator(conn).upgrade()
    started = time.perf_counter()
    summary = await seed_school(conn, SeedOptions(users=users, events=events, days=DAYS, seed=1))
    print(f"  seeded {summary.describe()} in {time.perf_counter() - started:.0f} s", flush=True)
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    naive = f"{name}_naive"
    await admin.execute(f'CREATE DATABASE "{naive}" TEMPLATE "{name}"')
    await admin.close()
    conn = await asyncpg.connect(with_database(server_dsn, naive))
    indexes = await conn.fetch(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid WHERE NOT x.indisprimary"
        " AND t.relname IN ('bookings', 'events', 'free_lesson_registrations')"
        " AND NOT x.indisunique"
    )
    for row in indexes:
        await conn.execute(f'DROP INDEX "{row["relname"]}"')
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    return name, naive


async def measure_scale(server_dsn: str, users: int, events: int) -> dict[str, Any]:
    print(f"\n== {users:,} users / {events:,} events ==", flush=True)
    name, naive = await prepare(server_dsn, users, events)
    results: dict[str, Any] = {"db": name, "naive_db": naive, "ours": {}, "naive": {}}
    pool = await create_pool(with_database(server_dsn, name), max_size=4)
    naive_pool = await create_pool(with_database(server_dsn, naive), max_size=2)
    school = SchoolAnalytics(pool, ZoneInfo(TZ))
    await school.prepare()
    someone = await pool.fetchrow(
        "SELECT user_id, username FROM users WHERE username IS NOT NULL ORDER BY user_id LIMIT 1"
    )
    assert someone is not None
    for command, call in commands(school, someone["user_id"], someone["username"]).items():
        results["ours"][command] = await timed(call)
    for command, statements in NAIVE.items():

        async def run(statements: list[str] = statements) -> None:
            async with naive_pool.acquire() as conn:
                for sql in statements:
                    await conn.fetch(sql)

        results["naive"][command] = await timed(run, runs=RUNS if events <= 100_000 else 10)
    print(f"  {'command':<18}{'p50 ms':>9}{'p95 ms':>9}{'naive p50':>11}{'ratio':>8}")
    for command, (p50, p95) in results["ours"].items():
        base = results["naive"].get(command)
        naive_text = f"{base[0]:>11.1f}{base[0] / p50:>7.0f}×" if base else f"{'—':>11}{'':>8}"
        print(f"  {command:<18}{p50:>9.2f}{p95:>9.2f}{naive_text}", flush=True)
    results["render"] = await render_times(school)
    await pool.close()
    await naive_pool.close()
    return results


async def render_times(school: SchoolAnalytics) -> dict[str, float]:
    texts = Texts("ru", ZoneInfo(TZ))
    growth = await school.growth(30)
    daily = await school.daily(60)
    retention = await school.retention()
    drawings: dict[str, Callable[[], bytes]] = {
        "growth": lambda: charts.growth_chart(growth, views.growth_labels(texts)),
        "daily": lambda: charts.daily_chart(daily, views.daily_labels(texts)),
        "retention": lambda: charts.retention_chart(retention, views.retention_labels(texts)),
    }
    result = {}
    for name, draw in drawings.items():
        draw()
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            draw()
            samples.append((time.perf_counter() - started) * 1000)
        result[name] = statistics.median(samples)
        print(f"  render {name:<10} p50 {result[name]:.0f} ms", flush=True)
    return result


async def insert_latency(dsn: str) -> tuple[float, float]:
    """p50 of single-row autocommit INSERT INTO events, with and without our machinery."""
    conn = await asyncpg.connect(dsn)
    users = [r[0] for r in await conn.fetch("SELECT user_id FROM users LIMIT 500")]
    types = ["start_command", "view_program", "lesson_link_clicked", "unknown_callback"]
    statement = await conn.prepare(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, now())"
    )

    async def sample() -> float:
        samples = []
        for n in range(INSERTS):
            started = time.perf_counter()
            await statement.fetch(users[n % len(users)], types[n % len(types)])
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    with_rollups = await sample()
    for trigger in ("hsl_analytics_insert", "hsl_analytics_update", "hsl_analytics_delete"):
        await conn.execute(f"ALTER TABLE events DISABLE TRIGGER {trigger}")
    await conn.execute("ALTER TABLE users DISABLE TRIGGER hsl_analytics_insert")
    await conn.execute("ALTER TABLE users DISABLE TRIGGER hsl_analytics_update")
    await conn.execute("DROP INDEX idx_events_type_created_user")
    statement = await conn.prepare(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, now())"
    )
    without = await sample()
    await conn.close()
    print(
        f"  INSERT INTO events p50: {with_rollups:.3f} ms with rollups, {without:.3f} ms without",
        flush=True,
    )
    return with_rollups, without


async def main() -> int:
    configured = os.environ.get("TEST_DATABASE_URL")
    server: EmbeddedPostgres | None = None
    if configured:
        server_dsn = configured
    else:
        server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55433)
        server_dsn = server.start().dsn("postgres")
    created: list[str] = []
    try:
        small = await measure_scale(server_dsn, *SCALES[0])
        created += [small["db"], small["naive_db"]]
        big = await measure_scale(server_dsn, *SCALES[1])
        created += [big["db"], big["naive_db"]]
        print("\n== single-row inserts (1M-event database) ==", flush=True)
        with_rollups, without = await insert_latency(with_database(server_dsn, big["db"]))
    finally:
        admin = await asyncpg.connect(server_dsn)
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            server.destroy()  # scratch cluster: removed, wherever it was kept

    print("\n== targets ==")
    lines = []

    def target(name: str, measured: str, goal: str, met: bool) -> None:
        lines.append(f"target {name}: {measured} (goal {goal}) {'met' if met else 'missed'}")

    for command, (p50, _) in big["ours"].items():
        target(f"{command} p50 at 1M", f"{p50:.1f} ms", f"≤ {GOAL_MS:.0f} ms", p50 <= GOAL_MS)
    for command in ("stats", "growth"):
        speedup = big["naive"][command][0] / big["ours"][command][0]
        target(
            f"{command} vs naive at 1M",
            f"{speedup:.0f}×",
            f"≥ {GOAL_SPEEDUP:.0f}×",
            speedup >= GOAL_SPEEDUP,
        )
    for command, (p50, _) in big["ours"].items():
        ratio = p50 / small["ours"][command][0]
        target(
            f"{command} 1M/100k", f"{ratio:.2f}×", f"≤ {GOAL_GROWTH:.0f}×", ratio <= GOAL_GROWTH
        )
    for name, ms in big["render"].items():
        target(
            f"render {name} p50",
            f"{ms:.0f} ms",
            f"≤ {GOAL_RENDER_MS:.0f} ms",
            ms <= GOAL_RENDER_MS,
        )
    ratio = with_rollups / without
    target(
        "insert latency with/without rollups",
        f"{ratio:.2f}× ({with_rollups:.3f} vs {without:.3f} ms)",
        f"≤ {GOAL_INSERT}×",
        ratio <= GOAL_INSERT,
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
