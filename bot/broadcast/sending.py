"""One pass over a broadcast's pending recipients: claim a batch, pace, send, settle.

A pass ends when nobody is left to claim or the broadcast is halted (paused, cancelled, the
process stopping); whatever it claimed but never requested is given back ("released").
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.types import InputFile

from bot.broadcast.engine import Outcome, Pacer, Settler, Window, deliver
from bot.broadcast.models import Content
from bot.broadcast.outgoing import keep_sender_file, send_content

if TYPE_CHECKING:
    import asyncpg
    from aiogram import Bot

# From this claim size on, the next batch is claimed while the current one is half sent, so
# the sender never waits for the database between batches.
PREFETCH_FROM = 50


@dataclass
class SendPass:
    """Sends one broadcast's claimed recipients at the paced rate, at most ``window`` at once."""

    pool: asyncpg.Pool
    bid: int
    content: Content
    bot: Bot
    pacer: Pacer
    window: Window
    settler: Settler
    claim: Callable[[int], Coroutine[Any, Any, list[Any]]]  # recipients after the given id
    halted: Callable[[], bool]
    claim_size: int
    media: str | None = None  # the sender bot's file id, once it has one
    upload: InputFile | None = None  # the file to upload with the first copy
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    unsent: list[int] = field(default_factory=list)
    token_refused: bool = False  # Telegram refused the bot's token: stop, send nothing more

    async def run(self) -> None:
        """Claim and send batch after batch; whatever happens, wait for requests in flight.

        The caller releases ``unsent`` afterwards, also after an error (a claim that failed,
        a database that went away): claims no request was made for never end "unknown".
        """
        try:
            batch = await self.claim(0)
            while batch:
                following = await self._send_batch(batch)
                if following is None:
                    break
                if self._stop():
                    self.unsent.extend(r["id"] for r in following)
                    break
                batch = following
        finally:
            if self.in_flight:
                await asyncio.gather(*self.in_flight, return_exceptions=True)

    def _stop(self) -> bool:
        return self.token_refused or self.halted()

    async def _send_batch(self, batch: list[Any]) -> list[Any] | None:
        """Send one batch, claiming the next halfway through; None when halted mid-batch."""
        after = batch[-1]["id"]
        prefetch: asyncio.Task[list[Any]] | None = None
        for index, row in enumerate(batch):
            if prefetch is None and self.claim_size >= PREFETCH_FROM and index >= len(batch) // 2:
                prefetch = asyncio.create_task(self.claim(after))
            if not await self._start(row):
                self.unsent.extend(r["id"] for r in batch[index:])
                if prefetch is not None:
                    self.unsent.extend(r["id"] for r in await prefetch)
                return None
        return await prefetch if prefetch is not None else await self.claim(after)

    async def _start(self, row: Any) -> bool:
        """Start the request to one recipient at the paced rate; False when halted first."""
        if self.media is None and self.upload is not None:
            await self._send_upload(row)
            return True
        # Wait for the slot before spawning: claimed rows not yet requested stay few.
        await self.window.acquire()
        if not await self.pacer.slot(self._stop):
            self.window.release(None)
            return False
        task = asyncio.create_task(self._send_one(row, time.monotonic()))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)
        return True

    async def _send_upload(self, row: Any) -> None:
        """The first copy carries the upload; everyone after gets the file id it returns."""
        call = functools.partial(send_content, self.bot, row["user_id"], self.content, self.upload)
        outcome, message = await deliver(row["id"], call, self.pacer, self._stop)
        self._settle(outcome)
        self.media = await keep_sender_file(self.pool, self.bid, message)

    async def _send_one(self, row: Any, started: float) -> None:
        try:
            outcome, _ = await deliver(
                row["id"],
                lambda: send_content(self.bot, row["user_id"], self.content, self.media),
                self.pacer,
                self._stop,
                have_slot=True,
            )
            self._settle(outcome)
        finally:
            self.window.release(started)

    def _settle(self, outcome: Outcome) -> None:
        if outcome.status == "token_refused":
            self.token_refused = True
        if outcome.status in ("release", "token_refused"):
            self.unsent.append(outcome.recipient_id)
        else:
            self.settler.add(outcome)
