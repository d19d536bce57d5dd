"""The booking desk's keyboards (pure functions of data, built with aiogram's builder)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.analytics.models import STATUSES, Stream
from bot.school import Booking
from bot.telegram.analytics.views import status_name, stream_name
from bot.telegram.bookings.callbacks import (
    BookingConfirm,
    BookingPick,
    BookingStep,
    Field,
    OpenBooking,
)
from bot.telegram.bookings.views import booking_label
from bot.telegram.core.formatting import button_label, plain
from bot.telegram.texts import Texts


def card_keyboard(texts: Texts, booking: Booking, *, movable: bool) -> InlineKeyboardMarkup:
    """Under a booking's card: move (when it is active and the course has another stream),
    status; referral code and discount side by side."""
    shown = booking.state.version
    keyboard = InlineKeyboardBuilder()
    if movable:
        keyboard.button(
            text=texts("desk_move_button"),
            callback_data=BookingStep(booking_id=booking.id, step="stream", shown=shown),
        )
    keyboard.button(
        text=texts("desk_status_button"),
        callback_data=BookingStep(booking_id=booking.id, step="status", shown=shown),
    )
    keyboard.button(
        text=texts("desk_code_button"),
        callback_data=BookingStep(booking_id=booking.id, step="code", shown=shown),
    )
    keyboard.button(
        text=texts("desk_discount_button"),
        callback_data=BookingStep(booking_id=booking.id, step="discount", shown=shown),
    )
    keyboard.adjust(*([1] if movable else []), 1, 2)
    return keyboard.as_markup()


def _back(keyboard: InlineKeyboardBuilder, texts: Texts, booking: Booking) -> None:
    keyboard.button(
        text=texts("desk_back_button"),
        callback_data=BookingStep(booking_id=booking.id, step="card", shown=booking.state.version),
    )


def streams_keyboard(
    texts: Texts, booking: Booking, streams: tuple[Stream, ...]
) -> InlineKeyboardMarkup:
    """The course's other streams, one a row, by the names /courses uses; Back."""
    keyboard = InlineKeyboardBuilder()
    for stream in streams:
        keyboard.button(
            text=button_label(plain(stream_name(texts, stream.stream))),
            callback_data=BookingPick(
                booking_id=booking.id,
                field="stream",
                value=stream.key,
                shown=booking.state.version,
            ),
        )
    _back(keyboard, texts, booking)
    keyboard.adjust(1)
    return keyboard.as_markup()


def statuses_keyboard(texts: Texts, booking: Booking) -> InlineKeyboardMarkup:
    """The other three statuses, in the console's order; Back."""
    keyboard = InlineKeyboardBuilder()
    for status in STATUSES:
        if status == booking.state.confirmed:
            continue
        keyboard.button(
            text=button_label(plain(status_name(texts, status))),
            callback_data=BookingPick(
                booking_id=booking.id,
                field="status",
                value=str(status),
                shown=booking.state.version,
            ),
        )
    _back(keyboard, texts, booking)
    keyboard.adjust(1)
    return keyboard.as_markup()


def confirm_keyboard(
    texts: Texts, booking: Booking, field: Field, value: str, wanted: str
) -> InlineKeyboardMarkup:
    """Confirm / Cancel under before → after (Cancel shows the card again)."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=texts("desk_confirm_button"),
        callback_data=BookingConfirm(
            booking_id=booking.id,
            field=field,
            value=value,
            shown=booking.state.version,
            wanted=wanted,
        ),
    )
    keyboard.button(
        text=texts("desk_cancel_button"),
        callback_data=BookingStep(booking_id=booking.id, step="card", shown=booking.state.version),
    )
    keyboard.adjust(2)
    return keyboard.as_markup()


def bookings_keyboard(texts: Texts, bookings: tuple[Booking, ...]) -> InlineKeyboardMarkup:
    """A person's bookings, one a row, newest first."""
    keyboard = InlineKeyboardBuilder()
    for booking in bookings:
        keyboard.button(
            text=booking_label(texts, booking), callback_data=OpenBooking(booking_id=booking.id)
        )
    keyboard.adjust(1)
    return keyboard.as_markup()
