"""The trigger-fed rollups (migration 0010) always equal a full recomputation.

The recomputation here is the test's own SQL over the school's three tables (first
appearances from their union, not from the trigger-fed users table), so it checks the users
triggers and the rollup triggers together.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.queue import apply_queue

TYPES = ["start_command", "view_program", "booking_created", "payment_approved", "x"]
STREAMS = ["7th_stream", "8th_stream", None]

SEEN = """
    WITH seen AS (
        SELECT user_id, created_at AS at FROM bookings WHERE created_at IS NOT NULL
        UNION ALL SELECT user_id, created_at FROM events WHERE created_at IS NOT NULL
        UNION ALL SELECT user_id, registered_at FROM free_lesson_registrations
            WHERE registered_at IS NOT NULL
    ) SELECT user_id, min(at) AS first_at FROM seen GROUP BY user_id
"""

RECOMPUTED = {
    "analytics_new_users": f"""
        SELECT (first_at AT TIME ZONE $1)::date::text, count(*) FROM ({SEEN}) f GROUP BY 1""",
    "analytics_events": """
        SELECT event_type || ' ' || (created_at AT TIME ZONE $1)::date, count(*) FROM events
        WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_bookings": """
        SELECT concat_ws(' ', (created_at AT TIME ZONE $1)::date, coalesce(course_id, 0),
                         coalesce(course_stream, ''), coalesce(confirmed, 0)), count(*)
        FROM bookings WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_booking_statuses": """
        SELECT (created_at AT TIME ZONE $1)::date || ' ' || coalesce(confirmed, 0), count(*)
        FROM bookings WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_stream_totals": """
        SELECT concat_ws(' ', coalesce(course_id, 0), coalesce(course_stream, ''),
                         coalesce(confirmed, 0)), count(*)
        FROM bookings
        WHERE created_at IS NOT NULL AND $1::text IS NOT NULL  -- no day: the zone plays no part
        GROUP BY 1""",
    "analytics_registrations": """
        SELECT (registered_at AT TIME ZONE $1)::date || ' ' || coalesce(lesson_type, ''),
               count(*)
        FROM free_lesson_registrations WHERE registered_at IS NOT NULL GROUP BY 1""",
    "analytics_user_weeks": """
        SELECT user_id || ' ' || date_trunc('week', created_at AT TIME ZONE $1)::date, count(*)
        FROM events WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_cohorts": f"""
        SELECT date_trunc('week', f.first_at AT TIME ZONE $1)::date || ' '
               || date_trunc('week', e.created_at AT TIME ZONE $1)::date,
               count(DISTINCT e.user_id)
        FROM events e JOIN ({SEEN}) f ON f.user_id = e.user_id
        WHERE e.created_at IS NOT NULL GROUP BY 1""",
}

DERIVED = {
    "analytics_new_users": "SELECT day::text, n FROM analytics_new_users",
    "analytics_events": "SELECT event_type || ' ' || day, n FROM analytics_events",
    "analytics_bookings": """
        SELECT concat_ws(' ', day, course_id, course_stream, confirmed), n
        FROM analytics_bookings""",
    "analytics_booking_statuses": """
        SELECT day || ' ' || confirmed, n FROM analytics_booking_statuses""",
    "analytics_stream_totals": """
        SELECT concat_ws(' ', course_id, course_stream, confirmed), n
        FROM analytics_stream_totals""",
    "analytics_registrations": "SELECT day || ' ' || lesson_type, n FROM analytics_registrations",
    "analytics_user_weeks": "SELECT user_id || ' ' || week, n FROM analytics_user_weeks",
    "analytics_cohorts": "SELECT cohort || ' ' || week, users FROM analytics_cohorts",
}


async def assert_rollups_match(conn: Any, tz: str, *, every_table: bool = True) -> None:
    await apply_queue(conn)  # what the course bot queued, as every answer applies it first
    for table, recompute in RECOMPUTED.items():
        expected = {key: n for key, n in await conn.fetch(recompute, tz)}
        derived = {key: n for key, n in await conn.fetch(DERIVED[table]) if n != 0}
        assert expected or not every_table, f"{table}: nothing to compare"
        assert derived == expected, table


def moment(rng: random.Random) -> datetime | None:
    if rng.random() < 0.03:
        return None
    base = datetime(2025, 3, 1, tzinfo=UTC)
    return base + timedelta(minutes=rng.randint(0, 60 * 24 * 70))


async def random_changes(conn: asyncpg.Connection, rng: random.Random, steps: int) -> None:
    users = list(range(1, 25))
    for _ in range(steps):
        op = rng.random()
        user = rng.choice(users)
        if op < 0.30:
            rows = [
                (rng.choice(users), rng.choice(TYPES), moment(rng))
                for _ in range(rng.randint(1, 4))
            ]
            await conn.executemany(
                "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, $3)", rows
            )
        elif op < 0.40:
            await conn.execute(
                "UPDATE events SET created_at = $1, event_type = $2 WHERE id = "
                "(SELECT id FROM events ORDER BY random() LIMIT 1)",
                moment(rng),
                rng.choice(TYPES),
            )
        elif op < 0.45:
            await conn.execute(
                "UPDATE events SET user_id = $1 WHERE user_id = $2", rng.choice(users), user
            )
        elif op < 0.55:
            await conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY random() LIMIT 3)"
            )
        elif op < 0.68:
            await conn.execute(
                "INSERT INTO bookings (user_id, course_id, course_stream, confirmed, created_at)"
                " VALUES ($1, $2, $3, $4, $5)",
                user,
                rng.choice([1, 2, None]),
                rng.choice(STREAMS),
                rng.choice([-1, 0, 1, 2, None]),
                moment(rng),
            )
        elif op < 0.76:
            await conn.execute(
                "UPDATE bookings SET confirmed = $1 WHERE user_id = $2",
                rng.choice([-1, 1, 2]),
                user,
            )
        elif op < 0.80:
            await conn.execute("DELETE FROM bookings WHERE user_id = $1", user)
        elif op < 0.90:
            await conn.execute(
                "INSERT INTO free_lesson_registrations (user_id, email, lesson_type, lesson_date,"
                " registered_at) VALUES ($1, 'e', $2, $3, $4) ON CONFLICT DO NOTHING",
                user,
                rng.choice(["cursor_lesson", None]),
                datetime(2025, 4, 1).date() + timedelta(days=rng.randint(0, 5)),
                moment(rng),
            )
        elif op < 0.95:
            await conn.execute(
                "UPDATE free_lesson_registrations SET registered_at = $1 WHERE user_id = $2",
                moment(rng),
                user,
            )
        else:
            await conn.execute("DELETE FROM free_lesson_registrations WHERE user_id = $1", user)


async def test_rollups_equal_recomputation_after_random_changes(pool: asyncpg.Pool) -> None:
    rng = random.Random(20250301)
    async with pool.acquire() as conn:
        for _ in range(4):
            await random_changes(conn, rng, 120)
            await assert_rollups_match(conn, "Europe/Moscow")
        # Several statements in one transaction, and one rolled back, keep them equal too.
        async with conn.transaction():
            await random_changes(conn, rng, 30)
        try:
            async with conn.transaction():
                await random_changes(conn, rng, 30)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        await assert_rollups_match(conn, "Europe/Moscow")


async def test_changing_timezone_rekeys_the_rollups(pool: asyncpg.Pool) -> None:
    rng = random.Random(7)
    async with pool.acquire() as conn:
        await random_changes(conn, rng, 150)
    school = SchoolAnalytics(pool, ZoneInfo("America/New_York"))
    await school.prepare()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT tz FROM analytics_settings") == "America/New_York"
        await assert_rollups_match(conn, "America/New_York")
        await random_changes(conn, rng, 60)
        await assert_rollups_match(conn, "America/New_York")


async def test_a_load_that_bypassed_the_triggers_is_rebuilt(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE events DISABLE TRIGGER hsl_analytics_insert")
        await conn.execute(
            "INSERT INTO events (user_id, event_type, created_at)"
            " SELECT g % 7, 'start_command', now() - g * interval '1 hour'"
            " FROM generate_series(1, 50) g"
        )
        await conn.execute("ALTER TABLE events ENABLE TRIGGER hsl_analytics_insert")
    school = SchoolAnalytics(pool, ZoneInfo("Europe/Moscow"))
    stats = await school.stats()
    assert stats.users.total == 7
    async with pool.acquire() as conn:
        await assert_rollups_match(conn, "Europe/Moscow", every_table=False)
