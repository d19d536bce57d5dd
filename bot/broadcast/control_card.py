"""The live control card of a broadcast and its final report, as the admin sees them.

Kept apart from delivery: the card reads progress back from the database and edits one
message at most every ``every_s``, while the sending path never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

import asyncpg
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

from bot.broadcast.engine import Pacer
from bot.broadcast.models import Progress, Report
from bot.broadcast.store import fetch_counts, fetch_report, fetch_shown
from bot.db.queries import QUERIES

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)


class Presenter(Protocol):
    """Renders the control card and reports (implemented by the Telegram layer, which picks
    the reader's language: asynchronous, as it may have to look it up)."""

    async def card(self, progress: Progress) -> tuple[str, InlineKeyboardMarkup | None]: ...

    async def report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]: ...

    async def deletion_report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]: ...

    async def problem(self, broadcast_id: int, problem: str, reader_id: int) -> str:
        """Why delivery paused a broadcast by itself (TOKEN_REFUSED, DOWNLOAD_FAILED)."""
        ...


class ControlCard:
    """Post, refresh and close the control card of each broadcast; send the final report."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        rate: float,
        console_bot: Bot,
        sender_bot: Bot,
        pacer: Pacer,
        every_s: float,
    ) -> None:
        self.pool = pool
        self.rate = rate
        self.console_bot = console_bot
        self.sender_bot = sender_bot
        self.pacer = pacer
        self.every_s = every_s
        self.presenter: Presenter | None = None
        self._samples: dict[int, tuple[float, int]] = {}  # (monotonic time, settled)
        self._paces: dict[int, float] = {}  # the last pace measured while sending

    async def post(self, bid: int, chat_id: int) -> None:
        """Send the live control card for a broadcast that starts now."""
        if self.presenter is None:
            return
        text, markup = await self.presenter.card(await self.progress(bid))
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

    async def progress(self, bid: int) -> Progress:
        """A snapshot for the card, about the latest run (the start, or the latest retry).

        While sending, the pace is measured between refreshes. A pause's standstill never
        enters it: the sample is dropped while not sending and the pace measured before is
        kept, so "time left" does not jump on pause or resume. Once ended: the run's average.
        """
        broadcast = await fetch_shown(self.pool, bid)
        assert broadcast is not None
        counts = await fetch_counts(self.pool, bid)
        settled = counts.run_settled
        if broadcast.status != "sending":
            self._samples.pop(bid, None)
            rate = self._paces.get(bid, 0.0)
            start, end = broadcast.run_start, broadcast.finished_at
            if start is not None and end is not None and end > start:
                rate = settled / (end - start).total_seconds()
            return Progress(broadcast, counts, rate, None)
        now = time.monotonic()
        before = self._samples.get(bid)
        rate = self._paces.get(bid, 0.0)
        if before is None or now - before[0] > 0.2:
            self._samples[bid] = (now, settled)
        if before is not None and now - before[0] > 0.2:
            rate = max(0.0, (settled - before[1]) / (now - before[0]))
            if rate > 0:
                self._paces[bid] = rate
        elif bid not in self._paces and broadcast.run_start is not None and settled:
            elapsed = (datetime.now(UTC) - broadcast.run_start).total_seconds()
            rate = settled / elapsed if elapsed > 0 else 0.0
        pace = self._paces.get(bid) or rate or self.rate
        eta = counts.pending / pace if counts.pending else None
        return Progress(broadcast, counts, rate, eta)

    async def keep_fresh(self, bid: int) -> None:
        """Refresh the card every ``every_s`` while the broadcast sends (cancelled after)."""
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await self.update(bid)
            except Exception:
                logger.warning("could not update the card of broadcast %s", bid, exc_info=True)

    async def update(self, bid: int, *, force: bool = False) -> None:
        """Edit the live card, at most every ``every_s`` unless forced (state changes)."""
        if self.presenter is None:
            return
        if force:
            row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        else:
            row = await self.pool.fetchrow(
                *QUERIES.broadcast_card_due(message_id=bid, every_s=self.every_s * 0.95)
            )
        if row is None or row["card_message_id"] is None:
            return
        text, markup = await self.presenter.card(await self.progress(bid))
        await self._edit(row["card_chat_id"], row["card_message_id"], text, markup)

    async def _edit(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        try:
            await self.console_bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except TelegramBadRequest as error:
            if "message to edit not found" in error.message:
                # The admin deleted the card (or the chat lost it): stop editing it; the
                # final report still arrives as a message of its own.
                logger.info("the card of a broadcast is gone; no more edits")
                await self.pool.execute(
                    *QUERIES.broadcast_forget_card(chat_id=chat_id, card_message_id=message_id)
                )
            elif "not modified" not in error.message:
                logger.warning("card edit refused: %s", error.message)
        except TelegramAPIError as error:
            logger.warning("card edit failed: %s", error)

    async def notify(self, bid: int, problem: str) -> None:
        """Tell whoever runs the broadcast why delivery paused it."""
        if self.presenter is None:
            return
        row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        chat_id = row["card_chat_id"] or row["author_id"] if row is not None else None
        if chat_id is None:
            return
        try:
            text = await self.presenter.problem(bid, problem, chat_id)
            await self.console_bot.send_message(chat_id, text)
        except TelegramAPIError:
            logger.warning("could not tell about broadcast %s: %s", bid, problem, exc_info=True)

    async def report(self, bid: int, *, deletion: bool = False) -> None:
        """Final card state and a report message to whoever runs the broadcast."""
        self._samples.pop(bid, None)
        self._paces.pop(bid, None)
        report = await fetch_report(self.pool, bid)
        if report is None or self.presenter is None:
            return
        row = await self.pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
        chat_id = row["card_chat_id"] or report.broadcast.author_id
        if not deletion and row["card_message_id"] is not None:
            text, markup = await self.presenter.card(await self.progress(bid))
            await self._edit(row["card_chat_id"], row["card_message_id"], text, markup)
        if chat_id is None:
            return
        render = self.presenter.deletion_report if deletion else self.presenter.report
        text, markup = await render(report)
        if self.console_bot is self.sender_bot:
            await self.pacer.slot()
        try:
            await self.console_bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramAPIError:
            logger.warning("could not send the report of broadcast %s", bid, exc_info=True)
