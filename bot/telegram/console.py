"""The console skeleton: /start, /help, /cancel for admins."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.telegram.commands import ConsoleMenu, help_lines
from bot.telegram.filters import IsAdmin
from bot.telegram.keyboards import console_keyboard
from bot.telegram.texts import Texts


async def show_console(message: Message, state: FSMContext, texts: Texts) -> None:
    await state.clear()
    await message.answer(texts("console_title"), reply_markup=console_keyboard(texts))


async def show_help(message: Message, texts: Texts) -> None:
    await message.answer("\n".join([texts("help_title"), *help_lines(texts)]))


async def cancel_flow(message: Message, state: FSMContext, texts: Texts) -> None:
    had_flow = await state.get_state() is not None
    await state.clear()
    await message.answer(
        texts("cancelled" if had_flow else "nothing_to_cancel"),
        reply_markup=console_keyboard(texts),
    )


async def show_help_from_menu(query: CallbackQuery, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer("\n".join([texts("help_title"), *help_lines(texts)]))


async def admin_unknown(message: Message, texts: Texts) -> None:
    await message.answer(texts("admin_unknown"))


async def admin_stale_button(query: CallbackQuery) -> None:
    await query.answer()


def build_router() -> Router:
    router = Router(name="console")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
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
