"""Rebuild the analytics rollups in short slices, never blocking the course bot's inserts.

Each slice recomputes one rollup table over a run of local days, user ids or cohort weeks in
its own transaction (migration 0055 explains why that is exact while the course bot keeps
writing, and 0090 why it stays exact with changes queued and an applier at work). The run
length adapts so a slice takes about :data:`SLICE_GOAL_S`: an applier that reaches the rollup
mid-slice waits at most about that long (the course bot's inserts only queue their rows, and
wait for no slice at all).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import asyncpg

from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

# Order matters: analytics_cohorts is computed from analytics_user_weeks and
# analytics_user_cohorts, so it comes last.
DAY_ROLLUPS = (
    "analytics_new_users",
    "analytics_events",
    "analytics_user_days",
    "analytics_bookings",
    "analytics_booking_statuses",
    "analytics_registrations",
)
# analytics_leads (the /leads snapshot) is scored from analytics_user_days, a day rollup.
# analytics_user_cohorts (migration 0090) says which cohort each user's weeks count in.
PEOPLE_ROLLUPS = (
    "analytics_user_weeks",
    "analytics_user_cohorts",
    "analytics_user_steps",
    "analytics_program_viewers",
    "analytics_leads",
    "analytics_lesson_regs",
    "analytics_stream_bookers",
)
# Day-keyed sums of other rollups (migration 0080), so they come after the tables they sum.
SUMMED_DAY_ROLLUPS = (
    "analytics_stream_totals",
    "analytics_funnel_days",
    "analytics_lessons",
    "analytics_viewer_days",
    "analytics_booked_viewer_days",
)
# analytics_stream_totals sums all days (a few thousand rows of analytics_bookings); a day of
# analytics_funnel_days is the earliest of several step moments, which no index orders: any
# run of days reads every user's steps. Each is rebuilt in one slice (the funnel's takes about
# a third of a second at 100k users) instead of paying that read per run of days.
ONE_SLICE_ROLLUPS = frozenset({"analytics_stream_totals", "analytics_funnel_days"})
ALL_DAYS = 100_000
COHORT_ROLLUP = "analytics_cohorts"

SLICE_GOAL_S = 0.010
SMALLEST_USER_ID = -(2**63)
LARGEST_USER_ID = 2**63 - 1


@dataclass
class SliceLength:
    """A slice's length in keys, halved or doubled to keep slices near the goal."""

    value: int
    unit: int = 1
    largest: int = 1 << 20
    adapts: bool = True

    def adapt(self, seconds: float) -> None:
        if not self.adapts:
            return
        if seconds > SLICE_GOAL_S and self.value > self.unit:
            self.value = max(self.unit, self.value // 2 // self.unit * self.unit)
        elif seconds < SLICE_GOAL_S / 3:
            self.value = min(self.largest, self.value * 2)


@dataclass
class RebuildReport:
    """What a rebuild did: how many slices, the longest one and the whole run (seconds)."""

    slices: int = 0
    longest_slice_s: float = 0.0
    seconds: float = 0.0
    tables: list[str] = field(default_factory=list)

    def count(self, seconds: float) -> None:
        self.slices += 1
        self.longest_slice_s = max(self.longest_slice_s, seconds)


async def rebuild_needed(conn: asyncpg.Connection) -> bool:
    """Whether a rebuild was asked for (a zone change, rollups out of step) and not finished."""
    return bool(await conn.fetchval(*QUERIES.rebuild_needed()))


@dataclass(frozen=True)
class SliceStart:
    """Where slice lengths start (days, events per slice of users) and whether they adapt."""

    days: int = 7
    events: int = 2_000
    adapt: bool = True


async def rebuild_rollups(
    pool: asyncpg.Pool, start: SliceStart = SliceStart()
) -> RebuildReport | None:
    """Rebuild every rollup slice by slice; None when another process is already at it."""
    async with pool.acquire() as conn:
        if not await conn.fetchval(*QUERIES.rebuild_guard()):
            return None
        try:
            return await _rebuild(conn, start)
        finally:
            await conn.execute(*QUERIES.rebuild_unguard())


async def _rebuild(conn: asyncpg.Connection, start: SliceStart) -> RebuildReport:
    started = time.perf_counter()
    report = RebuildReport()
    # Marked first: a process that dies halfway leaves the request for the next one.
    await conn.execute(*QUERIES.rebuild_mark())
    for table in DAY_ROLLUPS:
        await _rebuild_days(conn, table, SliceLength(start.days, adapts=start.adapt), report)
    for table in PEOPLE_ROLLUPS:
        await _rebuild_people(conn, table, SliceLength(start.events, adapts=start.adapt), report)
    for table in SUMMED_DAY_ROLLUPS:
        if table in ONE_SLICE_ROLLUPS:
            length = SliceLength(ALL_DAYS, largest=ALL_DAYS, adapts=False)
        else:
            length = SliceLength(start.days, adapts=start.adapt)
        await _rebuild_days(conn, table, length, report)
    weeks = SliceLength(7 * max(1, start.days // 7), unit=7, adapts=start.adapt)
    await _rebuild_days(conn, COHORT_ROLLUP, weeks, report)
    await conn.execute(*QUERIES.rebuild_done())
    report.seconds = time.perf_counter() - started
    logger.info(
        "analytics rollups rebuilt in %.1f s: %d slices, the longest %.0f ms",
        report.seconds,
        report.slices,
        report.longest_slice_s * 1000,
    )
    return report


async def _rebuild_days(
    conn: asyncpg.Connection, table: str, length: SliceLength, report: RebuildReport
) -> None:
    bounds = await conn.fetchrow(*QUERIES.rebuild_day_bounds(target=table))
    first: date | None = bounds["first_day"]
    last: date | None = bounds["last_day"]
    report.tables.append(table)
    while first is not None and last is not None and first <= last:
        until = min(last, first + timedelta(days=length.value - 1))
        seconds = await _timed(
            conn, QUERIES.rebuild_days(target=table, first_day=first, last_day=until)
        )
        report.count(seconds)
        length.adapt(seconds)
        first = until + timedelta(days=1)


async def _rebuild_people(
    conn: asyncpg.Connection, table: str, length: SliceLength, report: RebuildReport
) -> None:
    """Slices of about ``length`` events each, from the smallest user id to the largest."""
    first = SMALLEST_USER_ID
    report.tables.append(table)
    while True:
        bound = await conn.fetchval(*QUERIES.rebuild_next_user(first=first, rows=length.value))
        last = LARGEST_USER_ID if bound is None else bound
        seconds = await _timed(
            conn, QUERIES.rebuild_people(target=table, first_user=first, last_user=last)
        )
        report.count(seconds)
        length.adapt(seconds)
        if last >= LARGEST_USER_ID:
            return
        first = last + 1


async def _timed(conn: asyncpg.Connection, query: tuple[object, ...]) -> float:
    started = time.perf_counter()
    await conn.execute(*query)
    return time.perf_counter() - started
