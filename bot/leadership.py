"""One leader per database: the instance that delivers broadcasts and runs the scheduler.

Leadership is a PostgreSQL session-level advisory lock held on a dedicated connection. If the
leader dies, PostgreSQL drops its session and the lock with it; a standby retrying every
``retry_s`` seconds takes over. A leader that loses its connection steps down at once, before
anyone else can be elected, so two leaders never deliver at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

# "hsl-bot leader" as a 63-bit number; advisory locks are scoped to the current database.
LEADER_LOCK_KEY = 0x6873_6C62_6F74_02


class Leadership:
    """Campaign for the leader lock in the background; run callbacks on changes."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        on_elected: Callable[[], Awaitable[None]],
        on_deposed: Callable[[], Awaitable[None]],
        *,
        retry_s: float = 2.0,
    ) -> None:
        self.pool = pool
        self.on_elected = on_elected
        self.on_deposed = on_deposed
        self.retry_s = retry_s
        self.is_leader = False
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.pool.PoolConnectionProxy | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._campaign(), name="leadership")

    async def stop(self) -> None:
        """Step down (settling leader work first) and release the lock."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._step_down()

    async def _campaign(self) -> None:
        while True:
            try:
                if self._connection is None:
                    self._connection = await self.pool.acquire()
                if not self.is_leader:
                    won = await self._connection.fetchval(
                        *QUERIES.try_leader_lock(key=LEADER_LOCK_KEY)
                    )
                    if won:
                        self.is_leader = True
                        logger.info("elected leader: delivering broadcasts, running schedules")
                        await self.on_elected()
                else:
                    # Heartbeat: a broken session means the lock is gone already.
                    await self._connection.fetchval(*QUERIES.leader_heartbeat(), timeout=5)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("leadership connection lost: %s", exc)
                await self._step_down(connection_lost=True)
            await asyncio.sleep(self.retry_s)

    async def _step_down(self, *, connection_lost: bool = False) -> None:
        if self.is_leader:
            self.is_leader = False
            logger.info("stepping down as leader")
            try:
                await self.on_deposed()
            except Exception:
                logger.exception("leader work did not stop cleanly")
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if connection_lost:
            with contextlib.suppress(Exception):
                connection.terminate()
            with contextlib.suppress(Exception):
                await self.pool.release(connection)
            return
        with contextlib.suppress(Exception):
            await connection.execute(*QUERIES.release_leader_lock(key=LEADER_LOCK_KEY))
        with contextlib.suppress(Exception):
            await self.pool.release(connection)
