"""Keyboards shared by the console (pure functions of data)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.commands import CONSOLE_BUTTONS, ConsoleMenu
from bot.telegram.texts import Texts


def console_keyboard(texts: Texts) -> InlineKeyboardMarkup | None:
    """The main menu: one button per console command, two per row."""
    buttons = [
        InlineKeyboardButton(
            text=texts(f"cmd_{name}"), callback_data=ConsoleMenu(command=name).pack()
        )
        for name in CONSOLE_BUTTONS
    ]
    if not buttons:
        return None
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(inline_keyboard=rows)
