"""The booking desk in the chat: from a person's /user card, move their booking to another
stream, set its status, referral code or discount — before → after, then confirm.

The desk itself is :mod:`bot.school.bookings` (the Mini App's too); this package only asks and
shows. Handlers in ``handlers`` (``card``, ``choose``, ``typed``, ``confirm``), texts in
``views``, keyboards in ``keyboards``, callback data in ``callbacks``, the typed values'
``states``.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.bookings.handlers import card, choose, confirm, typed


def build_routers() -> list[Router]:
    """This feature's routers, each guarded for admins (``core.filters.admin_router``); the
    typed values' first, as flows come first (their state handlers see an admin's text)."""
    return [
        typed.build_router(),
        card.build_router(),
        choose.build_router(),
        confirm.build_router(),
    ]
