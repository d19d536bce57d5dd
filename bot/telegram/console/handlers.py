"""/start, /help, /cancel for admins; the fallback for what no feature claimed."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageEntity, Update, User

from bot.privacy import parse_target
from bot.telegram.console.callbacks import ConsoleMenu, ConsolePage, MenuChoice
from bot.telegram.console.commands import ADMIN_COMMANDS, MENU_CHOICES
from bot.telegram.console.keyboards import choices_keyboard, console_keyboard
from bot.telegram.console.states import MenuInput
from bot.telegram.console.views import help_lines
from bot.telegram.core.filters import NOT_A_COMMAND, IsAdmin, OnMessage, admin_router
from bot.telegram.core.formatting import fit
from bot.telegram.core.replies import edit_in_place, no_arguments
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


async def show_help(message: Message, texts: Texts, command: CommandObject | None = None) -> None:
    """List every admin command, with the arguments and an example of those that take some."""
    if not await no_arguments(message, command, texts):
        return
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


async def run_command(
    name: str,
    argument: str,
    message: Message,
    user: User | None,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """Run ``/name argument`` as if the admin had typed it, through the whole dispatcher
    (filters, flows, usage lines), so the menu reaches every command without knowing the
    features: what a command answers stays its own feature's business."""
    text = f"/{name} {argument}".rstrip()
    typed = Message(
        message_id=message.message_id,
        date=message.date,
        chat=message.chat,
        from_user=user,
        text=text,
        entities=[MessageEntity(type="bot_command", offset=0, length=len(name) + 1)],
    ).as_(bot)
    await dispatcher.feed_update(bot, Update(update_id=event_update.update_id, message=typed))


async def run_from_menu(
    query: CallbackQuery,
    callback_data: ConsoleMenu,
    message: Message,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """A menu button whose feature has no button handler of its own: its command, as if typed
    without arguments."""
    name = callback_data.command
    if name not in ADMIN_COMMANDS:
        return
    await run_command(name, "", message, query.from_user, bot, dispatcher, event_update)


# menu buttons of commands that need an argument: ask for it, then run the command with it

ASKED = {"user": MenuInput.typing_user_query, "forget": MenuInput.typing_forget_target}


async def ask_to_type(
    query: CallbackQuery,
    callback_data: ConsoleMenu,
    message: Message,
    state: FSMContext,
    texts: Texts,
) -> None:
    """/user, /forget from the menu: ask for whom, and wait for the next message."""
    await state.set_state(ASKED[callback_data.command])
    await message.answer(texts(f"ask_{callback_data.command}"))


async def user_query_typed(
    message: Message,
    state: FSMContext,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """The id, @username or name asked for: /user with it."""
    await state.clear()
    query = " ".join((message.text or "").split())
    await run_command("user", query, message, message.from_user, bot, dispatcher, event_update)


async def forget_target_typed(
    message: Message,
    state: FSMContext,
    texts: Texts,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """The id or @username asked for: /forget with it (its preview asks to confirm);
    anything else is asked again."""
    target = (message.text or "").strip()
    if parse_target(target) is None:
        await message.answer(texts("ask_forget_again"))
        return
    await state.clear()
    await run_command("forget", target, message, message.from_user, bot, dispatcher, event_update)


async def not_text(message: Message, texts: Texts) -> None:
    """A photo, a sticker… while a name or an id is awaited: ask for text, keep waiting."""
    await message.answer(texts("ask_as_text"))


async def offer_choices(
    query: CallbackQuery, callback_data: ConsoleMenu, message: Message, texts: Texts
) -> None:
    """/export from the menu: a button per table."""
    name = callback_data.command
    await message.answer(texts(f"ask_{name}"), reply_markup=choices_keyboard(texts, name))


async def choice_pressed(
    query: CallbackQuery,
    callback_data: MenuChoice,
    message: Message,
    bot: Bot,
    dispatcher: Dispatcher,
    event_update: Update,
) -> None:
    """A table's button: /export with it (XLSX, the command's default days)."""
    name, argument = callback_data.command, callback_data.argument
    if argument not in MENU_CHOICES.get(name, ()):
        return  # not a choice this menu offers (an old or forged button)
    await run_command(name, argument, message, query.from_user, bot, dispatcher, event_update)


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
    router.callback_query.register(ask_to_type, ConsoleMenu.filter(F.command.in_(ASKED)))
    router.callback_query.register(offer_choices, ConsoleMenu.filter(F.command.in_(MENU_CHOICES)))
    router.callback_query.register(choice_pressed, MenuChoice.filter())
    typed = (F.text, NOT_A_COMMAND)
    router.message.register(user_query_typed, MenuInput.typing_user_query, *typed)
    router.message.register(forget_target_typed, MenuInput.typing_forget_target, *typed)
    router.message.register(not_text, StateFilter(*ASKED.values()), ~F.text)
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
