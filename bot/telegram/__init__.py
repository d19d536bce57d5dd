"""Everything aiogram, one package per feature (each: handlers, views, keyboards, callbacks).

``core`` holds what every feature shares; ``texts`` the phrases in both languages. This module
is the one place where the features are put together into a dispatcher.
"""

from __future__ import annotations

from aiogram import Dispatcher, Router
from aiogram.filters import Command

from bot.telegram import analytics, bookings, broadcast, digest, privacy
from bot.telegram.console import handlers as console
from bot.telegram.console.commands import ADMIN_COMMANDS
from bot.telegram.core.errors import apologise
from bot.telegram.core.middlewares import install_middlewares
from bot.telegram.public import handlers as public


def admin_routers() -> list[Router]:
    """Admin feature routers, each guarded for admins (``core.filters.admin_router``).

    Order matters only where two routers could claim the same update: flows with FSM states
    come before plain commands so a typed text inside a flow reaches its flow, and the
    console's fallback (an admin's unrecognised text or button) comes last.
    """
    return [
        console.build_router(),
        *broadcast.build_routers(),
        *bookings.build_routers(),
        *analytics.build_routers(),
        *digest.build_routers(),
        *privacy.build_routers(),
        console.build_fallback_router(),
    ]


def public_router() -> Router:
    """Included after every admin router: what non-admins (and unclaimed updates) get."""
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


def setup_dispatcher(dispatcher: Dispatcher) -> None:
    """Include every router, the middlewares and the error handler.

    The public side needs the admin commands' names (to refuse them like unknown text), so
    they are read off the routers here and put into the dispatcher's data.
    """
    admin = admin_routers()
    dispatcher.include_routers(*admin, public_router())
    dispatcher["admin_command_names"] = admin_command_names(admin) | frozenset(ADMIN_COMMANDS)
    install_middlewares(dispatcher)
    dispatcher.errors.register(apologise)
