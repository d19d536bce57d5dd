"""The per-person rollups (migration 0012) always equal a full recomputation.

analytics_user_days, analytics_user_steps and analytics_program_viewers are compared with the
test's own SQL over the events table after random inserts, updates (type, time, user, course)
and deletes, in single statements, in a committed transaction and in a rolled-back one, and
after the rebuild that seeding and a timezone change run.
"""

from __future__ import annotations

import random
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from tests.test_analytics_rollups import moment, random_changes

TYPES = [
    "start_command",
    "view_program",
    "view_program",
    "booking_created",
    "payment_proof_uploaded",
    "lesson_link_clicked",
]

RECOMPUTED = {
    "analytics_user_days": """
        SELECT (created_at AT TIME ZONE $1)::date || ' ' || user_id, count(*)::text
        FROM events WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_user_steps": """
        SELECT user_id::text,
               concat_ws(' ',  -- a NULL keeps its place, so a swapped column never matches
                   coalesce((max(created_at)
                       FILTER (WHERE event_type = 'start_command'))::text, '-'),
                   coalesce((max(created_at)
                       FILTER (WHERE event_type = 'view_program'))::text, '-'),
                   coalesce((max(created_at)
                       FILTER (WHERE event_type = 'booking_created'))::text, '-'),
                   coalesce((max(created_at)
                       FILTER (WHERE event_type = 'payment_proof_uploaded'))::text, '-'))
        FROM events WHERE created_at IS NOT NULL GROUP BY 1""",
    "analytics_program_viewers": """
        SELECT (details ->> 'course_id') || ' ' || user_id, max(created_at)::text
        FROM events
        WHERE event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
          AND created_at IS NOT NULL
        GROUP BY 1""",
}

DERIVED = {
    "analytics_user_days": "SELECT day || ' ' || user_id, n::text FROM analytics_user_days",
    "analytics_user_steps": """
        SELECT user_id::text, concat_ws(' ', coalesce(started_at::text, '-'),
               coalesce(viewed_at::text, '-'), coalesce(booked_at::text, '-'),
               coalesce(paid_at::text, '-'))
        FROM analytics_user_steps""",
    "analytics_program_viewers": """
        SELECT course_key || ' ' || user_id, last_at::text FROM analytics_program_viewers""",
}


async def assert_people_rollups_match(conn: Any, tz: str) -> None:
    for table, recompute in RECOMPUTED.items():
        args = (tz,) if "$1" in recompute else ()
        # a user with no step at all ("- - - -") is the same as no row
        empty = ("", "0", "- - - -")
        expected = {k: v for k, v in await conn.fetch(recompute, *args) if v not in empty}
        derived = {k: v for k, v in await conn.fetch(DERIVED[table]) if v not in (None, *empty)}
        assert expected, f"{table}: nothing to compare"
        assert derived == expected, table


def details(rng: random.Random) -> dict[str, Any] | None:
    """A view's details (the pool's codec encodes them): a course id, or none to key by."""
    choice = rng.random()
    if choice < 0.15:
        return None
    if choice < 0.25:
        return {"other": 1}
    return {"course_id": rng.choice([1, 2, "3"])}


async def random_event_changes(conn: asyncpg.Connection, rng: random.Random, steps: int) -> None:
    users = list(range(1, 20))
    for _ in range(steps):
        op = rng.random()
        if op < 0.4:
            rows = [
                (rng.choice(users), rng.choice(TYPES), details(rng), moment(rng))
                for _ in range(rng.randint(1, 5))
            ]
            await conn.executemany(
                "INSERT INTO events (user_id, event_type, details, created_at)"
                " VALUES ($1, $2, $3::jsonb, $4)",
                rows,
            )
        elif op < 0.55:
            await conn.execute(
                "UPDATE events SET created_at = $1, event_type = $2 WHERE id IN "
                "(SELECT id FROM events ORDER BY random() LIMIT 2)",
                moment(rng),
                rng.choice(TYPES),
            )
        elif op < 0.65:
            await conn.execute(
                "UPDATE events SET details = $1::jsonb WHERE id = "
                "(SELECT id FROM events ORDER BY random() LIMIT 1)",
                details(rng),
            )
        elif op < 0.75:
            await conn.execute(
                "UPDATE events SET user_id = $1 WHERE user_id = $2",
                rng.choice(users),
                rng.choice(users),
            )
        elif op < 0.9:
            await conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY random() LIMIT 3)"
            )
        else:
            await conn.execute("DELETE FROM events WHERE user_id = $1", rng.choice(users))


async def test_people_rollups_equal_recomputation_after_random_changes(
    pool: asyncpg.Pool,
) -> None:
    rng = random.Random(20250612)
    async with pool.acquire() as conn:
        for _ in range(4):
            await random_event_changes(conn, rng, 120)
            await assert_people_rollups_match(conn, "Europe/Moscow")
        await random_changes(conn, rng, 100)  # the 0010 test's mix (no details) too
        await assert_people_rollups_match(conn, "Europe/Moscow")
        async with conn.transaction():
            await random_event_changes(conn, rng, 30)
        try:
            async with conn.transaction():
                await random_event_changes(conn, rng, 30)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        await assert_people_rollups_match(conn, "Europe/Moscow")
        await conn.execute("SELECT hsl_rebuild_analytics()")
        await assert_people_rollups_match(conn, "Europe/Moscow")


async def test_timezone_change_rekeys_the_people_rollups(pool: asyncpg.Pool) -> None:
    rng = random.Random(11)
    async with pool.acquire() as conn:
        await random_event_changes(conn, rng, 150)
    school = SchoolAnalytics(pool, ZoneInfo("America/New_York"))
    await school.prepare()
    async with pool.acquire() as conn:
        await assert_people_rollups_match(conn, "America/New_York")
        await random_event_changes(conn, rng, 60)
        await assert_people_rollups_match(conn, "America/New_York")
