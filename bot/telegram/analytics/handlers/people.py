"""/user (and the buttons that open a card), /schema."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.analytics import SchoolAnalytics
from bot.telegram.analytics import views
from bot.telegram.analytics.arguments import usage
from bot.telegram.analytics.callbacks import OpenUser
from bot.telegram.analytics.keyboards import matches_keyboard, user_card_keyboard
from bot.telegram.core.filters import admin_router
from bot.telegram.core.formatting import fit, quoted_input
from bot.telegram.core.replies import no_arguments
from bot.telegram.texts import Texts


async def show_card(message: Message, school: SchoolAnalytics, texts: Texts, user_id: int) -> None:
    """A person's card, in as many messages as it needs; the buttons go under the last."""
    card = await school.user_card(user_id)
    if card is None:
        await message.answer(texts("user_not_found", query=user_id))
        return
    chunks = fit(views.user_card_lines(texts, card))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    keyboard = user_card_keyboard(
        texts, user_id, unreachable=not card.broadcast_reachable, bookings=bool(card.bookings)
    )
    await message.answer(chunks[-1], reply_markup=keyboard)


async def user_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/user <id|@username|name>: one card, or a button per match."""
    query = (command.args or "").strip()
    if not query:
        await usage(message, texts, "usage_user")
        return
    matches = await school.search_users(query)
    users = matches.users
    if not users:
        await message.answer(texts("user_not_found", query=quoted_input(query)))
    elif len(users) == 1 and not matches.more:
        await show_card(message, school, texts, users[0].user_id)
    else:
        # only the first few are fetched: more than that says so instead of a count
        key = "user_matches_more" if matches.more else "user_matches"
        await message.answer(texts(key, n=len(users)), reply_markup=matches_keyboard(users))


async def open_user_pressed(
    query: CallbackQuery,
    callback_data: OpenUser,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """A person's button in a list: their card."""
    await show_card(message, school, texts, callback_data.user_id)


async def schema_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/schema: the database's tables, sizes, columns and indexes."""
    if not await no_arguments(message, command, texts):
        return
    for chunk in fit(views.schema_lines(texts, await school.schema())):
        await message.answer(chunk)


def build_router() -> Router:
    router = admin_router("analytics-people")
    router.message.register(user_command, Command("user"))
    router.message.register(schema_command, Command("schema"))
    router.callback_query.register(open_user_pressed, OpenUser.filter())
    return router
