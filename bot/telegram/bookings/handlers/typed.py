"""Referral code and Discount: typed, checked (a bad value gets a clear reply and the flow
keeps waiting; /cancel leaves it), then before → after with Confirm / Cancel."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.analytics import SchoolAnalytics
from bot.school import MAX_CODE_CHARS, MAX_DISCOUNT, Booking, BookingDesk, Invalid, clean_code
from bot.telegram.bookings.callbacks import BookingStep
from bot.telegram.bookings.handlers.card import current, show_card
from bot.telegram.bookings.keyboards import confirm_keyboard
from bot.telegram.bookings.states import BookingInput
from bot.telegram.bookings.views import bad_discount_text, percent, preview_text, value_text
from bot.telegram.core.filters import NOT_A_COMMAND, admin_router
from bot.telegram.texts import Texts

# What the flow keeps between the question and the confirmation (FSM data keys).
BOOKING, SHOWN, CODE = "desk_booking", "desk_shown", "desk_code"
REMOVE_CODE = ("-", "—", "–")
DISCOUNT = re.compile(r"\s*(\d{1,3})\s*%?\s*")
CODE_REFUSED_KEYS = {"code_too_long": "desk_bad_code_long", "code_lines": "desk_bad_code_lines"}


async def ask_code(
    query: CallbackQuery,
    callback_data: BookingStep,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
    state: FSMContext,
) -> None:
    """Referral code: wait for it to be typed."""
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is None:
        return
    await wait_for(state, BookingInput.typing_code, booking)
    code = value_text(texts, "referral_code", booking.state)
    await message.answer(texts("desk_ask_code", id=booking.id, code=code, max=MAX_CODE_CHARS))


async def ask_discount(
    query: CallbackQuery,
    callback_data: BookingStep,
    message: Message,
    school: SchoolAnalytics,
    texts: Texts,
    state: FSMContext,
) -> None:
    """Discount: wait for it to be typed."""
    desk = BookingDesk(school)
    booking = await current(message, desk, texts, callback_data.booking_id, callback_data.shown)
    if booking is None:
        return
    await wait_for(state, BookingInput.typing_discount, booking)
    discount = percent(texts, booking.state.discount_percent)
    await message.answer(
        texts("desk_ask_discount", id=booking.id, discount=discount, max=MAX_DISCOUNT)
    )


async def wait_for(state: FSMContext, waiting: Any, booking: Booking) -> None:
    await state.set_state(waiting)
    await state.update_data({BOOKING: booking.id, SHOWN: booking.state.version, CODE: None})


async def typed_booking(
    message: Message, desk: BookingDesk, texts: Texts, state: FSMContext
) -> Booking | None:
    """The booking a typed value is for, still as it was shown; else say so and stop waiting."""
    data = await state.get_data()
    booking = await desk.booking(int(data.get(BOOKING) or 0))
    if booking is None:
        await state.set_state(None)
        await message.answer(texts("desk_gone", id=data.get(BOOKING)))
        return None
    if booking.state.version != data.get(SHOWN):
        await state.set_state(None)
        await show_card(message, desk, texts, booking, texts("desk_stale"))
        return None
    return booking


async def code_typed(
    message: Message, state: FSMContext, school: SchoolAnalytics, texts: Texts
) -> None:
    """A referral code ("-" removes it): checked, then before → after."""
    desk = BookingDesk(school)
    booking = await typed_booking(message, desk, texts, state)
    if booking is None:
        return
    typed = (message.text or "").strip()
    try:
        code = clean_code(None if typed in REMOVE_CODE else typed)
    except Invalid as invalid:
        key = CODE_REFUSED_KEYS[invalid.reason]
        await message.answer(texts(key, max=MAX_CODE_CHARS, n=len(typed)))
        return
    if code == booking.state.referral_code:
        await message.answer(texts("desk_same_value"))
        return
    await state.set_state(None)
    await state.update_data({CODE: code})
    wanted = replace(booking.state, referral_code=code)
    await message.answer(
        preview_text(texts, booking, wanted),
        reply_markup=confirm_keyboard(texts, booking, "code", "", wanted.version),
    )


async def discount_typed(
    message: Message, state: FSMContext, school: SchoolAnalytics, texts: Texts
) -> None:
    """A discount, 0–100 (a "%" may follow): checked, then before → after."""
    desk = BookingDesk(school)
    booking = await typed_booking(message, desk, texts, state)
    if booking is None:
        return
    typed = message.text or ""
    matched = DISCOUNT.fullmatch(typed)
    discount = int(matched.group(1)) if matched else None
    if discount is None or discount > MAX_DISCOUNT:
        await message.answer(bad_discount_text(texts, typed, MAX_DISCOUNT))
        return
    if discount == booking.state.discount_percent:
        await message.answer(texts("desk_same_value"))
        return
    await state.set_state(None)
    wanted = replace(booking.state, discount_percent=discount)
    await message.answer(
        preview_text(texts, booking, wanted),
        reply_markup=confirm_keyboard(texts, booking, "discount", str(discount), wanted.version),
    )


async def not_text(message: Message, texts: Texts) -> None:
    """A photo, a sticker… while a value is awaited: ask for text, keep waiting."""
    await message.answer(texts("desk_send_text"))


def build_router() -> Router:
    router = admin_router("bookings-typed")
    typing = StateFilter(BookingInput.typing_code, BookingInput.typing_discount)
    router.message.register(code_typed, BookingInput.typing_code, F.text, NOT_A_COMMAND)
    router.message.register(discount_typed, BookingInput.typing_discount, F.text, NOT_A_COMMAND)
    router.message.register(not_text, typing, ~F.text)
    router.callback_query.register(ask_code, BookingStep.filter(F.step == "code"))
    router.callback_query.register(ask_discount, BookingStep.filter(F.step == "discount"))
    return router
