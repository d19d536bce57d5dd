"""Opt-in retention (RETENTION_DAYS): old recipient rows and audit rows are deleted nightly.

Only the per-recipient record of a broadcast goes, and only once the broadcast is over: its
row in message_history keeps total_recipients and successful_deliveries, so /history, /stats
and the digest still show what it reached. Deletes run in batches, each its own statement, so
a first purge of years of rows never holds long locks. The job runs on the leader only, at
RETENTION_AT local time and once when an instance becomes leader (so a bot restarted every
night before that hour still purges); deleting what is already gone is harmless, so a purge
that runs twice does no damage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

RETENTION_AT = time(3, 30)  # local time of the nightly purge: the school's quietest hour
PURGE_BATCH = 5000  # rows per DELETE statement


@dataclass(frozen=True)
class Purged:
    """What one purge deleted: rows created before ``cutoff``."""

    cutoff: datetime
    recipients: int
    audit: int


class RetentionService:
    """Delete recipient and audit rows older than ``days`` (None: keep everything)."""

    def __init__(self, pool: asyncpg.Pool, days: int | None, tz: ZoneInfo) -> None:
        self.pool = pool
        self.days = days
        self.tz = tz

    @property
    def enabled(self) -> bool:
        return self.days is not None

    async def purge(self, now: datetime | None = None) -> Purged | None:
        """Delete what is older than RETENTION_DAYS at ``now``; None when retention is off."""
        if self.days is None:
            return None
        now = now or datetime.now(self.tz)
        cutoff = now - timedelta(days=self.days)
        recipients = 0
        for row in await self.pool.fetch(*QUERIES.privacy_purgeable_broadcasts(cutoff=cutoff)):
            recipients += await self._in_batches(
                QUERIES.privacy_purge_recipients(
                    message_id=row["id"], cutoff=cutoff, batch=PURGE_BATCH
                )
            )
        audit = await self._in_batches(
            QUERIES.privacy_purge_audit(cutoff=cutoff, batch=PURGE_BATCH)
        )
        purged = Purged(cutoff=cutoff, recipients=recipients, audit=audit)
        logger.info(
            "retention: deleted %s recipient rows and %s audit rows older than %s",
            purged.recipients,
            purged.audit,
            cutoff.isoformat(timespec="seconds"),
        )
        return purged

    async def _in_batches(self, statement: tuple[Any, ...]) -> int:
        """Repeat a DELETE of at most PURGE_BATCH rows until one deletes fewer."""
        total = 0
        while True:
            deleted = int(await self.pool.fetchval(*statement))
            total += deleted
            if deleted < PURGE_BATCH:
                return total


class RetentionScheduler:
    """APScheduler's cron trigger at RETENTION_AT in TIMEZONE (leader only; off when unset)."""

    def __init__(self, service: RetentionService) -> None:
        self.service = service
        self._scheduler: Any = None
        self._runs: set[asyncio.Task[Any]] = set()
        self.purges = 0  # purges finished in this process (tests wait on it)

    async def start(self) -> None:
        if not self.service.enabled:
            return
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        tz = self.service.tz
        self._scheduler = AsyncIOScheduler(timezone=tz)
        self._scheduler.add_job(
            self._run,
            CronTrigger(hour=RETENTION_AT.hour, minute=RETENTION_AT.minute, timezone=tz),
            id="retention-purge",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
        self._scheduler.start()
        self._runs.add(asyncio.create_task(self._run()))

    async def stop(self) -> None:
        """Stop the schedule and a purge under way (what it deleted stays deleted)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        runs, self._runs = self._runs, set()
        for task in runs:
            task.cancel()
        for task in runs:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._runs.add(task)
        try:
            await self.service.purge()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("retention purge failed")
        finally:
            self.purges += 1
            if task is not None:
                self._runs.discard(task)
