"""What the booking desk waits for: a typed referral code or discount."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class BookingInput(StatesGroup):
    typing_code = State()
    typing_discount = State()
