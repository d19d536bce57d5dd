"""The per-person rollups (migration 0012) always equal a full recomputation.

analytics_user_days, analytics_user_steps and analytics_program_viewers are compared with the
test's own SQL over the events table after random inserts, updates (type, time, user, course)
and deletes, in single statements, in a committed transaction and in a rolled-back one, and
after the rebuild that seeding and a timezone change run.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.models import LEAD_TIERS
from bot.analytics.queue import apply_queue
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
    await apply_queue(conn)  # what the course bot queued, as every answer applies it first
    for table, recompute in RECOMPUTED.items():
        args = (tz,) if "$1" in recompute else ()
        # a user with no step at all ("- - - -") is the same as no row
        empty = ("", "0", "- - - -")
        expected = {k: v for k, v in await conn.fetch(recompute, *args) if v not in empty}
        derived = {k: v for k, v in await conn.fetch(DERIVED[table]) if v not in (None, *empty)}
        assert expected, f"{table}: nothing to compare"
        assert derived == expected, table


# Migration 0080's rollups, recomputed from the school's tables ($1: the zone). A user's step
# moments are their latest event of each funnel type and their latest confirmed booking.
STEPS = """
    SELECT user_id,
           max(at) FILTER (WHERE kind = 'start_command') AS s,
           max(at) FILTER (WHERE kind = 'view_program') AS v,
           max(at) FILTER (WHERE kind = 'booking_created') AS b,
           max(at) FILTER (WHERE kind = 'payment_proof_uploaded') AS p,
           max(at) FILTER (WHERE kind IS NULL) AS c
    FROM (
        SELECT user_id, event_type::text AS kind, created_at AS at FROM events
        UNION ALL
        SELECT user_id, NULL, created_at FROM bookings WHERE confirmed = 2
    ) AS moments
    WHERE at IS NOT NULL
    GROUP BY user_id"""
# Per stream, each booker's latest booking there.
BOOKERS = """
    SELECT DISTINCT ON (user_id, coalesce(course_id, 0), coalesce(course_stream, ''))
           user_id, coalesce(course_id, 0) AS course_id,
           coalesce(course_stream, '') AS stream, coalesce(confirmed, 0) AS status, created_at
    FROM bookings
    ORDER BY user_id, 2, 3, created_at DESC NULLS LAST, id DESC"""
VIEWERS = """
    SELECT details ->> 'course_id' AS course, user_id, max(created_at) AS last_at
    FROM events
    WHERE event_type = 'view_program' AND details ->> 'course_id' IS NOT NULL
      AND created_at IS NOT NULL
    GROUP BY 1, 2"""
SCHOOL_RECOMPUTED = {
    "analytics_funnel_days": f"""
        WITH steps AS (SELECT * FROM ({STEPS}) AS a WHERE s IS NOT NULL), levels AS (
            -- reaching step k (and every one before it): the earliest of the k moments
            SELECT 1 AS step, s AS at FROM steps
            UNION ALL SELECT 2, least(s, v) FROM steps WHERE v IS NOT NULL
            UNION ALL SELECT 3, least(s, v, b) FROM steps WHERE v IS NOT NULL AND b IS NOT NULL
            UNION ALL SELECT 4, least(s, v, b, p) FROM steps
                WHERE v IS NOT NULL AND b IS NOT NULL AND p IS NOT NULL
            UNION ALL SELECT 5, least(s, v, b, p, c) FROM steps
                WHERE v IS NOT NULL AND b IS NOT NULL AND p IS NOT NULL AND c IS NOT NULL
        )
        SELECT (at AT TIME ZONE $1)::date || ' ' || step, count(*)::text
        FROM levels WHERE at IS NOT NULL
        GROUP BY 1""",
    "analytics_lessons": """
        SELECT r.lesson_date || ' ' || coalesce(r.lesson_type, ''),
               count(*) || ' ' || count(c.user_id) || ' '
               || count(*) FILTER (WHERE b.last_at > r.registered_at)
        FROM free_lesson_registrations AS r
        LEFT JOIN (
            SELECT DISTINCT user_id, (created_at AT TIME ZONE $1)::date AS day FROM events
            WHERE event_type = 'lesson_link_clicked'
        ) AS c ON c.user_id = r.user_id AND c.day = r.lesson_date
        LEFT JOIN (
            SELECT user_id, max(created_at) AS last_at FROM bookings GROUP BY 1
        ) AS b ON b.user_id = r.user_id
        WHERE r.lesson_date IS NOT NULL
        GROUP BY 1""",
    "analytics_stream_bookers": f"""
        SELECT user_id || ' ' || course_id || ' ' || stream,
               status || ' ' || coalesce(created_at::text, '-')
        FROM ({BOOKERS}) AS b""",
    "analytics_viewer_days": f"""
        SELECT course || ' ' || (last_at AT TIME ZONE $1)::date, count(*)::text
        FROM ({VIEWERS}) AS v GROUP BY 1""",
    "analytics_booked_viewer_days": f"""
        SELECT b.course_id || ' ' || b.stream || ' ' || (v.last_at AT TIME ZONE $1)::date,
               count(*)::text
        FROM ({BOOKERS}) AS b JOIN ({VIEWERS}) AS v
          ON v.user_id = b.user_id AND v.course = b.course_id::text
        GROUP BY 1""",
}
SCHOOL_DERIVED = {
    "analytics_funnel_days": "SELECT day || ' ' || step, n::text FROM analytics_funnel_days",
    "analytics_lessons": """
        SELECT lesson_date || ' ' || lesson_type, registered || ' ' || attended || ' ' || booked
        FROM analytics_lessons""",
    "analytics_stream_bookers": """
        SELECT user_id || ' ' || course_id || ' ' || course_stream,
               status || ' ' || coalesce(latest_at::text, '-')
        FROM analytics_stream_bookers""",
    "analytics_viewer_days": """
        SELECT course_key || ' ' || day, n::text FROM analytics_viewer_days""",
    "analytics_booked_viewer_days": """
        SELECT course_id || ' ' || course_stream || ' ' || day, n::text
        FROM analytics_booked_viewer_days""",
}


SPARSE = ("analytics_booked_viewer_days",)


async def assert_school_rollups_match(conn: Any, tz: str) -> None:
    """Migration 0080's rollups equal their recomputation (sums of zero are no row)."""
    await apply_queue(conn)  # what the course bot queued, as every answer applies it first
    for table, recompute in SCHOOL_RECOMPUTED.items():
        args = (tz,) if "$1" in recompute else ()
        empty = ("0", "0 0 0")
        expected = {k: v for k, v in await conn.fetch(recompute, *args) if v not in empty}
        derived = {k: v for k, v in await conn.fetch(SCHOOL_DERIVED[table]) if v not in empty}
        # bookers who viewed their own course may be none yet in a small history
        assert expected or table in SPARSE, f"{table}: nothing to compare"
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
            await random_changes(conn, rng, 40)  # bookings and registrations for 0080's
            await assert_school_rollups_match(conn, "Europe/Moscow")
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
        await assert_school_rollups_match(conn, "Europe/Moscow")
        await conn.execute("SELECT hsl_rebuild_analytics()")
        await assert_people_rollups_match(conn, "Europe/Moscow")
        await assert_school_rollups_match(conn, "Europe/Moscow")


async def test_timezone_change_rekeys_the_people_rollups(pool: asyncpg.Pool) -> None:
    rng = random.Random(11)
    async with pool.acquire() as conn:
        await random_event_changes(conn, rng, 150)
        await random_changes(conn, rng, 60)
    school = SchoolAnalytics(pool, ZoneInfo("America/New_York"))
    await school.prepare()
    async with pool.acquire() as conn:
        await assert_people_rollups_match(conn, "America/New_York")
        await assert_school_rollups_match(conn, "America/New_York")
        await random_event_changes(conn, rng, 60)
        await assert_people_rollups_match(conn, "America/New_York")
        await assert_school_rollups_match(conn, "America/New_York")


# /leads' snapshot (migration 0075), recomputed from the events and bookings themselves.
LEADS_RECOMPUTED = """
    SELECT user_id::text,
           CASE WHEN events >= 20 AND days >= 5 THEN 'hot'
                WHEN events >= 10 AND days >= 3 THEN 'warm'
                ELSE 'cool' END || ' ' || events || ' ' || days
    FROM (
        SELECT user_id, count(*) AS events,
               count(DISTINCT (created_at AT TIME ZONE $1)::date) AS days
        FROM events
        WHERE (created_at AT TIME ZONE $1)::date >= $2
          AND user_id NOT IN (
              SELECT user_id FROM bookings WHERE confirmed = 2 AND user_id IS NOT NULL)
        GROUP BY user_id
        HAVING count(*) >= 5
    ) AS a"""


async def assert_leads_match(conn: Any, tz: str) -> None:
    """The snapshot (rows and tier sizes) equals a recomputation for its own window."""
    state = await conn.fetchrow("SELECT * FROM analytics_leads_state")
    assert state is not None, "no lead snapshot"
    expected = dict(await conn.fetch(LEADS_RECOMPUTED, tz, state["first_day"]))
    derived = dict(
        await conn.fetch(
            "SELECT user_id::text, tier || ' ' || events || ' ' || days FROM analytics_leads"
        )
    )
    assert expected, "no leads to compare"
    assert derived == expected
    sizes = {tier: sum(1 for v in expected.values() if v.startswith(tier)) for tier in LEAD_TIERS}
    assert {tier: state[tier] for tier in LEAD_TIERS} == sizes


async def test_lead_snapshot_equals_recomputation_after_a_refresh(pool: asyncpg.Pool) -> None:
    rng = random.Random(75)
    async with pool.acquire() as conn:
        await random_event_changes(conn, rng, 200)
        await random_changes(conn, rng, 100)
        for first_day in (date(2025, 3, 1), date(2025, 4, 1)):
            await conn.execute("SELECT hsl_refresh_leads($1)", first_day)
            await assert_leads_match(conn, "Europe/Moscow")
        await random_event_changes(conn, rng, 100)
        await conn.execute("SELECT hsl_rebuild_analytics()")
        await assert_leads_match(conn, "Europe/Moscow")


async def test_lead_snapshot_is_recomputed_only_when_stale(pool: asyncpg.Pool) -> None:
    rng = random.Random(76)
    async with pool.acquire() as conn:
        await random_event_changes(conn, rng, 200)
        first_day = date(2025, 3, 1)
        computed = await conn.fetchval("SELECT hsl_refresh_leads($1)", first_day)
        await random_event_changes(conn, rng, 100)
        # Fresh for an hour: kept as it was (and says when it is from).
        again = await conn.fetchval("SELECT hsl_refresh_leads($1, '1 hour')", first_day)
        assert again == computed
        # Another window, or no freshness asked for: recomputed.
        await conn.execute("SELECT hsl_refresh_leads($1, '1 hour')", date(2025, 3, 2))
        await conn.execute("SELECT hsl_refresh_leads($1)", first_day)
        await assert_leads_match(conn, "Europe/Moscow")


async def test_leads_answer_says_when_its_scores_are_from(pool: asyncpg.Pool) -> None:
    school = SchoolAnalytics(pool, ZoneInfo("Europe/Moscow"))
    async with pool.acquire() as conn:
        for day in range(6):  # a hot lead: 24 events over 6 of the last 7 days
            await conn.executemany(
                "INSERT INTO events (user_id, event_type, created_at)"
                " VALUES (42, 'view_program', now() - make_interval(days => $1))",
                [(day,)] * 4,
            )
    first = await school.leads()
    assert first.as_of is not None and [lead.user_id for lead in first.hot] == [42]
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO events (user_id, event_type, created_at)"
            " VALUES (42, 'start_command', now())"
        )
    # Within the freshness interval the snapshot is served as it was, with its time.
    assert await school.leads() == first
    async with pool.acquire() as conn:
        await conn.execute("UPDATE analytics_leads_state SET as_of = as_of - interval '1 day'")
    later = await school.leads()
    assert later.as_of is not None and later.as_of >= first.as_of
    assert later.hot[0].events == 25
