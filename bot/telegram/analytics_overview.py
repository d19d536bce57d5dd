"""/stats, /growth, /daily, /events (and their console buttons)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from bot import charts
from bot.analytics import SchoolAnalytics
from bot.telegram import analytics_views as views
from bot.telegram.analytics_common import (
    BadArguments,
    answer_chart,
    days_or_all,
    one_optional,
    positive,
    render,
    usage,
    words,
)
from bot.telegram.commands import ConsoleMenu
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts

GROWTH_DEFAULT: int | None = 30
GROWTH_CHOICES = (7, 30, 90, 365, 0)  # 0: all
DAILY_DEFAULT = 7
DAILY_TEXT_UP_TO = 14
EVENTS_DEFAULT_TOP = 10
EVENTS_MAX_TOP = 25
EVENTS_DEFAULT_DAYS = 30


class GrowthWindow(CallbackData, prefix="growth"):
    """Redraw the growth chart over ``days`` (0: all history)."""

    days: int


def growth_keyboard(texts: Texts, current: int) -> InlineKeyboardMarkup:
    buttons = []
    for days in GROWTH_CHOICES:
        label = str(days) if days else texts("growth_all")
        if days == current:
            label = f"• {label} •"
        buttons.append(
            InlineKeyboardButton(text=label, callback_data=GrowthWindow(days=days).pack())
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


# /stats -------------------------------------------------------------------------------------


async def show_stats(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    await message.answer(views.stats_text(texts, await school.stats()))


async def stats_command(message: Message, school: SchoolAnalytics, texts: Texts) -> None:
    await show_stats(message, school, texts)


# /growth ------------------------------------------------------------------------------------


async def _growth_chart(
    school: SchoolAnalytics, texts: Texts, days: int | None
) -> tuple[bytes, str]:
    growth = await school.growth(days)
    png = await render(charts.growth_chart, growth, views.growth_labels(texts))
    return png, views.growth_caption(texts, growth)


async def show_growth(
    message: Message, school: SchoolAnalytics, texts: Texts, days: int | None
) -> None:
    png, caption = await _growth_chart(school, texts, days)
    await answer_chart(message, png, "growth.png", caption, growth_keyboard(texts, days or 0))


async def growth_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    try:
        days = one_optional(command.args, days_or_all, GROWTH_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_growth")
        return
    await show_growth(message, school, texts, days)


async def growth_window_pressed(
    query: CallbackQuery, callback_data: GrowthWindow, school: SchoolAnalytics, texts: Texts
) -> None:
    """Replace the chart in place (editMessageMedia) with the chosen window."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    days = callback_data.days or None
    png, caption = await _growth_chart(school, texts, days)
    await query.message.edit_media(
        InputMediaPhoto(media=BufferedInputFile(png, filename="growth.png"), caption=caption),
        reply_markup=growth_keyboard(texts, callback_data.days),
    )


# /daily -------------------------------------------------------------------------------------


async def show_daily(message: Message, school: SchoolAnalytics, texts: Texts, days: int) -> None:
    daily = await school.daily(days)
    if len(daily.rows) <= DAILY_TEXT_UP_TO:
        await message.answer(views.daily_table(texts, daily))
        return
    png = await render(charts.daily_chart, daily, views.daily_labels(texts))
    await answer_chart(message, png, "daily.png", views.daily_caption(texts, daily))


async def daily_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    try:
        days = one_optional(command.args, positive, DAILY_DEFAULT)
    except BadArguments:
        await usage(message, texts, "usage_daily")
        return
    await show_daily(message, school, texts, days)


# /events ------------------------------------------------------------------------------------


async def events_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
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
    labels = charts.Labels(title=texts("events_chart_title"), empty=texts("no_data"))
    png = await render(charts.events_chart, events, labels, numbers)
    await answer_chart(message, png, "events.png", views.events_text(texts, events))


# console buttons ----------------------------------------------------------------------------


async def menu_stats(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_stats(query.message, school, texts)


async def menu_growth(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_growth(query.message, school, texts, GROWTH_DEFAULT)


async def menu_daily(query: CallbackQuery, school: SchoolAnalytics, texts: Texts) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_daily(query.message, school, texts, DAILY_DEFAULT)


def build_router() -> Router:
    router = Router(name="analytics-overview")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(stats_command, Command("stats"))
    router.message.register(growth_command, Command("growth"))
    router.message.register(daily_command, Command("daily"))
    router.message.register(events_command, Command("events"))
    router.callback_query.register(growth_window_pressed, GrowthWindow.filter())
    router.callback_query.register(menu_stats, ConsoleMenu.filter(F.command == "stats"))
    router.callback_query.register(menu_growth, ConsoleMenu.filter(F.command == "growth"))
    router.callback_query.register(menu_daily, ConsoleMenu.filter(F.command == "daily"))
    return router
