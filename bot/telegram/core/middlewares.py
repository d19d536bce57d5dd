"""Dispatcher-wide middlewares: the reader's language, who wrote to the bot, and one answer for
every button press."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.db.records import Records
from bot.telegram.core.language import Localize

# A handler that answers its press with a text or an alert, decided by what it did, sets
# ``callback_answer.text`` and registers with this flag; every other press is answered before
# its handler runs, so slow work (a chart, a query) never leaves the button spinning.
ANSWER_AFTER = {"callback_answer": {"pre": False}}


class TrackUsers(BaseMiddleware):
    """Remember every non-admin who writes to the bot privately (latest names, when)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = getattr(event, "from_user", None)
        admin_ids: frozenset[int] = data["admin_ids"]
        records: Records = data["records"]
        private = (
            event.chat.type == "private"
            if isinstance(event, Message)
            else isinstance(event, CallbackQuery)
        )
        if user is not None and private and not user.is_bot and user.id not in admin_ids:
            await records.saw_user(user.id, user.username, user.first_name)
        return await handler(event, data)


def install_middlewares(dispatcher: Dispatcher) -> None:
    """The reader's texts and user bookkeeping before any filter; callback answers around every
    press handler. Localize sits on the update itself, so the error handler speaks the same
    language as the handler that failed."""
    dispatcher.update.outer_middleware(Localize())
    tracker = TrackUsers()
    dispatcher.message.outer_middleware(tracker)
    dispatcher.callback_query.outer_middleware(tracker)
    dispatcher.callback_query.middleware(CallbackAnswerMiddleware(pre=True))
