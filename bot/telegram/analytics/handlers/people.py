"""/user (and the buttons that open a card), /schema, /export."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, FSInputFile, Message

from bot.analytics import SchoolAnalytics
from bot.analytics.export import EXPORT_KINDS
from bot.limits import MAX_UPLOAD_BYTES
from bot.telegram.analytics import views
from bot.telegram.analytics.arguments import BadArguments, no_arguments, positive, usage, words
from bot.telegram.analytics.callbacks import OpenUser
from bot.telegram.analytics.keyboards import matches_keyboard, user_card_keyboard
from bot.telegram.core.filters import admin_router
from bot.telegram.core.formatting import fit, quoted_input
from bot.telegram.texts import Texts

EXPORT_MAX_BYTES = MAX_UPLOAD_BYTES - 1024 * 1024  # room for the multipart envelope
EXPORT_MAX_DAYS = 10 * 365


async def show_card(message: Message, school: SchoolAnalytics, texts: Texts, user_id: int) -> None:
    """A person's card, in as many messages as it needs; the buttons go under the last."""
    card = await school.user_card(user_id)
    if card is None:
        await message.answer(texts("user_not_found", query=user_id))
        return
    chunks = fit(views.user_card_lines(texts, card))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    keyboard = user_card_keyboard(texts, user_id, unreachable=not card.broadcast_reachable)
    await message.answer(chunks[-1], reply_markup=keyboard)


async def user_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/user <id|@username|name>: one card, or a button per match."""
    query = (command.args or "").strip()
    if not query:
        await usage(message, texts, "usage_user")
        return
    users = await school.find_users(query)
    if not users:
        await message.answer(texts("user_not_found", query=quoted_input(query)))
    elif len(users) == 1:
        await show_card(message, school, texts, users[0].user_id)
    else:
        await message.answer(
            texts("user_matches", n=len(users)), reply_markup=matches_keyboard(users)
        )


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


async def export_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/export <kind> [days]: a CSV file of one table."""
    args = words(command.args)
    try:
        if not 1 <= len(args) <= 2 or args[0].lower() not in EXPORT_KINDS:
            raise BadArguments(command.args)
        kind = args[0].lower()
        days = positive(args[1]) if len(args) > 1 else None
    except BadArguments:
        await usage(message, texts, "usage_export")
        return
    exported = await school.export(kind, days, max_bytes=EXPORT_MAX_BYTES)
    try:
        if exported.too_big:
            await message.answer(
                texts("export_too_big", mb=EXPORT_MAX_BYTES // (1024 * 1024), kind=kind)
            )
            return
        window = school.window(days, cap=EXPORT_MAX_DAYS)
        caption = texts(
            "export_caption",
            kind=kind,
            rows=texts.number(exported.rows),
            period=views.period(texts, window) if days else texts("period_everything"),
        )
        await message.answer_document(
            FSInputFile(exported.path, filename=exported.file_name), caption=caption
        )
    finally:
        await asyncio.to_thread(exported.discard)


def build_router() -> Router:
    router = admin_router("analytics-people")
    router.message.register(user_command, Command("user"))
    router.message.register(schema_command, Command("schema"))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(open_user_pressed, OpenUser.filter())
    return router
