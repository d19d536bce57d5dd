"""Delete for everyone: remove each delivered copy, paced like sending, and record why not.

Deleting twice is harmless (unlike sending), so lost answers are retried and a crashed
sender's deletion claims are simply redone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.broadcast.engine import BACKOFF_S, MAX_RETRIES, Pacer, Settler, Window
from bot.broadcast.models import (
    BLOCKED,
    DEACTIVATED,
    NETWORK,
    OUTCOME_UNKNOWN,
    SERVER_ERROR,
    TOO_OLD,
)
from bot.db.queries import QUERIES
from bot.redact import redact

logger = logging.getLogger(__name__)

DELETE_WINDOW = timedelta(hours=48)  # Telegram lets a bot delete its messages this long


async def delete_copy(bot: Bot, chat_id: int, message_id: int, pacer: Pacer) -> str | None:
    """Delete one delivered copy; None when it is gone, else why it could not be deleted."""
    failures = 0
    while True:
        await pacer.slot()
        try:
            await bot.delete_message(chat_id, message_id)
            return None
        except TelegramRetryAfter as error:
            pacer.hold(error.retry_after)
            continue
        except TelegramBadRequest as error:
            text = error.message
            if "can't be deleted" in text:
                return TOO_OLD
            if "not found" in text and "chat" not in text:
                return None  # already gone (deleted earlier, or by the user)
            return redact(text)[:200]
        except TelegramForbiddenError as error:
            return DEACTIVATED if "deactivated" in error.message else BLOCKED
        except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as error:
            # Deleting twice is harmless, so even a lost or unreadable answer can be retried.
            failures += 1
            if failures > MAX_RETRIES:
                if isinstance(error, TelegramServerError):
                    return SERVER_ERROR
                return NETWORK if isinstance(error, TelegramNetworkError) else OUTCOME_UNKNOWN
            await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S)) - 1])


async def delete_copies(
    bid: int,
    *,
    pool: asyncpg.Pool,
    bot: Bot,
    pacer: Pacer,
    settler: Settler,
    window: Window,
    owner: int,
    epoch: int,
    claim_size: int,
    stopping: Callable[[], bool],
    recover: Callable[[], Awaitable[None]],
) -> bool:
    """Delete every delivered copy of a broadcast; True once its deletion is finished."""
    in_flight: set[asyncio.Task[None]] = set()

    async def delete_one(row: Any, started: float) -> None:
        try:
            try:
                error = await delete_copy(bot, row["user_id"], row["telegram_message_id"], pacer)
            except Exception:  # whatever it was, this copy's deletion ends, recorded
                logger.exception("deleting copy %s of broadcast %s failed", row["id"], bid)
                error = OUTCOME_UNKNOWN
            settler.add_deletion(row["id"], error)
        finally:
            window.release(started)

    try:
        while not stopping():
            rows = await pool.fetch(
                *QUERIES.broadcast_claim_deletions(
                    message_id=bid, owner=owner, limit=claim_size, epoch=epoch
                )
            )
            if not rows:
                if in_flight:
                    await asyncio.gather(*in_flight, return_exceptions=True)
                await settler.flush()
                if await pool.fetchval(*QUERIES.broadcast_finish_delete(message_id=bid)):
                    return True
                await asyncio.sleep(1.0)
                await recover()
                continue
            too_old = datetime.now(UTC) - DELETE_WINDOW
            for row in sorted(rows, key=lambda r: r["id"]):
                if row["settled_at"] is not None and row["settled_at"] < too_old:
                    settler.add_deletion(row["id"], TOO_OLD)
                    continue
                await window.acquire()
                task = asyncio.create_task(delete_one(row, time.monotonic()))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        return False
    finally:
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
