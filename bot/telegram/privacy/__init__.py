"""/forget in the chat: erase a person's personal data after a preview and a confirmation."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.privacy import handlers


def build_routers() -> list[Router]:
    """This feature's routers, each guarded for admins (``core.filters.admin_router``)."""
    return [handlers.build_router()]
