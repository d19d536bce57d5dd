"""The analytics queue (migration 0090, bot/analytics/queue.py): the course bot's changes wait
in analytics_queue until an applier moves them into the rollups, and nothing shows it.

Checked: an answer right after the course bot wrote is exact (it applies first) and equals
one after a full rebuild; updates and deletes reach the rollups, and updates of nothing the
rollups read queue nothing; two appliers at once count every row once; the sliced rebuild and
the full one stay exact with rows queued before, during and while an applier is at work (both
lock orders); a forgotten person's queued rows bring back neither their names nor a deleted
user; a downgrade applies what is queued; the leader's applier empties the queue by itself.
Exactness is the recomputation of test_analytics_rollups / test_analytics_people_rollups.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.queue import QueueApplier, apply_queue
from bot.analytics.rebuild import SliceStart, rebuild_rollups
from bot.db.migrations import Migrator
from bot.privacy import PrivacyService
from tests.support import ADMIN_ID
from tests.test_analytics_people_rollups import (
    assert_people_rollups_match,
    assert_school_rollups_match,
    random_event_changes,
)
from tests.test_analytics_rebuild import events_on, waiting_for_a_lock
from tests.test_analytics_rollups import assert_rollups_match, random_changes

TZ = "Europe/Moscow"
ZONE = "America/New_York"
# The random histories are dated 2025-03-01 .. 2025-05-10.
NOW = datetime(2025, 5, 12, 15, 30, tzinfo=UTC)
SMALLEST = SliceStart(days=1, events=3, adapt=False)
INSERT_EVENT = "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, $3)"
APPLY = "SELECT hsl_apply_analytics_queue()"


class FrozenSchool(SchoolAnalytics):
    """The analytics service on the histories' last days."""

    def now(self) -> datetime:
        return NOW.astimezone(self.tz)


async def queued(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM analytics_queue"))


async def assert_all_match(conn: Any, tz: str = TZ) -> None:
    """Every rollup equals its recomputation (each helper applies the queue first), and so do
    migration 0090's copies of the users table: each user's cohort, each booker's latest
    appearance."""
    await assert_rollups_match(conn, tz)
    await assert_people_rollups_match(conn, tz)
    await assert_school_rollups_match(conn, tz)
    mapped = "SELECT user_id, cohort FROM analytics_user_cohorts"
    derived = (
        "SELECT user_id, date_trunc('week', first_seen_at AT TIME ZONE $1)::date FROM users"
        " WHERE first_seen_at IS NOT NULL"
    )
    differ = f"({mapped} EXCEPT {derived}) UNION ALL ({derived} EXCEPT {mapped})"
    assert await conn.fetch(differ, tz) == []
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM analytics_stream_bookers AS b JOIN users AS u USING (user_id)"
            " WHERE b.last_seen_at IS DISTINCT FROM u.last_seen_at"
        )
        == 0
    )


async def history(conn: asyncpg.Connection, seed: int, steps: int = 100) -> None:
    """Random inserts, updates and deletes in all three school tables."""
    rng = random.Random(seed)
    await random_changes(conn, rng, steps)
    await random_event_changes(conn, rng, steps)


async def answers(school: SchoolAnalytics) -> tuple[Any, ...]:
    """What the console shows from the rollups (the leads' snapshot time aside)."""
    leads = await school.leads()
    return (
        await school.stats(),
        await school.growth(90),
        await school.daily(90),
        await school.top_events(10, 90),
        await school.streams(),
        await school.funnel(90),
        await school.retention(),
        await school.lessons(),
        (leads.since, leads.tiers, leads.hot),
    )


# --- answers are exact ----------------------------------------------------------------------


async def test_an_answer_right_after_the_course_bot_wrote_is_exact(pool: asyncpg.Pool) -> None:
    school = FrozenSchool(pool, ZoneInfo(TZ))
    await school.prepare()
    async with pool.acquire() as conn:
        await history(conn, 90)
        assert await queued(conn) > 0  # nothing applied them yet
    first = await answers(school)
    async with pool.acquire() as conn:
        assert await queued(conn) == 0
        await assert_all_match(conn)
        await conn.execute("SELECT hsl_rebuild_analytics()")
    assert await answers(school) == first  # the same figures as recomputed from scratch


async def test_a_start_shows_in_the_very_next_answer(pool: asyncpg.Pool) -> None:
    school = FrozenSchool(pool, ZoneInfo(TZ))
    before = await school.top_events(10, 7)
    await pool.execute(INSERT_EVENT, 77, "start_command", NOW)
    after = await school.top_events(10, 7)
    assert after.total == before.total + 1
    assert dict((r.event_type, r.count) for r in after.rows)["start_command"] == 1
    card = await school.user_card(77)
    assert card is not None and card.events_total == 1


async def test_users_are_exact_at_once_without_any_applier(pool: asyncpg.Pool) -> None:
    moment = datetime(2025, 3, 10, 12, tzinfo=UTC)
    async with pool.acquire() as conn:
        await conn.execute(INSERT_EVENT, 5, "start_command", moment)
        await conn.execute(INSERT_EVENT, 5, "view_program", moment + timedelta(hours=2))
        await conn.execute(INSERT_EVENT, 5, "view_program", moment - timedelta(hours=1))
        await conn.execute(INSERT_EVENT, 5, "view_program", moment)  # inside the window
        row = await conn.fetchrow(
            "SELECT first_seen_at, last_seen_at FROM users WHERE user_id = 5"
        )
        assert await queued(conn) == 4
    assert (row["first_seen_at"], row["last_seen_at"]) == (
        moment - timedelta(hours=1),
        moment + timedelta(hours=2),
    )


async def test_updates_and_deletes_reach_the_rollups(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await history(conn, 91)
        await apply_queue(conn)
        await conn.execute(
            "UPDATE events SET created_at = created_at - interval '3 days'"
            " WHERE id IN (SELECT id FROM events ORDER BY id LIMIT 5)"
        )
        await conn.execute("UPDATE events SET user_id = 3 WHERE user_id = 4")
        await conn.execute(
            "UPDATE events SET details = '{\"course_id\": 2}'"
            " WHERE event_type = 'view_program' AND user_id = 6"
        )
        await conn.execute("UPDATE bookings SET confirmed = 2 WHERE user_id IN (1, 2, 3)")
        await conn.execute("UPDATE bookings SET course_stream = '7th_stream' WHERE user_id = 5")
        await conn.execute("DELETE FROM free_lesson_registrations WHERE user_id = 7")
        await conn.execute(
            "UPDATE free_lesson_registrations SET lesson_date = lesson_date + 1 WHERE user_id = 8"
        )
        await conn.execute("DELETE FROM events WHERE user_id = 9")
        await conn.execute("DELETE FROM bookings WHERE user_id = 10")
        assert await queued(conn) > 0
        await assert_all_match(conn)


async def test_updates_of_nothing_the_rollups_read_queue_nothing(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await history(conn, 92)
        await apply_queue(conn)
        await conn.execute(
            "UPDATE events SET details = coalesce(details, '{}') || '{\"username\": \"x\"}'"
        )
        await conn.execute(
            "UPDATE bookings SET username = 'x', first_name = 'X',"
            " referral_code = 'r', discount_percent = 5"
        )
        await conn.execute(
            "UPDATE free_lesson_registrations SET username = 'x', email = 'x@x',"
            " notification_sent = TRUE"
        )
        assert await queued(conn) == 0


# --- appliers -------------------------------------------------------------------------------


async def test_two_appliers_at_once_count_every_row_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as first, pool.acquire() as second:
        await history(first, 93)
        rows = await queued(first)
        second_pid = await second.fetchval("SELECT pg_backend_pid()")
        async with first.transaction():
            applied_first = await first.fetchval(APPLY)
            waiting = asyncio.create_task(second.fetchval(APPLY))
            await waiting_for_a_lock(first, second_pid)  # it waits for the first one
            async with pool.acquire() as third:
                # one that need not wait leaves the queue to the applier at work
                assert await apply_queue(third, wait=False) == 0
        applied_second = await waiting
        assert (applied_first, applied_second) == (rows, 0)
        await assert_all_match(first)


async def test_appliers_racing_a_writer_lose_and_double_nothing(pool: asyncpg.Pool) -> None:
    rng = random.Random(94)
    stop = asyncio.Event()

    async def course_bot() -> None:
        async with pool.acquire() as conn:
            for _ in range(40):
                await random_changes(conn, rng, 3)
                await random_event_changes(conn, rng, 3)
        stop.set()

    async def applier() -> int:
        applied = 0
        async with pool.acquire() as conn:
            while not stop.is_set():
                applied += await apply_queue(conn)
                await asyncio.sleep(0)
        return applied

    appliers = [asyncio.create_task(applier()) for _ in range(2)]
    await course_bot()
    counts = await asyncio.gather(*appliers)
    assert sum(counts) > 0
    async with pool.acquire() as conn:
        await assert_all_match(conn)


async def test_the_leaders_applier_empties_the_queue(pool: asyncpg.Pool) -> None:
    applier = QueueApplier(pool, every_s=0.01)
    applier.start()
    try:
        async with pool.acquire() as conn:
            await history(conn, 95)
            for _ in range(500):
                if await queued(conn) == 0:
                    break
                await asyncio.sleep(0.01)
            assert await queued(conn) == 0
    finally:
        await applier.stop()
    async with pool.acquire() as conn:
        await assert_all_match(conn)


# --- rebuilds -------------------------------------------------------------------------------


async def test_a_sliced_rebuild_counts_queued_rows_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await history(conn, 96)
        assert await queued(conn) > 0
        assert await conn.fetchval("SELECT hsl_analytics_use_tz($1)", ZONE)
    # the counts' slices leave the queued rows out; the leads' slice (after them) applies them
    report = await rebuild_rollups(pool, SMALLEST)
    assert report is not None
    async with pool.acquire() as conn:
        await assert_all_match(conn, ZONE)


async def test_the_full_rebuild_drops_the_rows_it_counts(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await history(conn, 97)
        assert await queued(conn) > 0
        await conn.execute("SELECT hsl_rebuild_analytics()")
        assert await queued(conn) == 0
        await assert_all_match(conn)


async def test_an_apply_during_a_slice_waits_for_it_and_counts_once(pool: asyncpg.Pool) -> None:
    day = date(2025, 3, 10)
    moment = datetime(2025, 3, 10, 12, tzinfo=UTC)
    async with pool.acquire() as slicer, pool.acquire() as applier:
        await slicer.executemany(INSERT_EVENT, [(1, "start_command", moment)] * 3)
        await apply_queue(slicer)
        await slicer.executemany(INSERT_EVENT, [(2, "start_command", moment)] * 2)  # queued
        applier_pid = await applier.fetchval("SELECT pg_backend_pid()")
        async with slicer.transaction():
            await slicer.execute("SELECT hsl_rebuild_days('analytics_events', $1, $1)", day)
            # the slice counted the events less what is queued
            assert (
                await slicer.fetchval(
                    "SELECT n FROM analytics_events"
                    " WHERE event_type = 'start_command' AND day = $1",
                    day,
                )
                == 3
            )
            apply = asyncio.create_task(applier.fetchval(APPLY))
            await waiting_for_a_lock(slicer, applier_pid)
        assert await apply == 2
        assert await events_on(slicer, day) == (5, 5)
        await assert_rollups_match(slicer, TZ, every_table=False)


async def test_a_slice_during_an_open_apply_waits_for_it_and_counts_once(
    pool: asyncpg.Pool,
) -> None:
    day = date(2025, 3, 11)
    moment = datetime(2025, 3, 11, 12, tzinfo=UTC)
    async with pool.acquire() as slicer, pool.acquire() as applier:
        await applier.executemany(INSERT_EVENT, [(1, "start_command", moment)] * 3)
        slicer_pid = await slicer.fetchval("SELECT pg_backend_pid()")
        async with applier.transaction():
            assert await applier.fetchval(APPLY) == 3
            rebuild = asyncio.create_task(
                slicer.execute("SELECT hsl_rebuild_days('analytics_events', $1, $1)", day)
            )
            await waiting_for_a_lock(applier, slicer_pid)
        await rebuild
        assert await events_on(slicer, day) == (3, 3)


async def test_a_slice_between_an_appliers_claim_and_its_writes_counts_once(
    pool: asyncpg.Pool,
) -> None:
    """The applier took the rows (deleted, not committed) but has not reached the rollup: the
    slice still sees them queued and leaves them out; the applier adds them after it."""
    day = date(2025, 3, 12)
    moment = datetime(2025, 3, 12, 12, tzinfo=UTC)
    async with pool.acquire() as slicer, pool.acquire() as applier:
        await slicer.executemany(INSERT_EVENT, [(1, "start_command", moment)] * 2)
        applier_pid = await applier.fetchval("SELECT pg_backend_pid()")
        async with slicer.transaction():
            await slicer.execute("LOCK TABLE analytics_events IN SHARE ROW EXCLUSIVE MODE")
            apply = asyncio.create_task(applier.fetchval(APPLY))
            await waiting_for_a_lock(slicer, applier_pid)  # claimed, blocked at the rollup
            await slicer.execute("SELECT hsl_rebuild_days('analytics_events', $1, $1)", day)
        assert await apply == 2
        assert await events_on(slicer, day) == (2, 2)
        await assert_rollups_match(slicer, TZ, every_table=False)


async def test_a_writer_and_an_applier_running_through_a_whole_rebuild(
    pool: asyncpg.Pool,
) -> None:
    rng = random.Random(98)
    async with pool.acquire() as conn:
        await history(conn, 98)
        await conn.fetchval("SELECT hsl_analytics_use_tz($1)", ZONE)
    stop = asyncio.Event()

    async def course_bot() -> None:
        async with pool.acquire() as conn:
            while not stop.is_set():
                await random_changes(conn, rng, 2)
                await random_event_changes(conn, rng, 2)

    writer = asyncio.create_task(course_bot())
    applier = QueueApplier(pool, every_s=0.005)
    applier.start()
    try:
        report = await rebuild_rollups(pool, SMALLEST)
    finally:
        stop.set()
        await writer
        await applier.stop()
    assert report is not None and report.slices > 100
    async with pool.acquire() as conn:
        await assert_all_match(conn, ZONE)


# --- people ---------------------------------------------------------------------------------


async def test_a_forgotten_persons_queued_rows_bring_nothing_back(pool: asyncpg.Pool) -> None:
    person = 4242
    async with pool.acquire() as conn:
        await history(conn, 99, steps=40)
        await apply_queue(conn)
        await conn.execute(INSERT_EVENT, person, "start_command", datetime(2025, 4, 1, tzinfo=UTC))
        await conn.execute(
            "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream,"
            " confirmed, created_at) VALUES ($1, 'secret_nick', 'Секрет', 1, '8th_stream', 2,"
            " $2)",
            person,
            datetime(2025, 4, 2, tzinfo=UTC),
        )
        await conn.execute(
            "INSERT INTO free_lesson_registrations (user_id, username, first_name, email,"
            " lesson_type, lesson_date, registered_at) VALUES ($1, 'secret_nick', 'Секрет',"
            " 'secret@example.com', 'cursor_lesson', '2025-04-05', $2)",
            person,
            datetime(2025, 4, 3, tzinfo=UTC),
        )
        # the queue never holds a name: only ids, moments, types, courses and statuses
        assert await queued(conn) == 3
        assert not await conn.fetchval(
            "SELECT bool_or(q::text ILIKE '%secret%' OR q::text LIKE '%Секрет%')"
            " FROM analytics_queue AS q"
        )
    await PrivacyService(pool).forget(ADMIN_ID, person)
    school = FrozenSchool(pool, ZoneInfo(TZ))
    card = await school.user_card(person)  # applies the queue first
    assert card is not None
    async with pool.acquire() as conn:
        assert await queued(conn) == 0
        names = await conn.fetchrow(
            "SELECT username, first_name FROM users WHERE user_id = $1", person
        )
        assert tuple(names) == (None, None)
        await assert_all_match(conn)
        # everything of theirs deleted while rows are still queued: no user comes back
        await conn.execute(INSERT_EVENT, person, "view_program", datetime(2025, 4, 4, tzinfo=UTC))
        for table in ("events", "bookings", "free_lesson_registrations"):
            await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", person)
        assert await queued(conn) > 0
        assert not await conn.fetchval("SELECT count(*) FROM users WHERE user_id = $1", person)
        await assert_all_match(conn)
        assert not await conn.fetchval("SELECT count(*) FROM users WHERE user_id = $1", person)
        assert await school.user_card(person) is None


# --- migrations -----------------------------------------------------------------------------


async def test_a_downgrade_applies_what_is_queued(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await history(conn, 100)
        assert await queued(conn) > 0
        await Migrator(conn).downgrade(to=80)
        # the triggers of 0080 keep the rollups exact from here
        await history(conn, 101, steps=30)
        await Migrator(conn).upgrade()
        await assert_all_match(conn)
