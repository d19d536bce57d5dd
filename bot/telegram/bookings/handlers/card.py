"""Opening a booking's card (from a /user card, or a person's choice of bookings), Back.

Every press carries the version of the state its message showed; :func:`current` gives a press
on a message older than the booking's last change the current card instead (nothing is
written), for every module of this package.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from bot.analytics import SchoolAnalytics
from bot.analytics.models import CANCELLED, Stream
from bot.school import Booking, BookingDesk
from bot.telegram.analytics.views import person
from bot.telegram.bookings.callbacks import BookingStep, ManageBookings, OpenBooking
from bot.telegram.bookings.keyboards import bookings_keyboard, card_keyboard
from bot.telegram.bookings.views import card_text, choice_text
from bot.telegram.core.filters import admin_router
from bot.telegram.core.replies import edit_in_place
from bot.telegram.texts import Texts


def other_streams(streams: dict[int | None, tuple[Stream, ...]], booking: Booking) -> list[Stream]:
    """The streams of the booking's course it could move to."""
    return [
        s for s in streams.get(booking.course_id, ()) if s.stream != booking.state.course_stream
    ]


async def show_card(
    message: Message,
    desk: BookingDesk,
    texts: Texts,
    booking: Booking,
    *notes: str,
    edit: bool = False,
) -> None:
    """A booking's card with its buttons: a new message, or in place of ``message``."""
    movable = booking.state.confirmed != CANCELLED and bool(
        other_streams(await desk.streams(), booking)
    )
    text = card_text(texts, booking, *notes)
    keyboard = card_keyboard(texts, booking, movable=movable)
    if edit:
        await edit_in_place(message, text, keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def current(
    message: Message, desk: BookingDesk, texts: Texts, booking_id: int, shown: str
) -> Booking | None:
    """The booking, when it is still what ``message`` showed; otherwise say so in its place
    (gone, or the current card) and return None."""
    booking = await desk.booking(booking_id)
    if booking is None:
        await edit_in_place(message, texts("desk_gone", id=booking_id), None)
        return None
    if booking.state.version != shown:
        await show_card(message, desk, texts, booking, texts("desk_stale"), edit=True)
        return None
    return booking


async def manage_pressed(
    query: CallbackQuery,
    callback_data: ManageBookings,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """ "Manage booking" on a /user card: the booking's card, or a choice when there are more."""
    desk = BookingDesk(school)
    bookings = await desk.bookings_of(callback_data.user_id)
    if not bookings:
        await message.answer(texts("desk_no_bookings", user_id=callback_data.user_id))
    elif len(bookings) == 1:
        await show_card(message, desk, texts, bookings[0])
    else:
        first = bookings[0]
        name = person(texts, first.user_id, first.first_name, first.username)
        await message.answer(
            choice_text(texts, name, bookings), reply_markup=bookings_keyboard(texts, bookings)
        )


async def open_pressed(
    query: CallbackQuery,
    callback_data: OpenBooking,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """One booking from a person's choice: its card."""
    desk = BookingDesk(school)
    booking = await desk.booking(callback_data.booking_id)
    if booking is None:
        await message.answer(texts("desk_gone", id=callback_data.booking_id))
        return
    await show_card(message, desk, texts, booking)


async def back_to_card(
    query: CallbackQuery,
    callback_data: BookingStep,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
) -> None:
    """Back (or Cancel under before → after): the card again, nothing changed."""
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is not None:
        await show_card(message, desk, texts, booking, edit=True)


def build_router() -> Router:
    router = admin_router("bookings-card")
    router.callback_query.register(manage_pressed, ManageBookings.filter())
    router.callback_query.register(open_pressed, OpenBooking.filter())
    router.callback_query.register(back_to_card, BookingStep.filter(F.step == "card"))
    return router
