"""The delivery machinery: pacing, one recipient's send with its retries, batched settlement."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, NamedTuple

import aiohttp
import asyncpg
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Message

from bot.broadcast.models import (
    BLOCKED,
    CHAT_NOT_FOUND,
    DEACTIVATED,
    FLOOD_LIMIT,
    NETWORK,
    NEVER_STARTED,
    OUTCOME_UNKNOWN,
)
from bot.db.queries import QUERIES
from bot.redact import redact

logger = logging.getLogger(__name__)

# Set in the delivery engine's tasks: their requests are paced here, so nothing in between
# (the console's flood-waiting session middleware) may retry a 429 behind the pacer's back.
PACED_BY_ENGINE: ContextVar[bool] = ContextVar("paced_by_engine", default=False)

# Pacing aims this much under BROADCAST_RATE: the clocks of our sender and of Telegram's
# counter differ by request jitter, and a grid exactly at the limit would graze it.
PACE_MARGIN = 0.97
MAX_RETRIES = 4  # refused connections (no request went out), per recipient
MAX_FLOOD_WAITS = 20  # 429s for one recipient before giving up on it
BACKOFF_S = (0.5, 1.0, 2.0, 4.0)
SETTLE_EVERY_S = 0.25
SETTLE_BATCH = 1000


class Pacer:
    """Hand out send slots evenly at ``rate`` per second; a 429 holds every sender."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / (rate * PACE_MARGIN)
        self._next = 0.0
        self._hold_until = 0.0
        self._lock = asyncio.Lock()
        # Telegram counts messages in a sliding second. A grid slot taken a little late keeps
        # the grid, so two sends can sit close together; capping every rolling second at one
        # send under the rate leaves a whole interval of slack for that and for request
        # jitter between our clock and Telegram's counter.
        self._recent: deque[float] = deque(maxlen=max(1, math.ceil(rate) - 1))

    def _due(self) -> float:
        start = max(self._next, self._hold_until)
        if len(self._recent) == self._recent.maxlen:
            start = max(start, self._recent[0] + 1.0)
        return start

    async def slot(self, halted: Callable[[], bool] = lambda: False) -> bool:
        """Wait for the next send slot; False (and no slot used) when halted meanwhile."""
        taken = self.try_slot(halted)
        if taken is not None:
            return taken
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                if halted():
                    return False
                now = loop.time()
                start = self._due()
                if start <= now:
                    break
                await asyncio.sleep(min(start - now, 0.5))
            self._take(now)
            return True

    def try_slot(self, halted: Callable[[], bool]) -> bool | None:
        """The next slot if it is due and nobody waits for one: True taken, False halted;
        None when it has to be waited for (``slot``).

        The usual case when the server, not the rate, sets the pace: the senders take their
        slots without a coroutine or the lock.
        """
        if self._lock.locked():
            return None
        now = asyncio.get_running_loop().time()
        if self._due() > now:
            return None
        if halted():
            return False
        self._take(now)
        return True

    def _take(self, now: float) -> None:
        # Keep the grid when a timer fired a little late; never burst to catch up a backlog.
        base = self._next if now - self._next < self.interval else now
        self._next = base + self.interval
        self._recent.append(now)

    def hold(self, seconds: float) -> None:
        """Telegram said "retry after": nobody sends before then."""
        until = asyncio.get_running_loop().time() + seconds
        self._hold_until = max(self._hold_until, until)


class Window:
    """How many requests may be in flight: adapts like a gradient concurrency limit.

    Latency near the best seen means the answers are slow only because the road is long
    (Telegram's round trip): widen, so 50 ms still allows hundreds of messages a second.
    Latency growing above it means requests queue at the other end: narrow, so bookkeeping
    and the server are not drowned in waiting requests.
    """

    QUEUE = 8  # requests allowed to wait at the server beyond the no-queue estimate
    SAMPLE = 64  # answers per adjustment
    # Typical latency up to this much over the best still counts as "no queue": answers
    # always vary a little (the other end's scheduling, our own loop), and without slack the
    # window would settle where the jitter alone balances QUEUE — 80 or so, 1,600 msg/s at
    # Telegram's 50 ms, reached only slowly — rather than where requests really queue.
    TOLERANCE = 1.5

    def __init__(self, initial: int = 16, maximum: int = 200) -> None:
        self.limit = float(initial)
        self.maximum = maximum
        self.in_flight = 0
        self._best = float("inf")
        self._latencies: list[float] = []
        self._waiting: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        """Take a place if one is free and nobody waits for one (no coroutine needed)."""
        if self.in_flight < int(self.limit) and not self._waiting:
            self.in_flight += 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        # Wait in turn, woken one per freed place: waking every waiter at each answer would
        # cost a resumption per waiting sender per message.
        place = asyncio.get_running_loop().create_future()
        self._waiting.append(place)
        try:
            await place  # whoever freed the place counted it for us
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():  # handed a place, then cancelled
                self.in_flight -= 1
                self._hand_on()
            raise

    def release(self, started: float | None) -> None:
        """Free a place; ``started`` (when the request went out) feeds the estimate."""
        self.in_flight -= 1
        if started is not None:
            self._latencies.append(time.monotonic() - started)
            if len(self._latencies) >= self.SAMPLE:
                self._adjust()
        self._hand_on()

    def _hand_on(self) -> None:
        while self._waiting and self.in_flight < int(self.limit):
            place = self._waiting.popleft()
            if not place.done():  # a cancelled waiter's place is done already: skipped
                self.in_flight += 1
                place.set_result(None)

    def _adjust(self) -> None:
        latencies, self._latencies = sorted(self._latencies), []
        typical = latencies[len(latencies) // 2]
        # the best forgets slowly, so a changed network is learnt again
        self._best = min(self._best * 1.05, latencies[len(latencies) // 10])
        gradient = max(0.5, min(1.0, self.TOLERANCE * self._best / typical)) if typical else 1.0
        target = self.limit * gradient + self.QUEUE
        self.limit = max(4.0, min(float(self.maximum), 0.8 * self.limit + 0.2 * target))


class Outcome(NamedTuple):
    """What became of one recipient (a tuple: one is made per message sent)."""

    recipient_id: int
    status: str  # sent | failed | release | token_refused
    telegram_message_id: int | None = None
    reason: str | None = None


def _refused_connection(error: TelegramNetworkError) -> bool:
    """A connection that was never made carried no request: safe to retry."""
    return isinstance(error.__cause__, aiohttp.ClientConnectorError)


async def deliver(
    recipient_id: int,
    chat_id: int,
    send: Callable[[int], Awaitable[Message]],
    pacer: Pacer,
    halted: Callable[[], bool] = lambda: False,
    *,
    have_slot: bool = False,
) -> tuple[Outcome, Message | None]:
    """Send to one recipient (``send(chat_id)``), retrying only what certainly did not reach
    Telegram.

    Retried: 429 (after its retry_after) and a connection refused before the request went
    out. Anything else after the request left — a 5xx from Telegram or a proxy, a lost or
    unreadable answer, an unexpected exception — may have been delivered: "outcome unknown",
    never repeated automatically. ``have_slot``: the caller already waited for the first
    request's slot. An outcome "release" means no request went out (halted while waiting):
    the claim can be given back; "token_refused" means the bot's token was refused (401/404):
    nothing was sent and the broadcast must stop.
    """
    refusals = 0
    floods = 0
    while True:
        if not have_slot and not await pacer.slot(halted):
            return Outcome(recipient_id, "release"), None
        have_slot = False
        try:
            message = await send(chat_id)
        except TelegramRetryAfter as error:
            pacer.hold(error.retry_after)
            floods += 1
            if floods > MAX_FLOOD_WAITS:
                return Outcome(recipient_id, "failed", reason=FLOOD_LIMIT), None
            continue
        except (TelegramUnauthorizedError, TelegramNotFound):
            return Outcome(recipient_id, "token_refused"), None
        except TelegramForbiddenError as error:
            return Outcome(recipient_id, "failed", reason=forbidden_reason(error.message)), None
        except TelegramBadRequest as error:
            if "chat not found" in error.message:
                return Outcome(recipient_id, "failed", reason=CHAT_NOT_FOUND), None
            return Outcome(recipient_id, "failed", reason=redact(error.message)[:200]), None
        except TelegramNetworkError as error:
            if not _refused_connection(error):  # the request may have been delivered
                return _unknown(recipient_id, error), None
            refusals += 1
            if refusals > MAX_RETRIES:
                return Outcome(recipient_id, "failed", reason=NETWORK), None
            await asyncio.sleep(BACKOFF_S[min(refusals, len(BACKOFF_S)) - 1])
            continue
        except Exception as error:  # 5xx, an HTML page from a proxy, anything unexpected
            return _unknown(recipient_id, error), None
        return Outcome(recipient_id, "sent", telegram_message_id=message.message_id), message


def forbidden_reason(message: str) -> str:
    """A 403's description as a reachability reason (blocked_users.reason) when it is one."""
    text = message.lower()
    if "deactivated" in text:
        return DEACTIVATED
    if "initiate" in text:  # "bot can't initiate conversation with a user"
        return NEVER_STARTED
    if "blocked" in text:
        return BLOCKED
    return redact(message)[:200]


def _unknown(recipient_id: int, error: BaseException) -> Outcome:
    if isinstance(error, TelegramServerError | TelegramNetworkError | ClientDecodeError):
        logger.warning("broadcast recipient %s: outcome unknown after %r", recipient_id, error)
    else:
        logger.exception("broadcast recipient %s: outcome unknown", recipient_id, exc_info=error)
    return Outcome(recipient_id, "failed", reason=OUTCOME_UNKNOWN)


class Settler:
    """Collect outcomes and write them in batches, each batch one statement."""

    def __init__(self, pool: asyncpg.Pool, sender_id: int) -> None:
        self.pool = pool
        self.sender_id = sender_id  # 403s are recorded against this bot
        self._sends: list[Outcome] = []
        self._deletions: list[tuple[int, str | None]] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def add(self, outcome: Outcome) -> None:
        self._sends.append(outcome)
        if len(self._sends) >= SETTLE_BATCH:
            self._wake.set()

    def add_deletion(self, recipient_id: int, error: str | None) -> None:
        self._deletions.append((recipient_id, error))
        if len(self._deletions) >= SETTLE_BATCH:
            self._wake.set()

    async def run(self) -> None:
        """Flush every SETTLE_EVERY_S, or sooner when a batch fills up."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SETTLE_EVERY_S)
            self._wake.clear()
            try:
                await self.flush()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                logger.warning("could not write broadcast outcomes; retrying", exc_info=True)
                await asyncio.sleep(1.0)

    async def flush(self) -> None:
        async with self._lock:
            sends, self._sends = self._sends, []
            deletions, self._deletions = self._deletions, []
            try:
                if sends:
                    await self.pool.execute(*_settle_query(sends, self.sender_id))
                if deletions:
                    await self.pool.execute(
                        *QUERIES.broadcast_settle_deletions(
                            ids=[d[0] for d in deletions], errors=[d[1] for d in deletions]
                        )
                    )
            except BaseException:
                # Keep them for the next try; a crash now leaves them "outcome unknown".
                self._sends[:0] = sends
                self._deletions[:0] = deletions
                raise


def _settle_query(sends: list[Outcome], sender_id: int) -> tuple[Any, ...]:
    ids, statuses, message_ids, reasons = (list(column) for column in zip(*sends, strict=True))
    return QUERIES.broadcast_settle(
        sender=sender_id, ids=ids, statuses=statuses, message_ids=message_ids, reasons=reasons
    )
