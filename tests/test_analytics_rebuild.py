"""The sliced rebuild (migration 0055, bot/analytics/rebuild.py): exact, and never making the
course bot's inserts wait for more than one slice.

Exactness is checked against the tests' own recomputation from the school's tables (the same
as test_analytics_rollups / test_analytics_people_rollups), with a zone change so every key
moves, with the smallest slices, and with a writer inserting events throughout. Since
migration 0090 the course bot's inserts only queue their rows, so they and the slices no longer
wait for each other, in either order, and each row is still counted once (the queue's own
interplay with slices is in test_analytics_queue).
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.queue import apply_queue
from bot.analytics.rebuild import SliceStart, rebuild_rollups
from tests.test_analytics_people_rollups import (
    assert_leads_match,
    assert_people_rollups_match,
    assert_school_rollups_match,
    random_event_changes,
)
from tests.test_analytics_rollups import assert_rollups_match, random_changes

ZONE = "America/New_York"
SMALLEST = SliceStart(days=1, events=3, adapt=False)
INSERT_EVENT = "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, $3)"


async def school_history(conn: asyncpg.Connection, seed: int) -> None:
    """Random changes to all three school tables, events with course details among them."""
    rng = random.Random(seed)
    await random_changes(conn, rng, 150)
    await random_event_changes(conn, rng, 100)


async def waiting_for_a_lock(conn: asyncpg.Connection, pid: int) -> None:
    """Until backend ``pid`` waits for a lock (bounded by attempts, not by a clock)."""
    for _ in range(500):
        waiting = await conn.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


async def finishes_without_waiting(
    task: asyncio.Task[object], conn: asyncpg.Connection, pid: int
) -> None:
    """Until ``task`` (running on backend ``pid``) is done, which it must be without ever
    waiting for a lock (bounded by attempts, not by a clock)."""
    for _ in range(500):
        if task.done():
            await task
            return
        waiting = await conn.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        )
        assert not waiting, f"backend {pid} waits for a lock"
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never finished")


async def events_on(conn: asyncpg.Connection, day: date) -> tuple[int, int]:
    """(rollup count, real count) of start_command events on local ``day``, what is queued
    applied first (as an answer does)."""
    await apply_queue(conn)
    rollup = await conn.fetchval(
        "SELECT coalesce(sum(n), 0) FROM analytics_events"
        " WHERE event_type = 'start_command' AND day = $1",
        day,
    )
    real = await conn.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'start_command'"
        " AND (created_at AT TIME ZONE hsl_analytics_tz())::date = $1",
        day,
    )
    return rollup, real


async def test_sliced_rebuild_after_a_zone_change_equals_recomputation(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        await school_history(conn, 55)
        await conn.execute("SELECT hsl_refresh_leads('2025-03-01')")  # a /leads snapshot
        assert await conn.fetchval("SELECT hsl_analytics_use_tz($1)", ZONE)
        assert await conn.fetchval("SELECT rebuilding FROM analytics_settings")
    report = await rebuild_rollups(pool, SMALLEST)
    assert report is not None and report.slices > 100
    async with pool.acquire() as conn:
        await assert_rollups_match(conn, ZONE)
        await assert_people_rollups_match(conn, ZONE)
        await assert_school_rollups_match(conn, ZONE)
        await assert_leads_match(conn, ZONE)
        assert not await conn.fetchval("SELECT rebuilding FROM analytics_settings")


async def test_an_interrupted_rebuild_is_finished_by_the_next_process(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await school_history(conn, 56)
        # A process changed the zone and died before rebuilding: the mark stays.
        assert await conn.fetchval("SELECT hsl_analytics_use_tz($1)", ZONE)
    school = SchoolAnalytics(pool, ZoneInfo(ZONE))
    await school.stats()
    async with pool.acquire() as conn:
        await assert_rollups_match(conn, ZONE)
        await assert_people_rollups_match(conn, ZONE)
        await assert_school_rollups_match(conn, ZONE)


async def test_an_insert_during_a_slice_does_not_wait_for_it_and_is_counted_once(
    pool: asyncpg.Pool,
) -> None:
    day = date(2025, 3, 10)
    moment = datetime(2025, 3, 10, 12, tzinfo=UTC)
    async with pool.acquire() as slicer, pool.acquire() as writer:
        await slicer.executemany(INSERT_EVENT, [(1, "start_command", moment)] * 3)
        writer_pid = await writer.fetchval("SELECT pg_backend_pid()")
        async with slicer.transaction():
            await slicer.execute("SELECT hsl_rebuild_days('analytics_events', $1, $1)", day)
            insert = asyncio.create_task(writer.execute(INSERT_EVENT, 2, "start_command", moment))
            await finishes_without_waiting(insert, slicer, writer_pid)
        assert await events_on(slicer, day) == (4, 4)


async def test_a_slice_during_an_open_insert_does_not_wait_for_it_and_counts_it_once(
    pool: asyncpg.Pool,
) -> None:
    day = date(2025, 3, 11)
    moment = datetime(2025, 3, 11, 12, tzinfo=UTC)
    async with pool.acquire() as slicer, pool.acquire() as writer:
        await writer.executemany(INSERT_EVENT, [(1, "start_command", moment)] * 2)
        slicer_pid = await slicer.fetchval("SELECT pg_backend_pid()")
        async with writer.transaction():
            await writer.execute(INSERT_EVENT, 2, "start_command", moment)
            rebuild = asyncio.create_task(
                slicer.execute("SELECT hsl_rebuild_days('analytics_events', $1, $1)", day)
            )
            await finishes_without_waiting(rebuild, writer, slicer_pid)
        assert await events_on(slicer, day) == (3, 3)


async def test_a_writer_running_through_a_whole_rebuild_loses_nothing(
    pool: asyncpg.Pool,
) -> None:
    rng = random.Random(57)
    async with pool.acquire() as conn:
        await school_history(conn, 57)
        await conn.fetchval("SELECT hsl_analytics_use_tz($1)", ZONE)
    stop = asyncio.Event()
    written = 0

    async def course_bot() -> None:
        nonlocal written
        base = datetime(2025, 3, 1, tzinfo=UTC)
        async with pool.acquire() as conn:
            while not stop.is_set():
                at = base + timedelta(minutes=rng.randint(0, 60 * 24 * 70))
                kind = rng.choice(["start_command", "view_program", "booking_created"])
                await conn.execute(INSERT_EVENT, rng.randint(1, 30), kind, at)
                written += 1

    writer = asyncio.create_task(course_bot())
    try:
        report = await rebuild_rollups(pool, SMALLEST)
    finally:
        stop.set()
        await writer
    assert report is not None and written > 0
    async with pool.acquire() as conn:
        await assert_rollups_match(conn, ZONE)
        await assert_people_rollups_match(conn, ZONE)
        await assert_school_rollups_match(conn, ZONE)


async def test_one_rebuild_at_a_time(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as holder:
        await holder.fetchval("SELECT pg_advisory_lock(hashtext('hsl-bot analytics rebuild'))")
        assert await rebuild_rollups(pool) is None
        await holder.fetchval("SELECT pg_advisory_unlock(hashtext('hsl-bot analytics rebuild'))")
    assert await rebuild_rollups(pool) is not None
