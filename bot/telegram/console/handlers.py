"""/start, /help, /cancel for admins; the fallback for what no feature claimed."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.console.keyboards import console_keyboard
from bot.telegram.console.views import help_text
from bot.telegram.core.filters import IsAdmin, admin_router
from bot.telegram.texts import Texts


async def show_console(message: Message, state: FSMContext, texts: Texts) -> None:
    """Leave any flow and show the console menu."""
    await state.clear()
    await message.answer(texts("console_title"), reply_markup=console_keyboard(texts))


async def show_help(message: Message, texts: Texts) -> None:
    """List every admin command."""
    await message.answer(help_text(texts))


async def cancel_flow(message: Message, state: FSMContext, texts: Texts) -> None:
    """Leave the current flow (or say there was none) and show the menu again."""
    had_flow = await state.get_state() is not None
    await state.clear()
    await message.answer(
        texts("cancelled" if had_flow else "nothing_to_cancel"),
        reply_markup=console_keyboard(texts),
    )


async def show_help_from_menu(query: CallbackQuery, message: Message, texts: Texts) -> None:
    """The menu's Help button."""
    await message.answer(help_text(texts))


async def admin_unknown(message: Message, texts: Texts) -> None:
    """An admin's text that no feature understood: say so, point at /help."""
    await message.answer(texts("admin_unknown"))


async def admin_stale_button(query: CallbackQuery) -> None:
    """A press no feature claimed (an old keyboard): answered by the middleware, nothing else."""


def build_router() -> Router:
    router = admin_router("console")
    router.message.register(show_console, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(cancel_flow, Command("cancel"))
    router.callback_query.register(show_help_from_menu, ConsoleMenu.filter(F.command == "help"))
    return router


def build_fallback_router() -> Router:
    """Included last among admin routers: an admin's text or button no feature claimed."""
    router = Router(name="console-fallback")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(admin_unknown)
    router.callback_query.register(admin_stale_button)
    return router
