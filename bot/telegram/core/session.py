"""The console bot's requests wait out Telegram's 429 and go again.

A handler that sends several messages in a row (a long card, a chart then its text) must not
die half-way on "retry after": the request waits the seconds Telegram asked for and is made
again, a few times at most. The broadcast engine paces its own requests and must see every 429
itself (one 429 holds all its senders), so requests made inside it pass straight through.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.broadcast.engine import PACED_BY_ENGINE

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response

logger = logging.getLogger(__name__)

FLOOD_RETRIES = 3
MAX_WAIT_S = 60.0  # a longer hold than this is reported, not slept through in a handler


class WaitOutFloods(BaseRequestMiddleware):
    """Retry a request after 429's retry_after (not inside the broadcast engine)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if PACED_BY_ENGINE.get():
            return await make_request(bot, method)
        for attempt in range(FLOOD_RETRIES + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == FLOOD_RETRIES or error.retry_after > MAX_WAIT_S:
                    raise
                logger.warning(
                    "%s: Telegram asks to wait %s s; waiting",
                    type(method).__name__,
                    error.retry_after,
                )
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")
