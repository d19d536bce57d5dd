"""/forget keyboards (pure functions of data, built with aiogram's builder)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.privacy.callbacks import ForgetAction
from bot.telegram.texts import Texts


def confirm_keyboard(texts: Texts, user_id: int) -> InlineKeyboardMarkup:
    """Erase / Cancel, side by side."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=texts("forget_confirm_button"),
        callback_data=ForgetAction(user_id=user_id, action="confirm"),
    )
    keyboard.button(
        text=texts("forget_cancel_button"),
        callback_data=ForgetAction(user_id=user_id, action="cancel"),
    )
    keyboard.adjust(2)
    return keyboard.as_markup()
