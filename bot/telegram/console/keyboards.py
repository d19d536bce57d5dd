"""Console keyboards (pure functions of data)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.console.commands import CONSOLE_BUTTONS
from bot.telegram.texts import Texts


def console_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """The main menu: one button per console command, two per row (a phone's width)."""
    keyboard = InlineKeyboardBuilder()
    for name in CONSOLE_BUTTONS:
        keyboard.button(text=texts(f"cmd_{name}"), callback_data=ConsoleMenu(command=name))
    keyboard.adjust(2)
    return keyboard.as_markup()
