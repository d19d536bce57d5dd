"""Move and Set status: pick from a list, then before → after with Confirm / Cancel."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.analytics import SchoolAnalytics
from bot.analytics.models import CANCELLED, STATUSES
from bot.school import BookingDesk
from bot.telegram.bookings.callbacks import BookingPick, BookingStep
from bot.telegram.bookings.handlers.card import current, other_streams, show_card
from bot.telegram.bookings.keyboards import confirm_keyboard, statuses_keyboard, streams_keyboard
from bot.telegram.bookings.views import asking_text, preview_text
from bot.telegram.core.filters import admin_router
from bot.telegram.core.replies import edit_in_place
from bot.telegram.texts import Texts


async def ask_stream(
    query: CallbackQuery,
    callback_data: BookingStep,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """Move: the course's other streams to pick from."""
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is None:
        return
    others = other_streams(await desk.streams(), booking)
    if booking.state.confirmed == CANCELLED:
        await show_card(
            message, desk, texts, booking, texts("desk_cancelled_not_moved"), edit=True
        )
    elif not others:
        await show_card(message, desk, texts, booking, texts("desk_no_other_stream"), edit=True)
    else:
        await edit_in_place(
            message,
            asking_text(texts, booking, "desk_pick_stream"),
            streams_keyboard(texts, booking, tuple(others)),
        )


async def ask_status(
    query: CallbackQuery,
    callback_data: BookingStep,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """Set status: the other statuses to pick from."""
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is not None:
        await edit_in_place(
            message,
            asking_text(texts, booking, "desk_pick_status"),
            statuses_keyboard(texts, booking),
        )


async def stream_picked(
    query: CallbackQuery,
    callback_data: BookingPick,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is None:
        return
    found = [
        s for s in other_streams(await desk.streams(), booking) if s.key == callback_data.value
    ]
    if not found:
        await show_card(message, desk, texts, booking, texts("desk_stream_gone"), edit=True)
        return
    wanted = replace(booking.state, course_stream=found[0].stream)
    await edit_in_place(
        message,
        preview_text(texts, booking, wanted),
        confirm_keyboard(texts, booking, "stream", callback_data.value, wanted.version),
    )


async def status_picked(
    query: CallbackQuery,
    callback_data: BookingPick,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    status = status_of(callback_data.value)
    if booking is None or status is None or status == booking.state.confirmed:
        return
    wanted = replace(booking.state, confirmed=status)
    await edit_in_place(
        message,
        preview_text(texts, booking, wanted),
        confirm_keyboard(texts, booking, "status", callback_data.value, wanted.version),
    )


def status_of(value: str) -> int | None:
    """A status from callback data (None for anything but one of STATUSES: a forged press)."""
    try:
        status = int(value)
    except ValueError:
        return None
    return status if status in STATUSES else None


def build_router() -> Router:
    router = admin_router("bookings-choose")
    router.callback_query.register(ask_stream, BookingStep.filter(F.step == "stream"))
    router.callback_query.register(ask_status, BookingStep.filter(F.step == "status"))
    router.callback_query.register(stream_picked, BookingPick.filter(F.field == "stream"))
    router.callback_query.register(status_picked, BookingPick.filter(F.field == "status"))
    return router
