"""`hsl-bot seed`: a reproducible, realistic synthetic school, bulk-loaded, and never written on
top of existing school data unless forced."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.db.pool import create_pool
from bot.seed import EVENT_TYPES, SchoolAlreadyHasData, SeedOptions, SeedSummary, seed_school
from bot.seed.progress import ProgressBar
from tests.support import bot_env, with_database

NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
SMALL = SeedOptions(users=400, events=6000, days=45, seed=7)
HSL_BOT = Path(sys.executable).with_name("hsl-bot")
STREAMS = {f"{n}th_stream" for n in range(4, 9)} | {"3rd_stream", "mentoring"}

CONTENTS = {
    "bookings": "SELECT user_id, username, first_name, course_id, course_stream, confirmed, "
    "created_at, referral_code, discount_percent FROM bookings ORDER BY id",
    "events": "SELECT user_id, event_type, details::text, created_at FROM events ORDER BY id",
    "free_lesson_registrations": "SELECT user_id, username, first_name, email, registered_at, "
    "notification_sent, lesson_type, lesson_date FROM free_lesson_registrations ORDER BY id",
    "users": "SELECT user_id, username, first_name, first_seen_at, last_seen_at FROM users "
    "ORDER BY user_id",
}

PoolFactory = Callable[[], Awaitable[asyncpg.Pool]]


async def seed(
    pool: asyncpg.Pool,
    options: SeedOptions = SMALL,
    *,
    force: bool = False,
    progress: bool = False,
) -> SeedSummary:
    async with pool.acquire() as connection:
        return await seed_school(connection, options, force=force, progress=progress, now=NOW)


async def contents(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    async with pool.acquire() as connection:
        return {
            table: [tuple(row) for row in await connection.fetch(query)]
            for table, query in CONTENTS.items()
        }


@pytest.fixture
async def another_pool(server_dsn: str, template_database: str) -> AsyncIterator[PoolFactory]:
    """More fresh migrated databases, each behind its own pool, dropped afterwards."""
    made: list[tuple[str, asyncpg.Pool]] = []

    async def make() -> asyncpg.Pool:
        name = f"hsl_seed_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(server_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        finally:
            await admin.close()
        dsn = with_database(server_dsn, name)
        pool = await create_pool(dsn, max_size=2)
        made.append((name, pool))
        return pool

    yield make
    admin = await asyncpg.connect(server_dsn)
    try:
        for name, pool in made:
            await pool.close()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def seeded(pool: asyncpg.Pool) -> tuple[SeedSummary, dict[str, list[asyncpg.Record]]]:
    summary = await seed(pool)
    async with pool.acquire() as connection:
        rows = {table: await connection.fetch(f"SELECT * FROM {table}") for table in CONTENTS}
    return summary, rows


async def test_same_seed_and_now_give_identical_rows(
    pool: asyncpg.Pool, another_pool: PoolFactory
) -> None:
    twin, other = await another_pool(), await another_pool()
    await seed(pool)
    await seed(twin)
    await seed(other, SeedOptions(SMALL.users, SMALL.events, SMALL.days, seed=SMALL.seed + 1))

    first = await contents(pool)
    assert first == await contents(twin)
    different = await contents(other)
    for table in CONTENTS:
        assert first[table] != different[table], table


async def test_event_count_is_exact_and_every_event_type_appears(seeded: Any) -> None:
    summary, rows = seeded
    assert len(rows["events"]) == SMALL.events == summary.events
    counts: dict[str, int] = {}
    for row in rows["events"]:
        counts[row["event_type"]] = counts.get(row["event_type"], 0) + 1
    assert set(counts) == set(EVENT_TYPES)
    assert counts["start_command"] >= SMALL.users * 0.8


async def test_bookings_move_through_every_status_in_plausible_shares(seeded: Any) -> None:
    summary, rows = seeded
    bookings = rows["bookings"]
    assert len(bookings) == summary.bookings >= 30
    statuses = [b["confirmed"] for b in bookings]
    assert set(statuses) == {-1, 0, 1, 2}
    assert 0.25 <= statuses.count(2) / len(statuses) <= 0.6
    assert 0.05 <= statuses.count(-1) / len(statuses) <= 0.3
    assert {b["course_id"] for b in bookings} == {1, 2}
    streams = {b["course_stream"] for b in bookings}
    assert streams <= STREAMS and "8th_stream" in streams and "mentoring" in streams
    newest = max(bookings, key=lambda b: b["created_at"])
    assert newest["course_stream"] in {"8th_stream", "mentoring"}

    # The events tell the same story as the rows.
    kinds = [e["event_type"] for e in rows["events"]]
    assert kinds.count("booking_created") == len(bookings)
    assert kinds.count("payment_approved") == statuses.count(2)
    assert kinds.count("booking_cancelled") == statuses.count(-1)
    assert kinds.count("payment_proof_uploaded") >= statuses.count(1) + statuses.count(2)
    created = {
        (e["user_id"], e["created_at"])
        for e in rows["events"]
        if e["event_type"] == "booking_created"
    }
    assert {(b["user_id"], b["created_at"]) for b in bookings} == created


async def test_free_lessons_are_weekly_workshops_with_attendance(seeded: Any) -> None:
    summary, rows = seeded
    registrations = rows["free_lesson_registrations"]
    assert len(registrations) == summary.registrations > 0
    keys = [(r["user_id"], r["lesson_type"], r["lesson_date"]) for r in registrations]
    assert len(keys) == len(set(keys))
    assert {r["lesson_type"] for r in registrations} == {
        "cursor_lesson",
        "vibecoding_lesson",
        "claude_code_lesson",
    }
    # A handful of dates per lesson type, each the same weekday.
    for kind in ("cursor_lesson", "vibecoding_lesson"):
        dates = {r["lesson_date"] for r in registrations if r["lesson_type"] == kind}
        assert len({d.weekday() for d in dates}) == 1 and len(dates) >= 5
    assert all("@" in r["email"] for r in registrations)
    assert all(r["lesson_date"] >= r["registered_at"].date() for r in registrations)

    clicks = [e for e in rows["events"] if e["event_type"] == "lesson_link_clicked"]
    registered = set(keys)
    for click in clicks:
        details = _details(click["details"])
        when = datetime.fromisoformat(details["lesson_date"]).date()
        assert (click["user_id"], details["lesson_type"], when) in registered
    views = [e for e in rows["events"] if e["event_type"] == "view_program"]
    assert {_details(v["details"])["course_id"] for v in views} == {1, 2}


async def test_users_table_matches_first_appearances(seeded: Any) -> None:
    summary, rows = seeded
    first_seen: dict[int, datetime] = {}
    for table, column in (
        ("bookings", "created_at"),
        ("events", "created_at"),
        ("free_lesson_registrations", "registered_at"),
    ):
        for row in rows[table]:
            at = row[column]
            assert at <= NOW, (table, row)
            if row["user_id"] not in first_seen or at < first_seen[row["user_id"]]:
                first_seen[row["user_id"]] = at
    users = {u["user_id"]: u for u in rows["users"]}
    assert users.keys() == first_seen.keys()
    assert len(users) == summary.users
    assert all(users[uid]["first_seen_at"] == at for uid, at in first_seen.items())
    assert all(uid >= 100_000_000 for uid in users)
    # Arrivals span the window and grow toward its end.
    days = sorted((NOW - at).days for at in first_seen.values())
    assert days[-1] >= SMALL.days - 2
    recent = sum(1 for d in days if d < SMALL.days / 2)
    assert recent > len(days) * 0.55


async def test_names_are_realistic_some_missing_some_cyrillic(seeded: Any) -> None:
    _, rows = seeded
    people = rows["bookings"] + rows["free_lesson_registrations"]
    usernames = [p["username"] for p in people]
    names = [p["first_name"] for p in people]
    assert None in usernames and None in names
    assert any(n and any("а" <= c.lower() <= "я" for c in n) for n in names)
    assert any(n and n.isascii() for n in names)


async def test_event_count_is_exact_even_below_one_event_per_person(pool: asyncpg.Pool) -> None:
    summary = await seed(pool, SeedOptions(users=500, events=300, days=10, seed=1))
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM events") == 300
        assert await connection.fetchval("SELECT max(created_at) FROM events") <= NOW
    assert summary.events == 300


async def test_analytics_rollups_match_the_seeded_rows(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        if not await connection.fetchval("SELECT to_regproc('hsl_rebuild_analytics') IS NOT NULL"):
            pytest.skip("analytics rollups are not installed")
    summary = await seed(pool)
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT sum(n) FROM analytics_events") == summary.events
        assert await connection.fetchval("SELECT sum(n) FROM analytics_new_users") == summary.users
        assert (
            await connection.fetchval("SELECT sum(n) FROM analytics_bookings") == summary.bookings
        )


async def test_refuses_a_database_with_school_data_unless_forced(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO events (user_id, event_type, created_at) "
            "VALUES (6999999999, 'start_command', $1)",
            NOW,
        )
    with pytest.raises(SchoolAlreadyHasData) as refusal:
        await seed(pool)
    assert "--force" in str(refusal.value) and "\n" not in str(refusal.value)
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM events") == 1

    summary = await seed(pool, force=True)
    again = await seed(pool, force=True)  # same seed: new people, no unique conflicts
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM events") == 1 + 2 * SMALL.events
        assert await connection.fetchval("SELECT count(*) FROM users") == (
            1 + summary.users + again.users
        )
        triggers = await connection.fetch(
            "SELECT tgrelid::regclass::text AS tab, tgname, tgenabled::text AS state "
            "FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "('bookings'::regclass, 'events'::regclass, "
            "'free_lesson_registrations'::regclass, 'users'::regclass)"
        )
    assert {"hsl_users_insert"} <= {t["tgname"] for t in triggers}
    assert all(t["state"] == "O" for t in triggers), triggers


async def test_progress_bar_redraws_one_line_on_stderr(
    pool: asyncpg.Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(pool, progress=True)
    err = capsys.readouterr().err
    assert "\r" in err
    assert f"seeding events  [{'#' * 30}] 100% 6,000/6,000" in err

    stream = io.StringIO()
    bar = ProgressBar(True, stream)
    bar.start("seeding events", 1_000_000)
    bar.advance(520_000)
    bar.finish()
    assert "seeding events  [###############...............]  52% 520,000/1,000,000" in (
        stream.getvalue()
    )
    silent = io.StringIO()
    ProgressBar(False, silent).start("seeding events", 10)
    assert silent.getvalue() == ""


async def test_cli_seeds_once_then_refuses_unless_forced(db_dsn: str, tmp_path: Path) -> None:
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="700001")
    command = [str(HSL_BOT), "seed", "--users", "200", "--events", "2000", "--days", "30"]

    async def run(*extra: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            *command,
            "--seed",
            "3",
            *extra,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    code, out, err = await run()
    assert code == 0, err
    assert out.startswith("seeded ") and "2,000 events" in out
    assert out.count("\n") == 1
    assert "\r" not in err  # not a terminal: no progress bar

    code, out, err = await run()
    assert code == 1
    assert out == ""
    assert err.strip().startswith("hsl-bot: ") and "--force" in err
    assert err.count("\n") == 1

    connection = await asyncpg.connect(db_dsn)
    try:
        before = await connection.fetchval("SELECT count(*) FROM events")
        code, out, err = await run("--force")  # README: adds a second school's worth
        assert code == 0, err
        assert out.startswith("seeded ") and "2,000 events" in out
        assert await connection.fetchval("SELECT count(*) FROM events") == before + 2000
    finally:
        await connection.close()


def _details(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)
