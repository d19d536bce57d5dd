"""Digest keyboards (pure functions of data)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.digest.callbacks import DigestAction
from bot.telegram.texts import Texts


def settings_keyboard(texts: Texts, enabled: bool) -> InlineKeyboardMarkup:
    """Send now · Turn off (or Turn on), side by side."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("digest_now_button"), callback_data=DigestAction(action="now"))
    if enabled:
        keyboard.button(text=texts("digest_off_button"), callback_data=DigestAction(action="off"))
    else:
        keyboard.button(text=texts("digest_on_button"), callback_data=DigestAction(action="on"))
    keyboard.adjust(2)
    return keyboard.as_markup()
