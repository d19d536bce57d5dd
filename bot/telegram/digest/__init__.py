"""The daily digest in the chat: /digest, and the presenter the digest service is given."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.digest import handlers


def build_routers() -> list[Router]:
    """This feature's routers, each guarded for admins (``core.filters.admin_router``)."""
    return [handlers.build_router()]
