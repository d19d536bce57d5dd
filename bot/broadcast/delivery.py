"""Background delivery: claim recipients, send at the paced rate, settle.

Never twice: a recipient is claimed (``attempted_at``, ``claimed_by`` = this process) in a
committed statement before its request goes out, and settled after the answer. Each process
holds a session advisory lock named by its owner number; claims whose owner's lock is gone
belong to a crashed process and end ``failed`` / "outcome unknown" — never re-sent
automatically. Several instances share a broadcast safely through ``FOR UPDATE SKIP LOCKED``.

This module is the run loop and that promise; what the admin sees (``control_card``), what
a recipient receives (``outgoing``) and deleting for everyone (``deletion``) live beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import secrets
from typing import TYPE_CHECKING, Any

import asyncpg
from aiogram.types import InputFile

from bot.broadcast.control_card import ControlCard, Presenter
from bot.broadcast.deletion import delete_copies
from bot.broadcast.engine import BACKOFF_S, PACED_BY_ENGINE, Pacer, Settler, Window
from bot.broadcast.models import DOWNLOAD_FAILED, TOKEN_REFUSED, Audience, Content, Reach
from bot.broadcast.outgoing import media_for_sender
from bot.broadcast.sending import SendPass
from bot.broadcast.store import fetch_broadcast, write_recipients_csv
from bot.db.queries import QUERIES
from bot.leadership import NoTerm, Term

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings

logger = logging.getLogger(__name__)

LOCK_SPACE = 0x4853  # advisory lock class of broadcast sender processes ("HS")
# Claim about this much sending time at once: what a crash can leave "outcome unknown"
# without a request having gone out. A second claim runs ahead only at high rates.
CLAIM_WINDOW_S = 0.1
CLAIM_MAX = 500
DRAIN_TIMEOUT_S = 10.0
NOTIFY_CHANNEL = "hsl_broadcasts"
DOWNLOAD_ATTEMPTS = 3  # of the admin's file, before the broadcast pauses with a note


class MediaUnavailable(Exception):
    """The admin's file could not be fetched for the broadcast bot."""


SCHEDULE_SLACK_S = 0.05  # look just after a schedule's moment, so now() has passed it


class Delivery:
    """The background side of broadcasts in one process."""

    card_every_s: float = 2.0
    concurrency: int = 200  # at most this many requests in flight (see engine.Window)

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        console_bot: Bot,
        sender_bot: Bot,
        reach: Reach,
    ) -> None:
        self.pool = pool
        self.tz = settings.tz
        self.reach = reach
        self.rate = settings.broadcast_rate
        self.poll_interval = settings.broadcast_poll_seconds
        self.console_bot = console_bot
        self.sender_bot = sender_bot
        self.pacer = Pacer(self.rate)
        self.claim_size = max(1, min(CLAIM_MAX, math.ceil(self.rate * CLAIM_WINDOW_S)))
        self.settler = Settler(pool, reach.sender_id)
        self.card = ControlCard(
            pool, self.rate, console_bot, sender_bot, self.pacer, self.card_every_s
        )
        self.owner = 0
        self._presenter_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._halted: set[int] = set()
        self._runners: dict[int, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._lock_conn: Any = None
        self._window: Window | None = None
        self._unreleased: list[int] = []  # claims a failed release left: released on recovery
        self.term: Term = NoTerm()  # the leadership this delivery works under (attach_term)

    # lifecycle ------------------------------------------------------------------------------

    def attach(self, presenter: Presenter) -> None:
        self.card.presenter = presenter
        self._presenter_ready.set()

    async def start(self) -> None:
        self._stopping = False
        self._halted.clear()
        self._runners = {}
        self._window = Window(maximum=self.concurrency)
        ended = await self.pool.fetchval(
            *QUERIES.broadcast_end_other_senders(lock_space=LOCK_SPACE)
        )
        if ended:
            logger.warning("ended %s sender session(s) left from an earlier term", ended)
        self._lock_conn = await self.pool.acquire()
        while True:
            owner = secrets.randbelow(2**31 - 2) + 1
            if await self._lock_conn.fetchval(
                *QUERIES.broadcast_lock_owner(lock_space=LOCK_SPACE, owner=owner)
            ):
                self.owner = owner
                break
        await self._lock_conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        await self.recover()
        self._tasks = [
            asyncio.create_task(self.settler.run(), name="broadcast-settler"),
            asyncio.create_task(self._loop(), name="broadcast-loop"),
        ]

    async def stop(self) -> None:
        if self._lock_conn is None:
            return
        self._stopping = True
        self._wake.set()
        runners = [t for t in self._runners.values() if not t.done()]
        if runners:
            _, late = await asyncio.wait(runners, timeout=DRAIN_TIMEOUT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.settler.flush()
        except Exception:
            logger.warning("could not write the last broadcast outcomes", exc_info=True)
        with contextlib.suppress(Exception):
            await self._lock_conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
        with contextlib.suppress(Exception):
            await self._lock_conn.execute(
                *QUERIES.broadcast_unlock_owner(lock_space=LOCK_SPACE, owner=self.owner)
            )
        await self.pool.release(self._lock_conn)
        self._lock_conn = None

    def wake(self) -> None:
        """Look for work now (a broadcast was created, resumed, retried…)."""
        self._wake.set()

    async def announce(self) -> None:
        """Wake the sender, wherever it runs: this process, or the leader of the fleet.

        Only the leader delivers; an admin's "Send now" may reach any instance, which tells
        the leader through PostgreSQL's NOTIFY instead of leaving it to the next poll.
        """
        self._wake.set()
        await self.pool.execute(*QUERIES.broadcast_announce(channel=NOTIFY_CHANNEL))

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    def is_sending(self, broadcast_id: int) -> bool:
        """Whether this process still has a sending task for the broadcast (requests in flight)."""
        runner = self._runners.get(broadcast_id)
        return runner is not None and not runner.done()

    def halt(self, broadcast_id: int) -> None:
        """Stop handing out sends for a broadcast this process runs (pause, cancel)."""
        if broadcast_id in self._runners and not self._runners[broadcast_id].done():
            self._halted.add(broadcast_id)

    async def recover(self) -> None:
        """Settle the claims of processes that died mid-request as "outcome unknown".

        This process's own claims that no request holds (a release that failed) are given
        back first: nothing was sent for them.
        """
        if self._unreleased:
            unreleased, self._unreleased = self._unreleased, []
            await self._release(unreleased)
        row = await self.pool.fetchrow(
            *QUERIES.broadcast_fail_orphans(owner=self.owner, lock_space=LOCK_SPACE)
        )
        if row and (row["failed"] or row["reset"]):
            logger.warning(
                "recovered claims of a stopped sender: %s outcome unknown, %s deletions redone",
                row["failed"],
                row["reset"],
            )

    async def _loop(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._presenter_ready.wait(), 10.0)
        while not self._stopping:
            wait = self.poll_interval
            try:
                await self._tick()
                wait = await self._until_next_look()
            except Exception:
                logger.exception("broadcast loop tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()

    async def _until_next_look(self) -> float:
        """The poll interval, or less when a scheduled broadcast falls due before it."""
        due_in = await self.pool.fetchval(*QUERIES.broadcast_next_scheduled_in())
        if due_in is None:
            return self.poll_interval
        return min(self.poll_interval, max(due_in, 0.0) + SCHEDULE_SLACK_S)

    async def _tick(self) -> None:
        await self.recover()
        for row in await self.pool.fetch(*QUERIES.broadcast_due_scheduled()):
            await self._start_scheduled(row["id"])
        for row in await self.pool.fetch(*QUERIES.broadcast_active()):
            bid, status = row["id"], row["status"]
            running = self._runners.get(bid)
            if self._stopping or (running is not None and not running.done()):
                continue
            run = self._run_delete if status == "deleting" else self._run_send
            runner = asyncio.create_task(run(bid), name=f"broadcast-{bid}")
            # Work for this broadcast may arrive while its runner winds down (a deletion asked
            # for while the report still goes out): look again when it ends, not at the poll.
            runner.add_done_callback(lambda _: self._wake.set())
            self._runners[bid] = runner

    # starting -------------------------------------------------------------------------------

    async def _start_scheduled(self, bid: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                *QUERIES.broadcast_lock_scheduled(message_id=bid, epoch=self.term.epoch)
            )
            if row is None:
                return
            audience = Audience.from_json(row["audience"])
            await conn.fetchrow(
                *QUERIES.broadcast_freeze(
                    message_id=bid, **audience.query_args(), **self.reach.query_args()
                )
            )
        broadcast = await fetch_broadcast(self.pool, bid)
        if broadcast is not None and broadcast.author_id is not None:
            await self.card.post(bid, broadcast.author_id)
        logger.info("scheduled broadcast %s started", bid)

    # sending --------------------------------------------------------------------------------

    async def _run_send(self, bid: int) -> None:
        PACED_BY_ENGINE.set(True)  # this task and those it starts: the pacer handles 429s
        card = asyncio.create_task(self.card.keep_fresh(bid))
        finished = False
        try:
            while not self._stopping:
                problem = await self._send_batches(bid)
                await self.settler.flush()
                if problem is not None:
                    await self._pause_for(bid, problem)
                    break
                broadcast = await fetch_broadcast(self.pool, bid)
                status = broadcast.status if broadcast else None
                if status == "cancelled":
                    await self.pool.execute(*QUERIES.broadcast_sweep_cancelled(message_id=bid))
                if status not in ("sending", "cancelled"):
                    break
                # Resumed (or cancelled) while this pass wound down: its halt is spent, or
                # every later pass would stop at once and this loop would spin.
                self._halted.discard(bid)
                if await self.pool.fetchval(*QUERIES.broadcast_finish(message_id=bid)):
                    finished = True
                    break
                # Someone else's claims are still open: a live instance's, or a dead one's
                # that recovery turns into "outcome unknown".
                await asyncio.sleep(1.0)
                await self.recover()
        except Exception:
            logger.exception("broadcast %s: sending stopped on an error", bid)
        finally:
            card.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await card
            self._halted.discard(bid)
        try:
            if finished:
                await self.card.report(bid)
            elif not self._stopping:
                await self.card.update(bid, force=True)
        except Exception:  # the card is news, not state: a failure here loses nothing
            logger.warning("broadcast %s: could not update its card", bid, exc_info=True)
        if finished:
            try:  # ready before an admin asks for it (0.3 s of work per 100k recipients)
                await write_recipients_csv(self.pool, bid, self.tz)
            except Exception:  # it is written when first asked for instead
                logger.warning(
                    "broadcast %s: could not write its recipients file", bid, exc_info=True
                )

    async def _claim(self, bid: int, after: int) -> list[Any]:
        rows = await self.pool.fetch(
            *QUERIES.broadcast_claim(
                message_id=bid,
                owner=self.owner,
                after=after,
                limit=self.claim_size,
                epoch=self.term.epoch,
            )
        )
        return sorted(rows, key=lambda r: r["id"])

    def _halting(self, bid: int) -> bool:
        # a lease that ran out (frozen, cut off) stops sends before anyone else may take over
        return self._stopping or bid in self._halted or not self.term.is_leader

    async def _send_batches(self, bid: int) -> str | None:
        """One pass over the pending recipients (see ``SendPass``); release what it left.

        Returns why the broadcast must pause by itself (TOKEN_REFUSED, DOWNLOAD_FAILED), if so.
        """
        broadcast = await fetch_broadcast(self.pool, bid)
        if broadcast is None or broadcast.content is None or broadcast.status != "sending":
            return None  # a cancelled one is only wrapped up: no file to fetch for it
        assert self._window is not None
        try:
            media, upload = await self._media(bid, broadcast.content)
        except MediaUnavailable:
            return DOWNLOAD_FAILED
        sending = SendPass(
            pool=self.pool,
            bid=bid,
            content=broadcast.content,
            bot=self.sender_bot,
            pacer=self.pacer,
            window=self._window,
            settler=self.settler,
            claim=functools.partial(self._claim, bid),
            halted=functools.partial(self._halting, bid),
            claim_size=self.claim_size,
            media=media,
            upload=upload,
        )
        try:
            await sending.run()
        finally:
            await self._release(sending.unsent)
        return TOKEN_REFUSED if sending.token_refused else None

    async def _release(self, ids: list[int]) -> None:
        """Give back claims no request was made for; kept for recovery if that fails too."""
        if not ids:
            return
        try:
            await self.pool.execute(*QUERIES.broadcast_release(ids=ids))
        except Exception:
            logger.warning("could not release %s claims; retrying on recovery", len(ids))
            self._unreleased.extend(ids)
            raise

    async def _media(self, bid: int, content: Content) -> tuple[str | None, InputFile | None]:
        """The file for the broadcast bot; a failing download is tried a few times only."""
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                return await media_for_sender(
                    self.pool, bid, content, self.console_bot, self.sender_bot
                )
            except Exception as error:
                logger.warning(
                    "broadcast %s: fetching the file failed (attempt %s of %s): %r",
                    bid,
                    attempt,
                    DOWNLOAD_ATTEMPTS,
                    error,
                )
                if attempt == DOWNLOAD_ATTEMPTS:
                    raise MediaUnavailable() from error
                await asyncio.sleep(BACKOFF_S[attempt - 1])
        raise AssertionError("unreachable")

    async def _pause_for(self, bid: int, problem: str) -> None:
        """Pause a broadcast delivery cannot go on with, once, and tell the admin why."""
        paused = await self.pool.fetchval(
            *QUERIES.broadcast_set_status(
                message_id=bid, from_states=["sending"], to_status="paused"
            )
        )
        if paused is None:
            return
        logger.error("broadcast %s paused: %s (recipients stay pending)", bid, problem)
        await self.card.update(bid, force=True)
        await self.card.notify(bid, problem)

    # deleting -------------------------------------------------------------------------------

    async def _run_delete(self, bid: int) -> None:
        PACED_BY_ENGINE.set(True)
        window = self._window
        assert window is not None
        finished = False
        try:
            finished = await delete_copies(
                bid,
                pool=self.pool,
                bot=self.sender_bot,
                pacer=self.pacer,
                settler=self.settler,
                window=window,
                owner=self.owner,
                epoch=self.term.epoch,
                claim_size=self.claim_size,
                stopping=lambda: self._stopping or not self.term.is_leader,
                recover=self.recover,
            )
        except Exception:
            logger.exception("broadcast %s: deleting stopped on an error", bid)
        if finished:
            await self.card.report(bid, deletion=True)
