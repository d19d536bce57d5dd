"""The dispatcher's error handler: log the failure once, apologise to the admin briefly."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.types import ErrorEvent

from bot.telegram.texts import Texts

logger = logging.getLogger(__name__)


async def apologise(event: ErrorEvent, bot: Bot, texts: Texts, admin_ids: frozenset[int]) -> None:
    """Log an unexpected failure once, with its traceback; tell the admin briefly."""
    logger.error(
        "update %s failed: %r", event.update.update_id, event.exception, exc_info=event.exception
    )
    update = event.update
    origin = update.message or (update.callback_query.message if update.callback_query else None)
    user = update.message.from_user if update.message else None
    if update.callback_query is not None:
        user = update.callback_query.from_user
        try:
            await update.callback_query.answer()
        except Exception:  # the query may be too old to answer; the apology still goes out
            logger.debug("could not answer callback after error", exc_info=True)
    if user is None or user.id not in admin_ids or origin is None:
        return
    try:
        await bot.send_message(origin.chat.id, texts("apology"))
    except Exception:
        logger.warning("could not send the apology to %s", origin.chat.id, exc_info=True)
