"""/courses (with stream pages), /lessons, /funnel, /retention, /leads."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import charts
from bot.analytics import SchoolAnalytics
from bot.analytics.models import Lead, Stream, StudentsPage
from bot.telegram import analytics_views as views
from bot.telegram.analytics_common import (
    BadArguments,
    answer_chart,
    one_optional,
    positive,
    render,
    usage,
)
from bot.telegram.callbacks import OpenUser
from bot.telegram.commands import ConsoleMenu
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts

FUNNEL_DEFAULT = 30


class StreamOpen(CallbackData, prefix="stream"):
    """Open the people of the stream whose :attr:`Stream.key` is ``key`` (a new message)."""

    key: str


class StreamPage(CallbackData, prefix="streampage"):
    """Page ``page`` of the people of the stream whose :attr:`Stream.key` is ``key``."""

    key: str
    page: int


def courses_keyboard(texts: Texts, streams: tuple[Stream, ...]) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(
            text=f"👥 {views.course_name(texts, s.course_id)} · {s.stream or '—'}"[:60],
            callback_data=StreamOpen(key=s.key).pack(),
        )
        for s in streams
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[b] for b in buttons])


def students_keyboard(texts: Texts, page: StudentsPage) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"{s.first_name or ''} {'@' + s.username if s.username else ''} · "
                f"{s.user_id}".strip()[:60],
                callback_data=OpenUser(user_id=s.user_id).pack(),
            )
        ]
        for s in page.students
    ]
    nav = []
    if page.page > 0:
        nav.append(
            InlineKeyboardButton(
                text=texts("prev_page"),
                callback_data=StreamPage(key=page.stream.key, page=page.page - 1).pack(),
            )
        )
    if page.page + 1 < page.pages:
        nav.append(
            InlineKeyboardButton(
                text=texts("next_page"),
                callback_data=StreamPage(key=page.stream.key, page=page.page + 1).pack(),
            )
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def leads_keyboard(leads: tuple[Lead, ...]) -> InlineKeyboardMarkup | None:
    if not leads:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{n}. {lead.first_name or ''} "
                    f"{'@' + lead.username if lead.username else ''} · {lead.user_id}"[:60],
                    callback_data=OpenUser(user_id=lead.user_id).pack(),
                )
            ]
            for n, lead in enumerate(leads, 1)
        ]
    )


async def no_arguments(message: Message, command: CommandObject, texts: Texts) -> bool:
    """Answer the usage line when a command that takes none got arguments."""
    if command.args and command.args.strip():
        await usage(message, texts, "usage_no_args", command=command.command)
        return False
    return True


# /courses -----------------------------------------------------------------------------------


async def show_courses(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    streams = await school.streams()
    await message.answer(
        views.courses_text(texts, streams), reply_markup=courses_keyboard(texts, streams)
    )


async def courses_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    if await no_arguments(message, command, texts):
        await show_courses(message, school, texts)


async def _stream_page(
    query: CallbackQuery,
    key: str,
    number: int,
    school: SchoolAnalytics,
    texts: Texts,
    *,
    opening: bool,
) -> None:
    """The first page comes as a new message; paging edits that message in place."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    page = await school.students(key, number)
    if page is None:
        await query.message.answer(texts("stream_gone"))
        return
    text = views.students_text(texts, page)
    keyboard = students_keyboard(texts, page)
    if opening:
        await query.message.answer(text, reply_markup=keyboard)
    else:
        await query.message.edit_text(text, reply_markup=keyboard)


async def stream_opened(
    query: CallbackQuery, callback_data: StreamOpen, school: SchoolAnalytics, texts: Texts
) -> None:
    await _stream_page(query, callback_data.key, 0, school, texts, opening=True)


async def stream_page_pressed(
    query: CallbackQuery, callback_data: StreamPage, school: SchoolAnalytics, texts: Texts
) -> None:
    await _stream_page(query, callback_data.key, callback_data.page, school, texts, opening=False)


# /lessons, /funnel, /retention, /leads ------------------------------------------------------


async def lessons_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    if not await no_arguments(message, command, texts):
        return
    report = await school.lessons()
    await message.answer(views.lessons_text(texts, report.rows, texts.day(report.first_day)))


async def show_funnel(message: Message, school: SchoolAnalytics, texts: Texts, days: int) -> None:
    funnel = await school.funnel(days)
    png = await render(
        charts.funnel_chart, funnel, views.funnel_labels(texts), views.funnel_notes(texts, funnel)
    )
    await answer_chart(message, png, "funnel.png", views.funnel_text(texts, funnel))


async def funnel_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    try:
        days = one_optional(command.args, positive, FUNNEL_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_funnel")
        return
    await show_funnel(message, school, texts, days)


async def retention_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    if not await no_arguments(message, command, texts):
        return
    retention = await school.retention()
    png = await render(charts.retention_chart, retention, views.retention_labels(texts))
    await answer_chart(message, png, "retention.png", views.retention_caption(texts, retention))


async def show_leads(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    leads = await school.leads()
    await message.answer(views.leads_text(texts, leads), reply_markup=leads_keyboard(leads.hot))


async def leads_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    if await no_arguments(message, command, texts):
        await show_leads(message, school, texts)


# console buttons ----------------------------------------------------------------------------


async def menu_courses(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_courses(query.message, school, texts)


async def menu_funnel(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_funnel(query.message, school, texts, FUNNEL_DEFAULT)


async def menu_leads(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_leads(query.message, school, texts)


def build_router() -> Router:
    router = Router(name="analytics-school")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(courses_command, Command("courses"))
    router.message.register(lessons_command, Command("lessons"))
    router.message.register(funnel_command, Command("funnel"))
    router.message.register(retention_command, Command("retention"))
    router.message.register(leads_command, Command("leads"))
    router.callback_query.register(stream_opened, StreamOpen.filter())
    router.callback_query.register(stream_page_pressed, StreamPage.filter())
    router.callback_query.register(menu_courses, ConsoleMenu.filter(F.command == "courses"))
    router.callback_query.register(menu_funnel, ConsoleMenu.filter(F.command == "funnel"))
    router.callback_query.register(menu_leads, ConsoleMenu.filter(F.command == "leads"))
    return router
