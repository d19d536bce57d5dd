"""/user (and user-card buttons), /schema, /export."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.analytics import SchoolAnalytics
from bot.analytics.export import EXPORT_KINDS
from bot.analytics.models import Table, UserCard, UserSummary
from bot.telegram import analytics_views as views
from bot.telegram.analytics_common import BadArguments, positive, usage, words
from bot.telegram.callbacks import MessageUser, OpenUser
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts, quote

EXPORT_MAX_BYTES = 49 * 1024 * 1024  # Bot API uploads stop at 50 MB


# /user --------------------------------------------------------------------------------------


def card_text(texts: Texts, card: UserCard) -> list[str]:
    user = card.user
    lines = [
        texts(
            "user_title",
            name=views.person(texts, user.user_id, user.first_name, user.username),
            user_id=user.user_id,
        ),
        texts(
            "user_seen", first=texts.when(user.first_seen_at), last=texts.when(user.last_seen_at)
        ),
        texts("user_blocked", when=texts.when(card.blocked_at), reason=quote(card.blocked_reason))
        if card.blocked_at
        else texts("user_not_blocked"),
        "",
        texts("user_bookings"),
    ]
    none = [texts("user_none")]
    lines += [
        texts(
            "user_booking",
            course=views.course_name(texts, b.course_id),
            stream=views.stream_name(texts, b.stream),
            status=views.status_name(texts, b.status),
            when=texts.when(b.created_at),
        )
        for b in card.bookings
    ] or none
    lines += ["", texts("user_lessons")]
    lines += [
        texts(
            "user_lesson",
            lesson=quote(r.lesson_type) or "—",
            date=texts.day(r.lesson_date),
            when=texts.when(r.registered_at),
        )
        for r in card.registrations
    ] or none
    lines += ["", texts("user_events", shown=len(card.events), total=card.events_total)]
    lines += [
        texts("user_event", when=texts.when(e.created_at), event=quote(e.event_type))
        for e in card.events
    ] or none
    lines += ["", texts("user_broadcasts")]
    lines += [
        texts(
            "user_broadcast",
            when=texts.when(b.sent_at),
            text=views.preview(b.text),
            status=texts(f"delivery_{b.status}")
            if texts.has(f"delivery_{b.status}")
            else quote(b.status),
        )
        for b in card.broadcasts
    ] or none
    return lines


def card_keyboard(texts: Texts, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=texts("user_message_button"),
                    callback_data=MessageUser(user_id=user_id).pack(),
                )
            ]
        ]
    )


def matches_keyboard(users: tuple[UserSummary, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=views.user_button_text(u),
                    callback_data=OpenUser(user_id=u.user_id).pack(),
                )
            ]
            for u in users
        ]
    )


async def show_card(message: Message, school: SchoolAnalytics, texts: Texts, user_id: int) -> None:
    card = await school.user_card(user_id)
    if card is None:
        await message.answer(texts("user_not_found", query=user_id))
        return
    chunks = views.fit(card_text(texts, card))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=card_keyboard(texts, user_id))


async def user_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    query = (command.args or "").strip()
    if not query:
        await usage(message, texts, "usage_user")
        return
    users = await school.find_users(query)
    if not users:
        await message.answer(texts("user_not_found", query=quote(query)))
    elif len(users) == 1:
        await show_card(message, school, texts, users[0].user_id)
    else:
        await message.answer(
            texts("user_matches", n=len(users)), reply_markup=matches_keyboard(users)
        )


async def open_user_pressed(
    query: CallbackQuery, callback_data: OpenUser, school: SchoolAnalytics, texts: Texts
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_card(query.message, school, texts, callback_data.user_id)


# /schema ------------------------------------------------------------------------------------


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def schema_lines(texts: Texts, tables: tuple[Table, ...]) -> list[str]:
    lines = [texts("schema_title", n=len(tables))]
    for table in tables:
        rows = texts.number(table.rows)
        lines += [
            "",
            texts(
                "schema_table",
                name=quote(table.name),
                rows=texts("schema_estimate", rows=rows) if table.estimated else rows,
                size=_size(table.bytes),
            ),
            texts(
                "schema_columns",
                columns=", ".join(
                    f"{quote(c.name)} <i>{quote(c.type)}</i>" for c in table.columns
                ),
            ),
            texts(
                "schema_indexes",
                indexes="; ".join(
                    f"{quote(i.name)} {quote(i.definition)}" + (" UNIQUE" if i.unique else "")
                    for i in table.indexes
                ),
            )
            if table.indexes
            else texts("schema_no_indexes"),
        ]
    return lines


async def schema_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    if command.args and command.args.strip():
        await usage(message, texts, "usage_no_args", command="schema")
        return
    for chunk in views.fit(schema_lines(texts, await school.schema())):
        await message.answer(chunk)


# /export ------------------------------------------------------------------------------------


async def export_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    args = words(command.args)
    try:
        if not 1 <= len(args) <= 2 or args[0].lower() not in EXPORT_KINDS:
            raise BadArguments(command.args)
        kind = args[0].lower()
        days = positive(args[1]) if len(args) > 1 else None
    except BadArguments:
        await usage(message, texts, "usage_export")
        return
    exported = await school.export(kind, days)
    try:
        if exported.size > EXPORT_MAX_BYTES:
            await message.answer(
                texts("export_too_big", mb=EXPORT_MAX_BYTES // (1024 * 1024), kind=kind)
            )
            return
        window = school.window(days, cap=10 * 365)
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
    router = Router(name="analytics-people")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(user_command, Command("user"))
    router.message.register(schema_command, Command("schema"))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(open_user_pressed, OpenUser.filter())
    return router
