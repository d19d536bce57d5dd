"""One pass over a broadcast's pending recipients: claim in batches, pace, send, settle.

Long-lived senders do the sending, as many as the window allows: each takes a send slot, then
the next claimed recipient, makes the request and notes the outcome, and goes on to the next
— no task per message. A pass ends when nobody is left to claim or the broadcast is halted
(paused, cancelled, the process stopping); whatever it claimed but never requested is given
back ("released").
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from time import monotonic
from typing import TYPE_CHECKING, Any

from aiogram.types import InputFile

from bot.broadcast.engine import Outcome, Pacer, Settler, Window, deliver
from bot.broadcast.models import Content
from bot.broadcast.outgoing import Outgoing, keep_sender_file

if TYPE_CHECKING:
    import asyncpg
    from aiogram import Bot
    from aiogram.types import Message

# From this claim size on, the next batch is claimed while the current one is half sent, so
# the senders never wait for the database between batches.
PREFETCH_FROM = 50

Claim = Callable[[int], Coroutine[Any, Any, list[Any]]]  # recipients after the given id


class Claimed:
    """The recipients claimed for one pass, handed out in id order, one claim at a time."""

    def __init__(self, claim: Claim, claim_size: int) -> None:
        self._claim = claim
        self._prefetch = claim_size >= PREFETCH_FROM
        self._rows: deque[Any] = deque()
        self._after = 0  # the last id claimed
        self._prefetch_below = 0  # claim ahead once fewer rows than this are left
        self._next: asyncio.Task[list[Any]] | None = None
        self._refilling = asyncio.Lock()
        self.exhausted = False  # a claim came back empty: nobody is left

    async def take(self) -> Any | None:
        """The next claimed recipient (claimed now if need be); None when nobody is left."""
        while not self._rows:
            if self.exhausted:
                return None
            async with self._refilling:  # one claim at a time; the others wait for its rows
                if not self._rows and not self.exhausted:
                    await self._refill()
        return self.take_claimed()

    def take_claimed(self) -> Any | None:
        """The next recipient already claimed; None when the batch is used up (``take``)."""
        if not self._rows:
            return None
        row = self._rows.popleft()
        if self._prefetch and self._next is None and len(self._rows) < self._prefetch_below:
            self._next = asyncio.create_task(self._claim(self._after))
        return row

    async def _refill(self) -> None:
        ahead, self._next = self._next, None
        rows = await ahead if ahead is not None else await self._claim(self._after)
        if not rows:
            self.exhausted = True
            return
        self._rows.extend(rows)
        self._after = rows[-1]["id"]
        self._prefetch_below = (len(rows) + 1) // 2

    async def left_over(self) -> list[int]:
        """Ids claimed but never handed out (to release), the batch claimed ahead included."""
        ids = [row["id"] for row in self._rows]
        self._rows.clear()
        ahead, self._next = self._next, None
        if ahead is not None:
            ids.extend(row["id"] for row in await ahead)
        return ids


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
    claim: Claim
    halted: Callable[[], bool]
    claim_size: int
    media: str | None = None  # the sender bot's file id, once it has one
    upload: InputFile | None = None  # the file to upload with the first copy
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)  # the senders
    unsent: list[int] = field(default_factory=list)
    token_refused: bool = False  # Telegram refused the bot's token: stop, send nothing more
    _senders: int = 0
    _error: BaseException | None = None
    _claimed: Claimed | None = None
    _outgoing: Outgoing | None = None  # the request every sender sends (once the file is known)

    async def run(self) -> None:
        """Send until nobody is left; whatever happens, wait for the senders to finish.

        The caller releases ``unsent`` afterwards, also after an error (a claim that failed,
        a database that went away): claims no request was made for never end "unknown".
        """
        claimed = self._claimed = Claimed(self.claim, self.claim_size)
        try:
            await self._upload_first(claimed)
            self._outgoing = Outgoing(self.bot, self.content, self.media)
            self._add_senders()
            while self.in_flight:
                await asyncio.gather(*self.in_flight, return_exceptions=True)
        finally:
            if self.in_flight:
                await asyncio.gather(*self.in_flight, return_exceptions=True)
            self.unsent.extend(await claimed.left_over())
        if self._error is not None:
            raise self._error

    def _stop(self) -> bool:
        return self.token_refused or self._error is not None or self.halted()

    def _no_more(self) -> bool:
        return self._stop() or self._claimed is None or self._claimed.exhausted

    async def _upload_first(self, claimed: Claimed) -> None:
        """The first copy carries the upload; everyone after gets the file id it returns."""
        while self.media is None and self.upload is not None and not self._stop():
            row = await claimed.take()
            if row is None:
                return
            first = Outgoing(self.bot, self.content, self.upload)
            outcome, message = await deliver(
                row["id"], row["user_id"], first.send, self.pacer, self._stop
            )
            self._settle(outcome)
            self.media = await keep_sender_file(self.pool, self.bid, message)

    def _add_senders(self) -> None:
        """Start senders up to what the window allows now (it widens as answers come back)."""
        while self._senders < int(self.window.limit) and not self._no_more():
            self._senders += 1
            task = asyncio.create_task(self._sender(), name=f"broadcast-{self.bid}-sender")
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    async def _sender(self) -> None:
        """Send one recipient after another; leave when the window narrows below us."""
        assert self._outgoing is not None
        window, pacer, send = self.window, self.pacer, self._outgoing.send
        try:
            while await self._send_next(window, pacer, send):
                if self._senders > int(window.limit):
                    return
                if self._senders < int(window.limit):
                    self._add_senders()
        except Exception as error:  # a claim failed: the whole pass stops and says why
            if self._error is None:
                self._error = error
        finally:
            self._senders -= 1

    async def _send_next(
        self, window: Window, pacer: Pacer, send: Callable[[int], Awaitable[Message]]
    ) -> bool:
        """Take a send slot, then a recipient, and send; False when there is nothing to do.

        The slot comes first, so only recipients whose request goes out now leave the claimed
        batch: a halt while waiting for a slot leaves them all to release. Each step is taken
        without a coroutine when it is ready (the usual case at speed).
        """
        claimed = self._claimed
        assert claimed is not None
        if not window.try_acquire():
            await window.acquire()
        started = None
        try:
            slot = pacer.try_slot(self._no_more)
            if slot is None:
                slot = await pacer.slot(self._no_more)
            if not slot:
                return False
            row = claimed.take_claimed()
            if row is None:
                row = await claimed.take()
                if row is None:
                    return False
            started = monotonic()
            outcome, _ = await deliver(
                row["id"], row["user_id"], send, pacer, self._stop, have_slot=True
            )
            self._settle(outcome)
            return True
        finally:
            window.release(started)

    def _settle(self, outcome: Outcome) -> None:
        if outcome.status == "sent":
            self.settler.add(outcome)
            return
        if outcome.status == "token_refused":
            self.token_refused = True
        if outcome.status in ("release", "token_refused"):
            self.unsent.append(outcome.recipient_id)
        else:
            self.settler.add(outcome)
