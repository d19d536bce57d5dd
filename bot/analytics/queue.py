"""Move what the course bot changed into the analytics rollups (migration 0090).

The triggers on the school's tables only append to ``analytics_queue``; the rollups catch up
when the queue is applied: before every answer that reads them (:func:`apply_queue`, called by
:class:`~bot.analytics.SchoolAnalytics`), and every :data:`APPLY_EVERY_S` in the leader
(:class:`QueueApplier`), so an answer rarely finds more than a second's worth to apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

APPLY_EVERY_S = 1.0
# An applier's transaction updates many rollups; one that meets a concurrent writer in the
# wrong order is chosen as a deadlock victim and rolled back whole (the rows stay queued).
ATTEMPTS = 3


async def apply_queue(conn: asyncpg.Connection, *, wait: bool = True) -> int:
    """Apply the queue; the number of queue rows applied (0: nothing was queued).

    ``wait``: wait for another applier at work, so everything committed before the call is in
    the rollups afterwards (answers); False leaves the queue to it (the periodic applier).
    """
    attempt = 1
    while True:
        try:
            return int(await conn.fetchval(*QUERIES.analytics_queue_apply(wait=wait)))
        except asyncpg.DeadlockDetectedError:
            if attempt == ATTEMPTS:
                raise
            attempt += 1
            logger.info("analytics queue: deadlock victim, applying again")


class QueueApplier:
    """The leader's periodic applier."""

    def __init__(self, pool: asyncpg.Pool, every_s: float = APPLY_EVERY_S) -> None:
        self.pool = pool
        self.every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="analytics-queue")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                async with self.pool.acquire() as conn:
                    await apply_queue(conn, wait=False)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("analytics queue: applying failed; trying again")
            await asyncio.sleep(self.every_s)
