"""The admin guard, applied once per admin router."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class IsAdmin(Filter):
    """Pass only updates from a user listed in ADMIN_IDS (``admin_ids`` in Dispatcher data)."""

    async def __call__(self, event: Message | CallbackQuery, admin_ids: frozenset[int]) -> bool:
        user = event.from_user
        if user is None or user.id not in admin_ids:
            return False
        if isinstance(event, Message):
            return event.chat.type == "private"
        return True
