"""/start, /help, /cancel for admins; the fallback for what no feature claimed."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageEntity, Update

from bot.telegram.console.callbacks import ConsoleMenu, ConsolePage
from bot.telegram.console.commands import ADMIN_COMMANDS
from bot.telegram.console.keyboards import console_keyboard
from bot.telegram.console.views import help_lines
from bot.telegram.core.filters import IsAdmin, OnMessage, admin_router
from bot.telegram.core.formatting import fit
from bot.telegram.core.replies import edit_in_place
from bot.telegram.texts import Texts


async def show_console(
    message: Message, state: FSMContext, texts: Texts, dashboard_url: str | None = None
) -> None:
    """Leave any flow and show the console menu (with the Mini App's button when it is on)."""
    await state.clear()
    await message.answer(
        texts("console_title"),
        reply_markup=console_keyboard(texts, dashboard_url=dashboard_url),
    )


async def show_help(message: Message, texts: Texts) -> None:
    """List every admin command, with the arguments and an example of those that take some."""
    for chunk in fit(help_lines(texts)):
        await message.answer(chunk)


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
    await show_help(message, texts)


async def turn_menu_page(
    query: CallbackQuery,
    callback_data: ConsolePage,
    message: Message,
    texts: Texts,
    dashboard_url: str | None = None,
) -> None:
    """Turn the menu to "More…" or "Back": the same message shows the other page."""
    await edit_in_place(
        message, reply_markup=console_keyboard(texts, callback_data.page, dashboard_url)
    )


async def run_from_menu(
    query: CallbackQuery,
    callback_data: ConsoleMenu,
    message: Message,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """A menu button whose feature has no button handler of its own: run its command as if
    the admin had typed it without arguments, through the whole dispatcher (filters, flows,
    usage lines), so the menu reaches every command without knowing the features."""
    name = callback_data.command
    if name not in ADMIN_COMMANDS:
        return
    text = f"/{name}"
    typed = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        from_user=query.from_user,
        text=text,
        entities=[MessageEntity(type="bot_command", offset=0, length=len(text))],
    ).as_(bot)
    await dispatcher.feed_update(bot, Update(update_id=event_update.update_id, message=typed))


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
    router.callback_query.register(turn_menu_page, ConsolePage.filter())
    return router


def build_fallback_router() -> Router:
    """Included last among admin routers: an admin's text or button no feature claimed."""
    router = Router(name="console-fallback")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(admin_unknown)
    router.callback_query.register(run_from_menu, ConsoleMenu.filter(), OnMessage())
    router.callback_query.register(admin_stale_button)
    return router
