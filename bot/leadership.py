"""One leader per database: the instance that delivers broadcasts and runs the scheduler.

A term of leadership has a number (``leader_term.epoch``), incremented on every takeover.
Everything a leader writes that matters carries its epoch and the SQL refuses an older one, so
a leader that was frozen (SIGSTOP, a blocked loop) or cut off from the database and wakes up
can no longer claim anything: that is the fence.

How a term begins:
- the quick path: a session-level advisory lock on a dedicated connection. When a leader's
  process dies, PostgreSQL ends its session (TCP keepalives make that seconds, not hours, when
  a whole machine goes) and the lock with it; a standby retrying every ``retry_s`` gets it.
- the slow path: the leader renews ``heartbeat_at`` every ``retry_s``. A standby that finds it
  older than ``STALE_S`` ends that term itself (and the stale session, with
  ``pg_terminate_backend`` where it has the right), whether or not the lock came free. It then
  takes the lock at its next renewals; until it has it, a session that finds the lock free
  begins no term while this one lives (leader_begin_term) and hands the lock back, so the
  woken leader, or any standby, cannot depose a healthy leader through the gap.

The leader holds a lease: it counts itself leader only while its last heartbeat is younger
than ``LEASE_S`` on its own clock, which is shorter than ``STALE_S``. So a leader that stops
renewing stops acting before anyone else may take over — also after waking from a freeze,
before its first failed heartbeat tells it the term is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncpg

from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

# "hsl-bot leader" as a 63-bit number; advisory locks are scoped to the current database.
LEADER_LOCK_KEY = 0x6873_6C62_6F74_02
HEARTBEAT_TIMEOUT_S = 3.0  # a heartbeat that takes longer than this failed
LEASE_S = 6.0  # the leader acts only this long after its last heartbeat (its own clock)
STALE_S = 10.0  # a standby takes over a term whose heartbeat is this old (the database's clock)


class Term(Protocol):
    """What leader work needs of leadership: the epoch its writes carry, and the lease."""

    @property
    def epoch(self) -> int: ...

    @property
    def is_leader(self) -> bool: ...


class NoTerm:
    """Leader work not attached to a leadership: it may write nothing."""

    epoch = -1
    is_leader = False


class Leadership:
    """Campaign for leadership in the background; run callbacks on changes."""

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
        self.epoch = 0  # the term this instance leads (0: none)
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._elected = False
        self._holds_lock = False  # this session holds the advisory lock
        self._last_beat = 0.0  # time.monotonic() of the last renewed heartbeat
        self._task: asyncio.Task[None] | None = None
        self._connection: asyncpg.pool.PoolConnectionProxy | None = None

    @property
    def elected(self) -> bool:
        """Holding a term (its lease may have run out: see is_leader)."""
        return self._elected

    @property
    def is_leader(self) -> bool:
        """Leading a term whose lease is still good (a late heartbeat ends it here first)."""
        return self._elected and self.heartbeat_age_s() < LEASE_S

    def heartbeat_age_s(self) -> float:
        """Seconds since this leader last renewed its term (inf when not leading)."""
        return time.monotonic() - self._last_beat if self._elected else float("inf")

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
                if self._elected:
                    await self._renew()
                else:
                    await self._try_to_lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("leadership connection lost: %s", exc)
                await self._step_down(connection_lost=True)
            await asyncio.sleep(self.retry_s)

    async def _try_to_lead(self) -> None:
        assert self._connection is not None
        connection = self._connection
        if await connection.fetchval(*QUERIES.try_leader_lock(key=LEADER_LOCK_KEY)):
            epoch = await connection.fetchval(
                *QUERIES.leader_begin_term(holder=self.holder, stale_s=STALE_S)
            )
            if epoch is not None:
                self._holds_lock = True
                await self._begin(int(epoch), "elected leader")
                return
            # a leader that took over by the slow path lives and will take the lock
            await connection.execute(*QUERIES.release_leader_lock(key=LEADER_LOCK_KEY))
        stale = await connection.fetchrow(
            *QUERIES.leader_take_over_stale(holder=self.holder, stale_s=STALE_S)
        )
        if stale is None:
            return
        # The leader stopped renewing: its term is over by the epoch already; end its
        # session too where we may, so its lock comes free for the quick path again.
        try:
            await connection.fetchval(*QUERIES.leader_terminate_backend(pid=stale["stale_pid"]))
        except asyncpg.PostgresError as error:
            logger.warning("could not end the stale leader's session: %s", error)
        await self._begin(int(stale["epoch"]), "took over from a leader whose heartbeat stopped")

    async def _begin(self, epoch: int, how: str) -> None:
        self.epoch = epoch
        self._last_beat = time.monotonic()
        self._elected = True
        logger.info("%s (term %s): delivering broadcasts, running schedules", how, epoch)
        await self.on_elected()

    async def _renew(self) -> None:
        """Renew the term; step down when it is over or the heartbeat came too late."""
        assert self._connection is not None
        if self.heartbeat_age_s() >= LEASE_S:
            logger.warning("heartbeat %.1f s late: stepping down", self.heartbeat_age_s())
            await self._step_down(connection_lost=True)
            return
        renewed = await self._connection.fetchval(
            *QUERIES.leader_heartbeat(epoch=self.epoch), timeout=HEARTBEAT_TIMEOUT_S
        )
        if renewed is None:
            logger.warning("term %s was taken over: stepping down", self.epoch)
            await self._step_down(connection_lost=True)
            return
        self._last_beat = time.monotonic()
        if not self._holds_lock:  # a term taken over by the slow path: the lock comes free
            self._holds_lock = bool(
                await self._connection.fetchval(*QUERIES.try_leader_lock(key=LEADER_LOCK_KEY))
            )

    async def _step_down(self, *, connection_lost: bool = False) -> None:
        was_elected = self._elected
        if self._elected:
            self._elected = False
            logger.info("stepping down as leader (term %s)", self.epoch)
            try:
                await self.on_deposed()
            except Exception:
                logger.exception("leader work did not stop cleanly")
        connection, self._connection = self._connection, None
        self._holds_lock = False
        if connection is None:
            return
        if connection_lost:
            # the session may hold the lock still: end it rather than hand it back half-known
            with contextlib.suppress(Exception):
                connection.terminate()
            with contextlib.suppress(Exception):
                await self.pool.release(connection)
            return
        if was_elected:  # handed over: the next to take the lock need not wait it out
            with contextlib.suppress(Exception):
                await connection.execute(*QUERIES.leader_end_term(epoch=self.epoch))
        with contextlib.suppress(Exception):
            await connection.execute(*QUERIES.release_leader_lock(key=LEADER_LOCK_KEY))
        with contextlib.suppress(Exception):
            await self.pool.release(connection)
