"""The broadcast console: audience → message → preview → send or schedule; then manage.

Handlers in ``handlers`` (``audience``, ``compose``, ``manage``, ``scheduled``), texts in
``views``, keyboards in ``keyboards``, callback data in ``callbacks``, the flow's ``states``,
and the ``presenter`` the delivery engine renders its card and reports with.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.broadcast.handlers import audience, compose, manage, scheduled


def build_routers() -> list[Router]:
    """This feature's routers, each guarded for admins (``core.filters.admin_router``).

    The flow comes first: its state handlers must see an admin's text before any feature's
    plain handlers do (commands are left to their own routers).
    """
    return [
        audience.build_router(),
        compose.build_router(),
        manage.build_router(),
        scheduled.build_router(),
    ]
