"""Everything aiogram: routers, filters, keyboards, callbacks, states, texts."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command


def admin_routers() -> list[Router]:
    """Admin feature routers, each guarded by IsAdmin for messages and callbacks.

    Order matters only where two routers could claim the same update: flows with FSM states
    come before plain commands so a typed text inside a flow reaches its flow, and the
    console's fallback (an admin's unrecognised text) comes last.
    """
    from bot.telegram import analytics, broadcast, console, digest

    return [
        console.build_router(),
        *broadcast.build_routers(),
        *analytics.build_routers(),
        *digest.build_routers(),
        console.build_fallback_router(),
    ]


def public_router() -> Router:
    """Included after every admin router: what non-admins (and unclaimed updates) get."""
    from bot.telegram import public

    return public.build_router()


def admin_command_names(admin: list[Router]) -> frozenset[str]:
    """Every command an admin router answers, read from its handlers' Command filters."""
    names: set[str] = set()
    for router in admin:
        for handler in router.message.handlers:
            for flt in handler.filters or []:
                if isinstance(flt.callback, Command):
                    names.update(str(c).lower() for c in flt.callback.commands)
    names.add("start")
    return frozenset(names)
