"""/courses (with stream pages), /lessons, /funnel, /retention, /leads."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot import charts
from bot.analytics import SchoolAnalytics
from bot.telegram.analytics import views
from bot.telegram.analytics.arguments import (
    BadArguments,
    one_optional,
    positive,
    usage,
)
from bot.telegram.analytics.callbacks import CoursesPage, StreamOpen, StreamPage
from bot.telegram.analytics.keyboards import courses_keyboard, leads_keyboard, students_keyboard
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import admin_router
from bot.telegram.core.replies import answer_chart, edit_in_place, no_arguments, render
from bot.telegram.texts import Texts

FUNNEL_DEFAULT = 30


async def courses_screen(school: SchoolAnalytics, texts: Texts, number: int) -> dict[str, Any]:
    """Page ``number`` of /courses as the bookings are now: the message's text and keyboard."""
    page = views.courses_page(texts, await school.streams(), number)
    return {
        "text": views.courses_text(texts, page.items, page.number, page.count),
        "reply_markup": courses_keyboard(texts, page),
    }


async def show_courses(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    await message.answer(**await courses_screen(school, texts, 0))


async def show_funnel(message: Message, school: SchoolAnalytics, texts: Texts, days: int) -> None:
    funnel = await school.funnel(days)
    png = await render(
        charts.funnel_chart, funnel, views.funnel_labels(texts), views.funnel_notes(texts, funnel)
    )
    await answer_chart(message, png, "funnel.png", views.funnel_text(texts, funnel))


async def show_leads(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    leads = await school.leads()
    await message.answer(views.leads_text(texts, leads), reply_markup=leads_keyboard(leads.hot))


# commands -----------------------------------------------------------------------------------


async def courses_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/courses: every course's streams with their statuses."""
    if await no_arguments(message, command, texts):
        await show_courses(message, school, texts)


async def lessons_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/lessons: free lessons with registrations, attendance and bookings after."""
    if not await no_arguments(message, command, texts):
        return
    report = await school.lessons()
    first = texts.day(report.first_day)
    await message.answer(views.lessons_text(texts, report.rows, first, school.today()))


async def funnel_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/funnel [days]: from /start to a confirmed booking."""
    try:
        days = one_optional(command.args, positive, FUNNEL_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_funnel")
        return
    await show_funnel(message, school, texts, days)


async def retention_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/retention: weekly cohorts as a heat map."""
    if not await no_arguments(message, command, texts):
        return
    retention = await school.retention()
    png = await render(charts.retention_chart, retention, views.retention_labels(texts))
    await answer_chart(message, png, "retention.png", views.retention_caption(texts, retention))


async def leads_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/leads: people active with the course bot who have not booked."""
    if await no_arguments(message, command, texts):
        await show_leads(message, school, texts)


# buttons ------------------------------------------------------------------------------------


async def turn_courses_page(
    query: CallbackQuery,
    callback_data: CoursesPage,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """◀ ▶ in /courses, in place."""
    await edit_in_place(message, **await courses_screen(school, texts, callback_data.page))


async def stream_opened(
    query: CallbackQuery,
    callback_data: StreamOpen,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """A stream's first page of people, as a new message."""
    page = await school.students(callback_data.key, 0)
    if page is None:
        await message.answer(texts("stream_gone"))
        return
    text = views.students_text(texts, page)
    await message.answer(text, reply_markup=students_keyboard(texts, page))


async def stream_page_pressed(
    query: CallbackQuery,
    callback_data: StreamPage,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """Another page of a stream's people, or its other list, in place of the one shown."""
    page = await school.students(
        callback_data.key, callback_data.page, viewers=callback_data.viewers
    )
    if page is None:
        await message.answer(texts("stream_gone"))
        return
    text = views.students_text(texts, page)
    await message.edit_text(text, reply_markup=students_keyboard(texts, page))


async def menu_courses(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Courses button."""
    await show_courses(message, school, texts)


async def menu_funnel(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Funnel button: the default period."""
    await show_funnel(message, school, texts, FUNNEL_DEFAULT)


async def menu_leads(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Leads button."""
    await show_leads(message, school, texts)


def build_router() -> Router:
    router = admin_router("analytics-school")
    router.message.register(courses_command, Command("courses"))
    router.message.register(lessons_command, Command("lessons"))
    router.message.register(funnel_command, Command("funnel"))
    router.message.register(retention_command, Command("retention"))
    router.message.register(leads_command, Command("leads"))
    router.callback_query.register(turn_courses_page, CoursesPage.filter())
    router.callback_query.register(stream_opened, StreamOpen.filter())
    router.callback_query.register(stream_page_pressed, StreamPage.filter())
    router.callback_query.register(menu_courses, ConsoleMenu.filter(F.command == "courses"))
    router.callback_query.register(menu_funnel, ConsoleMenu.filter(F.command == "funnel"))
    router.callback_query.register(menu_leads, ConsoleMenu.filter(F.command == "leads"))
    return router
