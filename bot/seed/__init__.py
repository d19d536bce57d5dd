"""`hsl-bot seed`: fill a database with a realistic, reproducible synthetic school.

The rows are generated in batches (bot/seed/plan.py, from the model in bot/seed/school.py) and
bulk-loaded with COPY inside one transaction. The triggers that keep derived data current (the
users table; the analytics rollups when installed) are switched off for the load, and that data
is rebuilt in one pass each afterwards.

Bookings and free-lesson registrations go through ``copy_records_to_table``. Events go through
``copy_to_table`` as COPY text instead: their ``details`` column is jsonb, and the project's
pool registers a text-only jsonb codec (bot/db/pool.py) that binary COPY cannot use, while a
bare connection expects JSON strings. Text COPY works the same on both, and is faster.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from bot.db.queries import QUERIES
from bot.seed.plan import FIRST_USER_ID, Batch, Plan, batches, make_plan
from bot.seed.progress import ProgressBar
from bot.seed.school import EVENT_TYPES, Window

__all__ = [
    "EVENT_TYPES",
    "SchoolAlreadyHasData",
    "SeedOptions",
    "SeedSummary",
    "seed_school",
]

BOOKING_COLUMNS = [
    "user_id",
    "username",
    "first_name",
    "course_id",
    "course_stream",
    "confirmed",
    "created_at",
    "referral_code",
    "discount_percent",
]
REGISTRATION_COLUMNS = [
    "user_id",
    "username",
    "first_name",
    "email",
    "registered_at",
    "notification_sent",
    "lesson_type",
    "lesson_date",
]
EVENT_COLUMNS = ["user_id", "event_type", "details", "created_at"]


@dataclass(frozen=True)
class SeedOptions:
    """How big a school to make, over how many days, from which random seed."""

    users: int
    events: int
    days: int
    seed: int


@dataclass(frozen=True)
class SeedSummary:
    """What was written, and how long it took."""

    users: int
    bookings: int
    events: int
    registrations: int
    seconds: float

    def describe(self) -> str:
        """One line for the operator."""
        rate = self.events / self.seconds if self.seconds > 0 else 0.0
        return (
            f"seeded {self.users:,} users, {self.bookings:,} bookings, "
            f"{self.registrations:,} free-lesson registrations and {self.events:,} events "
            f"in {self.seconds:.1f} s ({rate:,.0f} events/s)"
        )


class SchoolAlreadyHasData(Exception):
    """The database already holds school data and seeding was not forced."""

    def __init__(self) -> None:
        super().__init__(
            "the database already holds school data (bookings, events or free-lesson "
            "registrations); use --force to add synthetic data anyway"
        )


async def seed_school(
    connection: asyncpg.Connection,
    options: SeedOptions,
    *,
    force: bool = False,
    progress: bool = False,
    now: datetime | None = None,
) -> SeedSummary:
    """Generate a synthetic school ending at ``now`` and bulk-load it in one transaction."""
    for name in ("users", "events", "days"):
        if getattr(options, name) < 1:
            raise ValueError(f"seed: {name} must be at least 1")
    moment = now if now is not None else datetime.now(UTC).replace(second=0, microsecond=0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    started = time.perf_counter()
    bar = ProgressBar(progress)
    try:
        async with connection.transaction():
            first_user_id = FIRST_USER_ID
            if await connection.fetchval(*QUERIES.seed_school_has_data()):
                if not force:
                    raise SchoolAlreadyHasData()
                existing = await connection.fetchval(*QUERIES.seed_max_user_id())
                first_user_id = max(FIRST_USER_ID, (existing or 0) + 1)

            bar.start("planning users", options.users)
            plan = make_plan(
                users=options.users,
                events=options.events,
                window=Window.ending(moment, options.days),
                seed=options.seed,
                first_user_id=first_user_id,
                tick=bar.advance,
            )
            bar.start("seeding events", options.events)
            users, bookings, events, registrations = await _bulk_load(connection, plan, bar)
    finally:
        bar.finish()
    return SeedSummary(
        users=users,
        bookings=bookings,
        events=events,
        registrations=registrations,
        seconds=time.perf_counter() - started,
    )


async def _bulk_load(
    connection: asyncpg.Connection, plan: Plan, bar: ProgressBar
) -> tuple[int, int, int, int]:
    """COPY the plan in batches with our triggers off, then rebuild what they maintain.

    Returns the users, bookings, events and registrations loaded.
    """
    rollups = await connection.fetchval(*QUERIES.seed_has_analytics_rollups())
    await connection.execute(*QUERIES.seed_disable_user_triggers())
    if rollups:
        await connection.execute(*QUERIES.seed_disable_analytics_triggers())
    users = bookings = events = registrations = 0
    for batch in batches(plan):
        await _copy(connection, batch)
        users += batch.users
        bookings += len(batch.bookings)
        events += len(batch.events)
        registrations += len(batch.registrations)
        bar.advance(len(batch.events))
    await connection.execute(*QUERIES.seed_enable_user_triggers())
    bar.status("rebuilding users and statistics…")
    await connection.execute(*QUERIES.seed_rebuild_users())
    if rollups:
        await connection.execute(*QUERIES.seed_rebuild_analytics())
        await connection.execute(*QUERIES.seed_enable_analytics_triggers())
    await connection.execute(*QUERIES.seed_analyze())
    return users, bookings, events, registrations


async def _copy(connection: asyncpg.Connection, batch: Batch) -> None:
    if batch.bookings:
        await connection.copy_records_to_table(
            "bookings", records=batch.bookings, columns=BOOKING_COLUMNS
        )
    if batch.registrations:
        await connection.copy_records_to_table(
            "free_lesson_registrations", records=batch.registrations, columns=REGISTRATION_COLUMNS
        )
    if batch.events:
        await connection.copy_to_table(
            "events", source=_chunks(batch.events), columns=EVENT_COLUMNS, format="text"
        )


async def _chunks(lines: list[str]) -> AsyncIterator[bytes]:
    """COPY text in pieces of a few MB, built only as they are sent."""
    step = 20_000
    for start in range(0, len(lines), step):
        yield "".join(lines[start : start + step]).encode()
