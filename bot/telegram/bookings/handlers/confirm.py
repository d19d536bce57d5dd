"""Confirm under before → after: the desk writes the change the preview showed, or refuses
(stale: the current card; gone; a value the course bot would not write)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.analytics import SchoolAnalytics
from bot.school import Booking, BookingDesk, Change, Invalid, Stale
from bot.telegram.bookings.callbacks import BookingConfirm
from bot.telegram.bookings.handlers.card import show_card
from bot.telegram.bookings.handlers.choose import status_of
from bot.telegram.bookings.handlers.typed import BOOKING, CODE
from bot.telegram.core.filters import admin_router
from bot.telegram.core.replies import edit_in_place
from bot.telegram.texts import Texts

# What the desk refuses although the preview offered it (the course's streams moved on), and
# anything else a forged press may carry: "out of date".
REFUSED_KEYS = {
    "no_such_stream": "desk_stream_gone",
    "cancelled_not_moved": "desk_cancelled_not_moved",
}


async def confirm_pressed(
    query: CallbackQuery,
    callback_data: BookingConfirm,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
    state: FSMContext,
) -> None:
    """Write the change the preview showed; refused with the current card when stale."""
    desk = BookingDesk(school)
    booking = await desk.booking(callback_data.booking_id)
    if booking is None:
        await edit_in_place(message, texts("desk_gone", id=callback_data.booking_id), None)
        return
    values = await _values(callback_data, booking, desk, state)
    # Still as shown, the change must be the one the preview showed (a stream list that moved
    # on, a code typed again since): else nothing is written.
    if values is None or (
        booking.state.version == callback_data.shown
        and replace(booking.state, **values).version != callback_data.wanted
    ):
        await edit_in_place(message, texts("desk_expired"), None)
        return
    change = Change(booking.id, callback_data.shown, values)
    try:
        after = await desk.apply(change, query.from_user.id, "chat")
    except Stale as stale:
        await show_card(message, desk, texts, stale.now, texts("desk_stale"), edit=True)
        return
    except Invalid as invalid:
        note = texts(REFUSED_KEYS.get(invalid.reason, "desk_expired"))
        await show_card(message, desk, texts, booking, note, edit=True)
        return
    if after is None:
        await edit_in_place(message, texts("desk_gone", id=booking.id), None)
        return
    if callback_data.field == "code":
        await state.update_data({CODE: None})
    await show_card(message, desk, texts, after, texts("desk_saved"), edit=True)


async def _values(
    pressed: BookingConfirm, booking: Booking, desk: BookingDesk, state: FSMContext
) -> dict[str, Any] | None:
    """What the confirmed preview sets, from the press (and the flow's data for a code)."""
    if pressed.field == "stream":
        found = [
            s.stream
            for s in (await desk.streams()).get(booking.course_id, ())
            if s.key == pressed.value
        ]
        return {"course_stream": found[0]} if found else None
    if pressed.field == "status":
        status = status_of(pressed.value)
        return {"confirmed": status} if status is not None else None
    if pressed.field == "discount":
        return {"discount_percent": int(pressed.value)} if pressed.value.isdigit() else None
    data = await state.get_data()
    if data.get(BOOKING) != booking.id or CODE not in data:
        return None
    return {"referral_code": data[CODE]}


def build_router() -> Router:
    router = admin_router("bookings-confirm")
    router.callback_query.register(confirm_pressed, BookingConfirm.filter())
    return router
