"""Questions about the school, answered as frozen dataclasses (no aiogram here).

Days are local days in TIMEZONE. Counts per day come from the rollup tables of migration
0010, per-person activity (funnel, leads, programme viewers) from those of 0012, and the
funnel, lesson, stream and booking-status sums from those of 0080. The school's tables queue
their changes (migration 0090) and every answer applies the queue before it reads
(:mod:`bot.analytics.queue`), so answers are exact; :meth:`SchoolAnalytics.prepare` points the
rollups at TIMEZONE once per process and rebuilds them if a load bypassed the triggers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import export, overview, people, school
from bot.analytics.models import (
    Bots,
    Daily,
    ExportFile,
    Funnel,
    Growth,
    Leads,
    Lessons,
    Matches,
    Retention,
    Stats,
    Stream,
    StudentsPage,
    Table,
    TopEvents,
    UserCard,
    UserSummary,
    Window,
)
from bot.analytics.queue import QueueApplier, apply_queue
from bot.analytics.rebuild import rebuild_needed, rebuild_rollups
from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

MAX_DAYS = 365  # wider windows are capped (with a note), except /growth all
RETENTION_WEEKS = 12
LEAD_DAYS = 7
# /leads reads a snapshot of the scores (migration 0075) no older than this; a read that finds
# it older recomputes it first.
LEADS_MAX_AGE = timedelta(seconds=60)
LESSON_DAYS_BACK = 30
LESSON_ROWS = 20
TOP_LEADS = 10
STUDENTS_PER_PAGE = 10
USER_MATCHES = 10
# /schema counts tables this small exactly (well under a millisecond each); bigger ones show the
# planner's estimate, so the report costs the same however big the school grows.
EXACT_COUNT_BELOW_BYTES = 1024 * 1024
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def _from_data(conn: asyncpg.Connection, window: Window) -> Window:
    """``window`` starting at the school's first day with data when that is later: a chart
    then starts where the data does, not after months of zeros (``Window.data_since`` lets
    the caption say so)."""
    if window.first_day is None:
        return window
    first = await conn.fetchval(*QUERIES.first_data_day())
    if first is None or first <= window.first_day:
        return window
    return replace(window, first_day=min(first, window.today))


class SchoolAnalytics:
    """The analytics service: every number the console shows comes from here."""

    def __init__(self, pool: asyncpg.Pool, tz: ZoneInfo, bots: Bots | None = None) -> None:
        self.pool = pool
        self.tz = tz
        # Reachability is about these bots; without them (tests of figures alone) only rows
        # recorded before reachability was per bot count.
        self.bots = bots or Bots(console_id=0, sender_id=0)
        self._prepared = False
        self._lock = asyncio.Lock()
        # The leader's: keeps the queue short between answers (Services.start runs it).
        self.applier = QueueApplier(pool)

    # plumbing ------------------------------------------------------------------------------

    @property
    def tz_name(self) -> str:
        return self.tz.key

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()

    def midnight(self, day: date) -> datetime:
        """The moment a local day starts."""
        return datetime.combine(day, time(), tzinfo=self.tz)

    def window(self, days: int | None, *, cap: int = MAX_DAYS) -> Window:
        """The last ``days`` local days including today (None: all history)."""
        today = self.today()
        if days is None:
            return Window(None, today, None)
        capped_from = days if days > cap else None
        days = min(max(days, 1), cap)
        return Window(today - timedelta(days=days - 1), today, days, capped_from)

    async def prepare(self) -> None:
        """Key the rollups by TIMEZONE and make sure they add up (once per process)."""
        if self._prepared:
            return
        async with self._lock:
            if self._prepared:
                return
            async with self.pool.acquire() as conn:
                if await conn.fetchval(*QUERIES.analytics_use_tz(tz=self.tz_name)):
                    logger.info("analytics rollups: rebuilding for timezone %s", self.tz_name)
                elif await rebuild_needed(conn):
                    logger.warning("analytics rollups: finishing an interrupted rebuild")
                elif not await conn.fetchval(*QUERIES.analytics_in_sync()):
                    logger.warning("analytics rollups were out of date; rebuilding")
                    await conn.execute(*QUERIES.rebuild_mark())
                else:
                    self._prepared = True
                    return
            # In slices, so the course bot's inserts never wait for the whole rebuild.
            await rebuild_rollups(self.pool)
            self._prepared = True

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection to read the rollups on, with everything queued so far applied."""
        await self.prepare()
        async with self.pool.acquire() as conn:
            await apply_queue(conn)
            yield conn

    # overview ------------------------------------------------------------------------------

    async def stats(self) -> Stats:
        async with self._connection() as conn:
            return await overview.stats(conn, self.today(), self.tz_name, self.bots)

    async def growth(self, days: int | None) -> Growth:
        """New users per day over the last ``days`` days (None: since the first user; also
        when the school's data is younger than that)."""
        async with self._connection() as conn:
            window = await _from_data(conn, self.window(days, cap=10 * MAX_DAYS))
            return await overview.growth(conn, window)

    async def daily(self, days: int) -> Daily:
        """Per-day activity over the last ``days`` days, from the first day with data when
        that is later (months of zeros before the school began say nothing)."""
        async with self._connection() as conn:
            return await overview.daily(conn, await _from_data(conn, self.window(days)))

    async def daily_between(self, first_day: date, last_day: date) -> Daily:
        """Per-day activity for a fixed run of local days (the digest's comparisons)."""
        window = Window(first_day, last_day, (last_day - first_day).days + 1)
        async with self._connection() as conn:
            return await overview.daily(conn, window)

    async def growth_between(self, first_day: date, last_day: date) -> Growth:
        """New users per day for a fixed run of local days (the digest's chart)."""
        window = Window(first_day, last_day, (last_day - first_day).days + 1)
        async with self._connection() as conn:
            return await overview.growth(conn, window)

    async def top_events(self, top: int, days: int) -> TopEvents:
        async with self._connection() as conn:
            return await overview.top_events(conn, self.window(days), top)

    # school --------------------------------------------------------------------------------

    async def streams(self) -> tuple[Stream, ...]:
        async with self._connection() as conn:
            return await school.streams(conn)

    async def students(
        self, stream_key: str, page: int, *, viewers: bool = False
    ) -> StudentsPage | None:
        """A page of one stream's bookers (or, ``viewers``, of those who only viewed the
        programme), or None when the stream is gone."""
        async with self._connection() as conn:
            found = [s for s in await school.streams(conn) if s.key == stream_key]
            if not found:
                return None
            return await school.students(
                conn, found[0], max(page, 0), STUDENTS_PER_PAGE, viewers=viewers
            )

    async def lessons(self) -> Lessons:
        """Free lessons dated from a month ago on (upcoming ones included)."""
        first_day = self.today() - timedelta(days=LESSON_DAYS_BACK)
        async with self._connection() as conn:
            rows = await school.lessons(conn, first_day, LESSON_ROWS)
        return Lessons(first_day, rows)

    async def funnel(self, days: int) -> Funnel:
        async with self._connection() as conn:
            return await school.funnel(conn, self.window(days))

    async def retention(self, weeks: int = RETENTION_WEEKS) -> Retention:
        today = self.today()
        this_week = today - timedelta(days=today.weekday())
        async with self._connection() as conn:
            return await school.retention(conn, this_week, weeks)

    async def leads(self) -> Leads:
        first_day = self.today() - timedelta(days=LEAD_DAYS - 1)
        async with self._connection() as conn:
            return await school.leads(conn, first_day, TOP_LEADS, LEADS_MAX_AGE)

    # people and the database ---------------------------------------------------------------

    async def find_users(self, query: str) -> tuple[UserSummary, ...]:
        async with self._connection() as conn:
            return await people.find_users(conn, query, USER_MATCHES)

    async def search_users(self, query: str) -> Matches:
        """The first USER_MATCHES people matching ``query``, saying whether more do."""
        async with self._connection() as conn:
            users = await people.find_users(conn, query, USER_MATCHES + 1)
        return Matches(users[:USER_MATCHES], more=len(users) > USER_MATCHES)

    async def user_card(self, user_id: int) -> UserCard | None:
        async with self._connection() as conn:
            return await people.user_card(conn, user_id, self.bots)

    async def schema(self) -> tuple[Table, ...]:
        async with self._connection() as conn:
            return await people.schema(conn, EXACT_COUNT_BELOW_BYTES)

    async def export(
        self, kind: str, days: int | None, max_bytes: int | None = None
    ) -> ExportFile:
        """Write a CSV of one table (rows of the last ``days`` days; None: all), stopping
        past ``max_bytes``."""
        window = self.window(days, cap=10 * MAX_DAYS)
        since = EPOCH if window.first_day is None else self.midnight(window.first_day)
        stamp = self.now().strftime("%Y%m%d-%H%M")
        async with self._connection() as conn:
            return await export.export_csv(
                conn, kind, since, self.tz_name, stamp, max_bytes, bots=self.bots
            )
