"""The admin guard, applied once per admin router, and what a press handler may rely on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

# What an admin types inside a flow: a command leaves the flow for its own handler instead.
NOT_A_COMMAND = ~F.text.startswith("/")


class IsAdmin(Filter):
    """Pass only updates from a user listed in ADMIN_IDS (``admin_ids`` in Dispatcher data)."""

    async def __call__(self, event: Message | CallbackQuery, admin_ids: frozenset[int]) -> bool:
        user = event.from_user
        if user is None or user.id not in admin_ids:
            return False
        if isinstance(event, Message):
            return event.chat.type == "private"
        return True


class OnMessage(Filter):
    """A press on a message the bot can still see; handlers receive it as ``message``.

    Presses without one (a forged query, a message too old to be accessible) reach no feature
    and end at the console's fallback, which answers them silently.
    """

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Message]:
        return {"message": query.message} if isinstance(query.message, Message) else False


def admin_router(name: str) -> Router:
    """A feature's router, guarded once: admins only, in private chats, presses on messages."""
    router = Router(name=name)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin(), OnMessage())
    return router
