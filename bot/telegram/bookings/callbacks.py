"""Callback data of the booking desk: ids, codes and versions only (64 bytes is the limit).

``shown`` is the version (:func:`bot.school.version`) of the booking's state the message showed:
a press on an older message is refused with the current values. A stream travels as its
:attr:`Stream.key` (stream names are the school's free text), a referral code not at all (it
waits in the flow's data).
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

Step = Literal["card", "stream", "status", "code", "discount"]
Field = Literal["stream", "status", "code", "discount"]


class ManageBookings(CallbackData, prefix="bkuser"):
    """ "Manage booking" on a /user card: the person's booking (or a choice of them)."""

    user_id: int


class OpenBooking(CallbackData, prefix="bkcard"):
    """One booking's card, from the choice of a person's bookings."""

    booking_id: int


class BookingStep(CallbackData, prefix="bkstep"):
    """A button on a booking's card: start a change (or go back to the card)."""

    booking_id: int
    step: Step
    shown: str


class BookingPick(CallbackData, prefix="bkpick"):
    """A stream (its key) or a status picked from a list: show before → after."""

    booking_id: int
    field: Literal["stream", "status"]
    value: str
    shown: str


class BookingConfirm(CallbackData, prefix="bkok"):
    """Confirm before → after; ``wanted`` is the version of the state the preview showed."""

    booking_id: int
    field: Field
    value: str  # a stream's key, a status, a discount; empty for a code
    shown: str
    wanted: str
