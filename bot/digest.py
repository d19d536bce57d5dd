"""The daily digest: build it, send it to each admin exactly once a day, schedule it.

Showing it to a person is not this module's business: it builds a :class:`Digest` (data) and
hands it to a :class:`DigestPresenter`, which the Telegram side implements and the app attaches.

The scheduler (APScheduler 3 ``AsyncIOScheduler``, run by the leader only) fires a cron job at
the top of every minute; :meth:`DigestService.tick` then works out which admins are due at that
moment — each admin may have a time of their own, and changes made on any instance are read
from the database, so nothing needs rescheduling. APScheduler's job stores must not be shared
between schedulers, so the once-a-day promise lives in PostgreSQL instead: a unique
``(admin, day)`` row is claimed before sending and settled after. A second scheduler, a restart
or a duplicate firing finds the row and sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.models import Growth
from bot.db.queries import QUERIES
from bot.db.records import Records
from bot.leadership import NoTerm, Term
from bot.redact import redact

if TYPE_CHECKING:
    from bot.config import Settings

logger = logging.getLogger(__name__)

LATE_LIMIT = timedelta(hours=6)  # later than this, a missed digest is skipped, not sent
ON_TIME = timedelta(minutes=2)  # within this, a digest is not called late
STOP_WAIT_S = 10.0  # how long a stopping leader waits for a digest being sent


@dataclass(frozen=True)
class DayFigures:
    """One local day of the school, as the digest compares days."""

    day: date
    new_users: int
    bookings: int
    statuses: tuple[int, int, int, int]  # created, pending review, paid, cancelled
    payments: int
    registrations: int
    attendance: int
    events: int
    blocked: int
    broadcasts: int
    recipients: int
    delivered: int


@dataclass(frozen=True)
class Digest:
    """What one admin receives: the report on ``day`` and the 30 days of growth before it."""

    day: date
    yesterday: DayFigures
    day_before: DayFigures
    week_before: DayFigures
    total_users: int
    growth: Growth
    late_by: timedelta | None = None
    skipped_days: tuple[date, ...] = ()
    # days whose digest may not have arrived: a process died while sending it (never re-sent)
    unknown_days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Preference:
    enabled: bool
    send_at: time | None  # None: DIGEST_TIME


class DigestPresenter(Protocol):
    """Shows a digest to one admin (implemented by the Telegram layer)."""

    async def deliver(self, admin_id: int, digest: Digest) -> None: ...


class DigestService:
    """Build and deliver digests; called by the scheduler, by /digest and by tests."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        school: SchoolAnalytics,
        settings: Settings,
        records: Records,
    ) -> None:
        self.pool = pool
        self.school = school
        self.settings = settings
        self.records = records
        self.tz = settings.tz
        self.presenter: DigestPresenter | None = None
        self.term: Term = NoTerm()  # claims carry its epoch: only the leader's are taken
        # The moment the last completed tick of this process read the schedule. A digest due
        # before it, and still unclaimed, was not due when that tick looked: its time was set
        # (or the digest turned on) after it had passed. The bot was running, so nothing is late.
        self.watched_at: datetime | None = None

    def attach(self, presenter: DigestPresenter) -> None:
        """Give the service its way to show a digest (the app does this at build time)."""
        self.presenter = presenter

    # preferences --------------------------------------------------------------------------

    async def preferences(self) -> dict[int, Preference]:
        rows = await self.pool.fetch(
            *QUERIES.digest_preferences(admin_ids=list(self.settings.admin_ids))
        )
        found = {row["admin_id"]: Preference(row["enabled"], row["send_at"]) for row in rows}
        return {
            admin: found.get(admin, Preference(True, None)) for admin in self.settings.admin_ids
        }

    async def set_enabled(self, admin_id: int, enabled: bool) -> None:
        await self.pool.execute(*QUERIES.set_digest_enabled(admin_id=admin_id, enabled=enabled))
        await self.records.audit(admin_id, "digest_" + ("on" if enabled else "off"))

    async def set_time(self, admin_id: int, send_at: time) -> None:
        await self.pool.execute(*QUERIES.set_digest_time(admin_id=admin_id, send_at=send_at))
        await self.records.audit(admin_id, "digest_time", time=send_at.strftime("%H:%M"))

    def time_for(self, preference: Preference) -> time | None:
        """When this admin's digest is due; None when they or DIGEST_TIME turned it off."""
        if not preference.enabled:
            return None
        return preference.send_at or self.settings.digest_at

    # the scheduled job ---------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> list[tuple[int, date, str]]:
        """Send every digest due at ``now``; return (admin, day, outcome) for each decided.

        A digest is due at its time only if the schedule said so then: one whose time passed
        while this process was ticking (the admin picked a time already past today, or turned
        the digest on after it) is not sent late — the first one due is the next occurrence.
        Late means no tick ran at the time: the bot (its leader) was not running.
        """
        now = (now or datetime.now(self.tz)).astimezone(self.tz)
        watched_at = self.watched_at
        outcomes = []
        for admin_id, preference in (await self.preferences()).items():
            send_at = self.time_for(preference)
            if send_at is None:
                continue
            # Yesterday's digest may still be within its late window just after midnight;
            # today's is sent, or recorded as skipped when the bot came back too late.
            for day in (now.date() - timedelta(days=1), now.date()):
                due_at = datetime.combine(day, send_at, tzinfo=self.tz)
                if due_at > now or (day < now.date() and now - due_at > LATE_LIMIT):
                    continue
                if watched_at is not None and due_at <= watched_at < now:
                    continue  # not due when the last tick looked: the time was set after it
                outcome = await self._deliver_once(admin_id, day, due_at, now)
                if outcome is not None:
                    outcomes.append((admin_id, day, outcome))
        if self.watched_at is None or now > self.watched_at:
            self.watched_at = now
        return outcomes

    async def _deliver_once(
        self, admin_id: int, day: date, due_at: datetime, now: datetime
    ) -> str | None:
        late_by = now - due_at
        status = "skipped" if late_by > LATE_LIMIT else "sending"
        claimed = await self.pool.fetchval(
            *QUERIES.claim_digest(
                admin_id=admin_id, day=day, status=status, due_at=due_at, epoch=self.term.epoch
            )
        )
        if claimed is None:
            return None  # someone already sent, is sending, or skipped it
        if status == "skipped":
            logger.warning("digest for admin %s on %s skipped: %s late", admin_id, day, late_by)
            return "skipped"
        try:
            skipped = await self.pool.fetch(
                *QUERIES.skipped_digests_since_last_sent(admin_id=admin_id, day=day)
            )
            digest = await self.build(
                day,
                late_by=late_by if late_by > ON_TIME else None,
                skipped_days=tuple(r["day"] for r in skipped if r["status"] == "skipped"),
                unknown_days=tuple(r["day"] for r in skipped if r["status"] == "sending"),
            )
            await self.send(admin_id, digest)
        except Exception as exc:
            # One admin's failure (blocked the bot, network) must not stop the others.
            logger.warning("digest for admin %s on %s failed: %s", admin_id, day, exc)
            await self.pool.execute(
                *QUERIES.settle_digest(
                    admin_id=admin_id, day=day, status="failed", error=redact(str(exc))[:500]
                )
            )
            await self.records.audit(
                admin_id, "digest_failed", day=day.isoformat(), error=str(exc)
            )
            return "failed"
        await self.pool.execute(
            *QUERIES.settle_digest(admin_id=admin_id, day=day, status="sent", error=None)
        )
        return "sent"

    # content -------------------------------------------------------------------------------

    async def build(
        self,
        day: date,
        *,
        late_by: timedelta | None = None,
        skipped_days: tuple[date, ...] = (),
        unknown_days: tuple[date, ...] = (),
    ) -> Digest:
        """The digest due on ``day``: it reports on the day before."""
        yesterday = day - timedelta(days=1)
        wanted = [yesterday, yesterday - timedelta(days=1), yesterday - timedelta(days=7)]
        daily = await self.school.daily_between(wanted[-1], yesterday)
        extra = await self.pool.fetch(*QUERIES.digest_day_figures(days=wanted, tz=self.tz.key))
        by_day = {row.day: row for row in daily.rows}
        figures = {row["day"]: _figures(by_day.get(row["day"]), row) for row in extra}
        growth = await self.school.growth_between(yesterday - timedelta(days=29), yesterday)
        return Digest(
            day=yesterday,
            yesterday=figures[wanted[0]],
            day_before=figures[wanted[1]],
            week_before=figures[wanted[2]],
            # as of the end of the reported day, where the chart ends (not now)
            total_users=growth.total,
            growth=growth,
            late_by=late_by,
            skipped_days=skipped_days,
            unknown_days=unknown_days,
        )

    async def send(self, admin_id: int, digest: Digest) -> None:
        if self.presenter is None:
            raise RuntimeError("no digest presenter attached")
        await self.presenter.deliver(admin_id, digest)

    async def send_now(self, admin_id: int) -> None:
        """/digest: today's digest at once, outside the schedule (does not count as sent)."""
        await self.send(admin_id, await self.build(datetime.now(self.tz).date()))
        await self.records.audit(admin_id, "digest_now")


def _figures(daily_row: Any, extra: asyncpg.Record) -> DayFigures:
    return DayFigures(
        day=extra["day"],
        new_users=daily_row.new_users if daily_row else 0,
        bookings=daily_row.bookings if daily_row else 0,
        statuses=(extra["created"], extra["pending"], extra["paid"], extra["cancelled"]),
        payments=extra["payments"],
        registrations=daily_row.registrations if daily_row else 0,
        attendance=extra["attendance"],
        events=daily_row.events if daily_row else 0,
        blocked=extra["blocked"],
        broadcasts=extra["broadcasts"],
        recipients=extra["recipients"],
        delivered=extra["delivered"],
    )


class DigestScheduler:
    """APScheduler's cron trigger at the top of every minute, in TIMEZONE (leader only)."""

    def __init__(self, service: DigestService) -> None:
        self.service = service
        self._scheduler: Any = None
        self._running: set[asyncio.Task[Any]] = set()  # ticks under way (stop waits for them)
        self.ticks = 0  # ticks finished in this process (/healthz shows it: the schedule runs)

    async def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        self._scheduler = AsyncIOScheduler(timezone=self.service.tz)
        self._scheduler.add_job(
            self._run,
            CronTrigger(second=0, timezone=self.service.tz),
            id="digest-tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=50,
        )
        self._scheduler.start()
        # Catch up at once: a leader that starts late sends what is due (late, with a note).
        asyncio.create_task(self._run())  # noqa: RUF006 (kept in self._running while it runs)

    async def stop(self) -> None:
        """Stop firing; a digest being sent now is finished first (SIGTERM at the digest
        minute must not lose the day), for at most STOP_WAIT_S."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=STOP_WAIT_S)
            if late:
                logger.warning("a digest was still being sent at shutdown: its outcome is unknown")

    async def _run(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self.service.tick()
        except Exception:
            logger.exception("digest tick failed")
        finally:
            self.ticks += 1
            if task is not None:
                self._running.discard(task)
