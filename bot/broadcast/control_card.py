"""The live control card of a broadcast and its final report, as the admin sees them.

Kept apart from delivery: the card reads progress back from the database and edits one
message at most every ``every_s``, while the sending path never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

import asyncpg
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

from bot.broadcast.engine import Pacer
from bot.broadcast.models import Progress, Report, sending_seconds
from bot.broadcast.store import fetch_counts, fetch_report, fetch_shown
from bot.db.queries import QUERIES

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

PACE_MIN_LOOK_S = 0.2  # two looks closer than this measure noise, not a pace
PACE_MEMORY_S = 10.0  # sending time over which the measured pace forgets older intervals
# Looks further apart than this many card refreshes are not compared: something unseen may
# lie between them (a pause and resume pressed on another instance, a restart).
PACE_STALE_REFRESHES = 5


@dataclass(frozen=True)
class Pace:
    """How fast a broadcast's run settles recipients, measured over sending time only.

    ``at`` and ``settled`` are the latest look taken while it was sending (monotonic seconds,
    and the run's settled recipients then); None once a look found it not sending, so no
    measured interval ever spans a pause. ``per_s`` is the measured pace (None until an
    interval settled anyone) over ``measured_s`` seconds of sending: their average at first,
    then weighted towards the latest ``PACE_MEMORY_S``.
    """

    at: float | None = None
    settled: int = 0
    per_s: float | None = None
    measured_s: float = 0.0


def next_pace(
    pace: Pace, now: float, settled: int, *, sending: bool, stale_after_s: float
) -> Pace:
    """The pace after one more look at a broadcast, at monotonic time ``now``.

    Only the interval between two looks taken while sending is measured: a pause, however
    long, never enters the pace, and what was measured before it is kept for after.
    """
    if not sending:
        return replace(pace, at=None, settled=0)
    if pace.at is None or settled < pace.settled or now - pace.at > stale_after_s:
        # A first look (a start, a resume, after a gap): nothing to compare it with.
        return replace(pace, at=now, settled=settled)
    elapsed = now - pace.at
    if elapsed < PACE_MIN_LOOK_S:
        return pace
    measured = (settled - pace.settled) / elapsed
    if pace.per_s is None:  # nobody settled yet: the first outcomes may still be unwritten
        return Pace(now, settled, measured or None, elapsed if measured else 0.0)
    # Weighted by sending time, so irregular looks (the card, the Mini App) agree.
    weight = max(elapsed / (pace.measured_s + elapsed), 1 - math.exp(-elapsed / PACE_MEMORY_S))
    per_s = pace.per_s + weight * (measured - pace.per_s)
    return Pace(now, settled, per_s, pace.measured_s + elapsed)


def time_left(pending: int, pace: Pace, planned_rate: float) -> float | None:
    """Seconds until the pending recipients are settled at the measured pace (at the planned
    rate until there is one); None when nobody is pending."""
    if not pending:
        return None
    return pending / (pace.per_s or planned_rate)


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
        self._paces: dict[int, Pace] = {}  # per broadcast: its run's pace while sending

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

        While sending, the rate is the pace measured over sending time (:func:`next_pace`):
        a pause's standstill never enters it, so "time left" does not jump on pause or
        resume. Once ended: the run's average.
        """
        broadcast = await fetch_shown(self.pool, bid)
        assert broadcast is not None
        counts = await fetch_counts(self.pool, bid)
        settled = counts.run_settled
        sending = broadcast.status == "sending"
        pace = next_pace(
            self._paces.get(bid, Pace()),
            time.monotonic(),
            settled,
            sending=sending,
            stale_after_s=PACE_STALE_REFRESHES * self.every_s,
        )
        if sending or broadcast.status == "paused":
            self._paces[bid] = pace  # kept across a pause, for after the resume
        else:
            self._paces.pop(bid, None)  # ended: a retry is a new run, measured afresh
        rate = pace.per_s or 0.0
        if not sending:
            seconds = sending_seconds(broadcast)
            if seconds:
                rate = settled / seconds
            return Progress(broadcast, counts, rate, None)
        return Progress(broadcast, counts, rate, time_left(counts.pending, pace, self.rate))

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
