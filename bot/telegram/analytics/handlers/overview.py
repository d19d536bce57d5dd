"""/stats, /growth, /daily, /events (and their console buttons)."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message

from bot import charts
from bot.analytics import MAX_DAYS, SchoolAnalytics
from bot.analytics.models import Daily, Growth, Window
from bot.telegram.analytics import views
from bot.telegram.analytics.arguments import (
    BadArguments,
    days_or_all,
    one_optional,
    positive,
    usage,
    words,
)
from bot.telegram.analytics.callbacks import GrowthWindow
from bot.telegram.analytics.keyboards import growth_keyboard
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import admin_router
from bot.telegram.core.replies import answer_chart, no_arguments, render
from bot.telegram.texts import Texts

GROWTH_DEFAULT: int | None = 30
DAILY_DEFAULT: int | None = 7
DAILY_TEXT_UP_TO = 14  # a table fits a phone up to this many days; longer gets a chart
# A growth chart shows at least this many days: a shorter window is drawn after the days
# before it (muted), so one day's bar has something to be compared with.
GROWTH_MIN_CHART_DAYS = 7
EVENTS_DEFAULT_TOP = 10
EVENTS_MAX_TOP = 25
EVENTS_DEFAULT_DAYS = 30


async def show_stats(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    await message.answer(views.stats_text(texts, await school.stats()))


def capped(window: Window, asked: int | None) -> Window:
    """``window`` noting that ``asked`` days were asked for, when that is over the cap."""
    if asked is not None and asked > MAX_DAYS:
        return replace(window, capped_from=asked)
    return window


async def growth_chart(
    school: SchoolAnalytics, texts: Texts, days: int | None
) -> tuple[bytes, str]:
    """The growth chart over ``days`` (None: all history) and its caption.

    Every window is capped at MAX_DAYS, as /daily, /events and /funnel are ("all" is the
    whole history).
    """
    wanted = None if days is None else min(days, MAX_DAYS)
    shown = await school.growth(None if wanted is None else max(wanted, GROWTH_MIN_CHART_DAYS))
    growth = shown
    if wanted is not None and wanted < len(shown.days):
        growth = Growth(school.window(wanted), shown.days[-wanted:])
    elif wanted is not None:  # the school is younger than the window: all of it, as asked
        growth = replace(shown, window=replace(shown.window, days=wanted))
    growth = replace(growth, window=capped(growth.window, days))
    png = await render(
        charts.growth_chart,
        shown,
        views.growth_labels(texts, until_now=True),
        views.growth_numbers(texts, shown),
        len(shown.days) - len(growth.days),
    )
    return png, views.growth_caption(texts, growth, until_now=True)


async def show_growth(
    message: Message, school: SchoolAnalytics, texts: Texts, days: int | None
) -> None:
    png, caption = await growth_chart(school, texts, days)
    keyboard = growth_keyboard(texts, min(days, MAX_DAYS) if days else 0)
    await answer_chart(message, png, "growth.png", caption, keyboard)


async def daily(school: SchoolAnalytics, days: int | None) -> Daily:
    """Each day's figures over ``days`` (capped like every window; None: all history)."""
    if days is not None:
        return await school.daily(days)
    # SchoolAnalytics.daily takes a number only: the history starts where growth's does.
    first_day = (await school.growth(None)).window.first_day or school.today()
    whole = await school.daily_between(first_day, school.today())
    return replace(whole, window=Window(first_day, school.today(), None))


async def show_daily(
    message: Message, school: SchoolAnalytics, texts: Texts, days: int | None
) -> None:
    """A table for a short period, a chart for a longer one."""
    figures = await daily(school, days)
    if len(figures.rows) <= DAILY_TEXT_UP_TO:
        await message.answer(views.daily_table(texts, figures))
        return
    png = await render(charts.daily_chart, figures, views.daily_labels(texts))
    await answer_chart(message, png, "daily.png", views.daily_caption(texts, figures))


# commands -----------------------------------------------------------------------------------


async def stats_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/stats: the school at a glance."""
    if await no_arguments(message, command, texts):
        await show_stats(message, school, texts)


async def growth_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/growth [days|all]: new users per day and the running total."""
    try:
        days = one_optional(command.args, days_or_all, GROWTH_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_growth")
        return
    await show_growth(message, school, texts, days)


async def daily_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/daily [days|all]: each day's figures."""
    try:
        days = one_optional(command.args, days_or_all, DAILY_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_daily")
        return
    await show_daily(message, school, texts, days)


async def events_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/events [top] [days]: the most frequent event types."""
    args = words(command.args)
    try:
        if len(args) > 2:
            raise BadArguments(command.args)
        top = positive(args[0]) if args else EVENTS_DEFAULT_TOP
        days = positive(args[1]) if len(args) > 1 else EVENTS_DEFAULT_DAYS
    except BadArguments:
        await usage(message, texts, "usage_events")
        return
    events = await school.top_events(min(top, EVENTS_MAX_TOP), days)
    numbers = [texts.number(r.count) for r in events.rows]
    labels = charts.Labels(
        title=texts("events_chart_title"),
        empty=texts("no_data"),
        series=tuple(texts.code_name("event", r.event_type) for r in events.rows),
        number=texts.number,
    )
    png = await render(charts.events_chart, events, labels, numbers)
    await answer_chart(message, png, "events.png", views.events_text(texts, events))


# buttons ------------------------------------------------------------------------------------


async def growth_window_pressed(
    query: CallbackQuery,
    callback_data: GrowthWindow,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """Replace the chart in place (editMessageMedia) with the chosen window."""
    png, caption = await growth_chart(school, texts, callback_data.days or None)
    await message.edit_media(
        InputMediaPhoto(media=BufferedInputFile(png, filename="growth.png"), caption=caption),
        reply_markup=growth_keyboard(texts, min(callback_data.days, MAX_DAYS)),
    )


async def menu_stats(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Stats button."""
    await show_stats(message, school, texts)


async def menu_growth(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Growth button: the default window."""
    await show_growth(message, school, texts, GROWTH_DEFAULT)


async def menu_daily(
    query: CallbackQuery, message: Message, school: SchoolAnalytics, texts: Texts
) -> None:
    """The menu's Daily button: the default period."""
    await show_daily(message, school, texts, DAILY_DEFAULT)


def build_router() -> Router:
    router = admin_router("analytics-overview")
    router.message.register(stats_command, Command("stats"))
    router.message.register(growth_command, Command("growth"))
    router.message.register(daily_command, Command("daily"))
    router.message.register(events_command, Command("events"))
    router.callback_query.register(growth_window_pressed, GrowthWindow.filter())
    router.callback_query.register(menu_stats, ConsoleMenu.filter(F.command == "stats"))
    router.callback_query.register(menu_growth, ConsoleMenu.filter(F.command == "growth"))
    router.callback_query.register(menu_daily, ConsoleMenu.filter(F.command == "daily"))
    return router
