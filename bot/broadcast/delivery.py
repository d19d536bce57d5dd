"""Background delivery: claim recipients, send at the paced rate, settle, report.

Never twice: a recipient is claimed (``attempted_at``, ``claimed_by`` = this process) in a
committed statement before its request goes out, and settled after the answer. Each process
holds a session advisory lock named by its owner number; claims whose owner's lock is gone
belong to a crashed process and end ``failed`` / "outcome unknown" — never re-sent
automatically. Several instances share a broadcast safely through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import secrets
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any, Protocol

import asyncpg
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputFile, Message

from bot.broadcast.engine import (
    Outcome,
    Pacer,
    Settler,
    Window,
    delete_copy,
    deliver,
    file_id_of,
    send_content,
)
from bot.broadcast.models import TOO_OLD, Audience, Content, Progress, Report
from bot.broadcast.store import fetch_broadcast, fetch_counts, fetch_report
from bot.db.queries import QUERIES

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings

logger = logging.getLogger(__name__)

LOCK_SPACE = 0x4853  # advisory lock class of broadcast sender processes ("HS")
# Claim about this much sending time at once: what a crash can leave "outcome unknown"
# without a request having gone out. A second claim runs ahead only at high rates.
CLAIM_WINDOW_S = 0.1
CLAIM_MAX = 500
PREFETCH_FROM = 50
DELETE_WINDOW = timedelta(hours=48)
DRAIN_TIMEOUT_S = 10.0


class Presenter(Protocol):
    """Renders the control card and reports (implemented by the Telegram layer)."""

    def card(self, progress: Progress) -> tuple[str, InlineKeyboardMarkup | None]: ...

    def report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]: ...

    def deletion_report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]: ...


class Delivery:
    """The background side of broadcasts in one process."""

    poll_interval: float = 15.0  # how often to look for due schedules and orphaned work
    card_every_s: float = 2.0
    concurrency: int = 200  # at most this many requests in flight (see engine.Window)

    def __init__(self, pool: asyncpg.Pool, settings: Settings, console_bot: Bot, sender_bot: Bot):
        self.pool = pool
        self.rate = settings.broadcast_rate
        self.console_bot = console_bot
        self.sender_bot = sender_bot
        self.pacer = Pacer(self.rate)
        self.claim_size = max(1, min(CLAIM_MAX, math.ceil(self.rate * CLAIM_WINDOW_S)))
        self.settler = Settler(pool)
        self.presenter: Presenter | None = None
        self.owner = 0
        self._presenter_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = False
        self._halted: set[int] = set()
        self._runners: dict[int, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._lock_conn: Any = None
        self._window: Window | None = None
        self._samples: dict[int, tuple[float, int]] = {}

    # lifecycle ------------------------------------------------------------------------------

    def attach(self, presenter: Presenter) -> None:
        self.presenter = presenter
        self._presenter_ready.set()

    async def start(self) -> None:
        self._stopping = False
        self._halted.clear()
        self._runners = {}
        self._window = Window(maximum=self.concurrency)
        self._lock_conn = await self.pool.acquire()
        while True:
            owner = secrets.randbelow(2**31 - 2) + 1
            if await self._lock_conn.fetchval(
                *QUERIES.broadcast_lock_owner(lock_space=LOCK_SPACE, owner=owner)
            ):
                self.owner = owner
                break
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
            await self._lock_conn.execute(
                *QUERIES.broadcast_unlock_owner(lock_space=LOCK_SPACE, owner=self.owner)
            )
        await self.pool.release(self._lock_conn)
        self._lock_conn = None

    def wake(self) -> None:
        """Look for work now (a broadcast was created, resumed, retried…)."""
        self._wake.set()

    def halt(self, broadcast_id: int) -> None:
        """Stop handing out sends for a broadcast this process runs (pause, cancel)."""
        if broadcast_id in self._runners and not self._runners[broadcast_id].done():
            self._halted.add(broadcast_id)

    async def recover(self) -> None:
        """Settle the claims of processes that died mid-request as "outcome unknown"."""
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
            try:
                await self._tick()
            except Exception:
                logger.exception("broadcast loop tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

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
            self._runners[bid] = asyncio.create_task(run(bid), name=f"broadcast-{bid}")

    # starting -------------------------------------------------------------------------------

    async def _start_scheduled(self, bid: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(*QUERIES.broadcast_lock_scheduled(message_id=bid))
            if row is None:
                return
            audience = Audience.from_json(row["audience"])
            await conn.fetchrow(*QUERIES.broadcast_freeze(message_id=bid, **audience.query_args()))
        broadcast = await fetch_broadcast(self.pool, bid)
        if broadcast is not None and broadcast.author_id is not None:
            await self.post_card(bid, broadcast.author_id)
        logger.info("scheduled broadcast %s started", bid)

    async def post_card(self, bid: int, chat_id: int) -> None:
        """Send the live control card for a broadcast that starts now."""
        if self.presenter is None:
            return
        text, markup = self.presenter.card(await self.progress(bid))
        if self.console_bot is self.sender_bot:
            await self.pacer.slot()  # the same bot's messages share Telegram's limit
        try:
            card = await self.console_bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramAPIError:
            logger.warning("could not post the card of broadcast %s", bid, exc_info=True)
            return
        await self.pool.execute(
            *QUERIES.broadcast_set_card(
                message_id=bid, chat_id=chat_id, card_message_id=card.message_id
            )
        )

    # sending --------------------------------------------------------------------------------

    async def _run_send(self, bid: int) -> None:
        card = asyncio.create_task(self._card_loop(bid))
        finished = False
        try:
            while not self._stopping:
                await self._send_batches(bid)
                await self.settler.flush()
                broadcast = await fetch_broadcast(self.pool, bid)
                status = broadcast.status if broadcast else None
                if status == "cancelled":
                    await self.pool.execute(*QUERIES.broadcast_sweep_cancelled(message_id=bid))
                if status not in ("sending", "cancelled"):
                    break
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
        if finished:
            await self._report(bid)
        elif not self._stopping:
            await self.update_card(bid, force=True)

    async def _claim(self, bid: int, after: int) -> list[Any]:
        rows = await self.pool.fetch(
            *QUERIES.broadcast_claim(
                message_id=bid, owner=self.owner, after=after, limit=self.claim_size
            )
        )
        return sorted(rows, key=lambda r: r["id"])

    def _halting(self, bid: int) -> bool:
        return self._stopping or bid in self._halted

    async def _send_batches(self, bid: int) -> None:
        broadcast = await fetch_broadcast(self.pool, bid)
        if broadcast is None or broadcast.content is None:
            return
        content = broadcast.content
        media, upload = await self._media_for_sender(bid, content)
        window = self._window
        assert window is not None
        in_flight: set[asyncio.Task[None]] = set()
        unsent: list[int] = []

        def settle(outcome: Outcome) -> None:
            if outcome.status == "release":
                unsent.append(outcome.recipient_id)
            else:
                self.settler.add(outcome)

        async def send_one(row: Any, file: str | InputFile | None, started: float) -> None:
            try:
                outcome, _ = await deliver(
                    row["id"],
                    lambda: send_content(self.sender_bot, row["user_id"], content, file),
                    self.pacer,
                    halted,
                    have_slot=True,
                )
                settle(outcome)
            finally:
                window.release(started)

        def halted() -> bool:
            return self._halting(bid)

        prefetching = self.claim_size >= PREFETCH_FROM
        after = 0
        batch = await self._claim(bid, after)
        while batch:
            after = batch[-1]["id"]
            prefetch: asyncio.Task[list[Any]] | None = None
            for index, row in enumerate(batch):
                if prefetch is None and prefetching and index >= len(batch) // 2:
                    prefetch = asyncio.create_task(self._claim(bid, after))
                if media is None and upload is not None:
                    # The first copy carries the upload; everyone else gets its file id.
                    outcome, message = await deliver(
                        row["id"],
                        functools.partial(
                            send_content, self.sender_bot, row["user_id"], content, upload
                        ),
                        self.pacer,
                        halted,
                    )
                    settle(outcome)
                    media = await self._keep_sender_file(bid, message)
                    continue
                # Wait for the slot before spawning: claimed rows not yet requested stay few.
                await window.acquire()
                if not await self.pacer.slot(halted):
                    window.release(None)
                    unsent.extend(r["id"] for r in batch[index:])
                    if prefetch is not None:
                        unsent.extend(r["id"] for r in await prefetch)
                        prefetch = None
                    break
                task = asyncio.create_task(send_one(row, media, time.monotonic()))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            else:
                batch = await prefetch if prefetch is not None else await self._claim(bid, after)
                if not halted():
                    continue
                unsent.extend(r["id"] for r in batch)
            break
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        if unsent:
            await self.pool.execute(*QUERIES.broadcast_release(ids=unsent))

    async def _media_for_sender(
        self, bid: int, content: Content
    ) -> tuple[str | None, InputFile | None]:
        """The file reference the broadcast bot sends, or the upload that will make one.

        File ids belong to one bot: with a separate broadcast bot the admin's file is
        downloaded through the console bot and uploaded once through the broadcast bot.
        """
        if content.kind == "text":
            return None, None
        if self.sender_bot is self.console_bot:
            return content.file_id, None
        row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        if row is not None and row["sender_file_id"]:
            return row["sender_file_id"], None
        return None, await self.transfer_file(content)

    async def transfer_file(self, content: Content) -> InputFile:
        """Download the admin's file through the console bot, ready to upload elsewhere."""
        buffer = BytesIO()
        await self.console_bot.download(content.file_id or "", destination=buffer)
        default = {"photo": "photo.jpg", "video": "video.mp4"}.get(content.kind, "file")
        return BufferedInputFile(buffer.getvalue(), filename=content.file_name or default)

    async def _keep_sender_file(self, bid: int, message: Message | None) -> str | None:
        file_id = file_id_of(message) if message is not None else None
        if file_id:
            await self.pool.execute(
                *QUERIES.broadcast_set_sender_file(message_id=bid, file_id=file_id)
            )
        return file_id

    # deleting -------------------------------------------------------------------------------

    async def _run_delete(self, bid: int) -> None:
        window = self._window
        assert window is not None
        in_flight: set[asyncio.Task[None]] = set()
        finished = False

        async def delete_one(row: Any, started: float) -> None:
            try:
                error = await delete_copy(
                    self.sender_bot, row["user_id"], row["telegram_message_id"], self.pacer
                )
                self.settler.add_deletion(row["id"], error)
            finally:
                window.release(started)

        try:
            while not self._stopping:
                rows = await self.pool.fetch(
                    *QUERIES.broadcast_claim_deletions(
                        message_id=bid, owner=self.owner, limit=self.claim_size
                    )
                )
                if not rows:
                    if in_flight:
                        await asyncio.gather(*in_flight, return_exceptions=True)
                    await self.settler.flush()
                    if await self.pool.fetchval(*QUERIES.broadcast_finish_delete(message_id=bid)):
                        finished = True
                        break
                    await asyncio.sleep(1.0)
                    await self.recover()
                    continue
                too_old = datetime.now(UTC) - DELETE_WINDOW
                for row in sorted(rows, key=lambda r: r["id"]):
                    if row["settled_at"] is not None and row["settled_at"] < too_old:
                        self.settler.add_deletion(row["id"], TOO_OLD)
                        continue
                    await window.acquire()
                    task = asyncio.create_task(delete_one(row, time.monotonic()))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
        except Exception:
            logger.exception("broadcast %s: deleting stopped on an error", bid)
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        if finished:
            await self._report(bid, deletion=True)

    # the card and the report ----------------------------------------------------------------

    async def progress(self, bid: int) -> Progress:
        broadcast = await fetch_broadcast(self.pool, bid)
        assert broadcast is not None
        counts = await fetch_counts(self.pool, bid)
        settled = counts.sent + counts.failed
        now = time.monotonic()
        before = self._samples.get(bid)
        self._samples[bid] = (now, settled)
        rate = 0.0
        if before is not None and now - before[0] > 0.2:
            rate = max(0.0, (settled - before[1]) / (now - before[0]))
        elif broadcast.started_at is not None and settled:
            elapsed = (datetime.now(UTC) - broadcast.started_at).total_seconds()
            rate = settled / elapsed if elapsed > 0 else 0.0
        pace = rate if rate > 0 else self.rate
        eta = counts.pending / pace if counts.pending else None
        return Progress(broadcast, counts, rate, eta)

    async def _card_loop(self, bid: int) -> None:
        while True:
            await asyncio.sleep(self.card_every_s)
            try:
                await self.update_card(bid)
            except Exception:
                logger.warning("could not update the card of broadcast %s", bid, exc_info=True)

    async def update_card(self, bid: int, *, force: bool = False) -> None:
        """Edit the live card, at most every card_every_s unless forced (state changes)."""
        if self.presenter is None:
            return
        if force:
            row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        else:
            row = await self.pool.fetchrow(
                *QUERIES.broadcast_card_due(message_id=bid, every_s=self.card_every_s * 0.95)
            )
        if row is None or row["card_message_id"] is None:
            return
        text, markup = self.presenter.card(await self.progress(bid))
        await self._edit(row["card_chat_id"], row["card_message_id"], text, markup)

    async def _edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        try:
            await self.console_bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                logger.warning("card edit refused: %s", error.message)
        except TelegramAPIError as error:
            logger.warning("card edit failed: %s", error)

    async def _report(self, bid: int, *, deletion: bool = False) -> None:
        """Final card state and a report message to whoever runs the broadcast."""
        self._samples.pop(bid, None)
        report = await fetch_report(self.pool, bid)
        if report is None or self.presenter is None:
            return
        row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        chat_id = row["card_chat_id"] or report.broadcast.author_id
        if not deletion and row["card_message_id"] is not None:
            text, markup = self.presenter.card(await self.progress(bid))
            await self._edit(row["card_chat_id"], row["card_message_id"], text, markup)
        if chat_id is None:
            return
        render = self.presenter.deletion_report if deletion else self.presenter.report
        text, markup = render(report)
        if self.console_bot is self.sender_bot:
            await self.pacer.slot()
        try:
            await self.console_bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramAPIError:
            logger.warning("could not send the report of broadcast %s", bid, exc_info=True)
