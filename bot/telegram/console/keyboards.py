"""Console keyboards (pure functions of data)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.console.callbacks import ConsoleMenu, ConsolePage
from bot.telegram.console.commands import CONSOLE_BUTTONS, MORE_BUTTONS
from bot.telegram.texts import Texts

MENU_PAGES = (CONSOLE_BUTTONS, MORE_BUTTONS)


def console_keyboard(texts: Texts, page: int = 0) -> InlineKeyboardMarkup:
    """The menu: one button per command, two per row (a phone's width); the main commands on
    the first page, "More…" leads to every other one, "Back" returns."""
    page = page if 0 <= page < len(MENU_PAGES) else 0
    keyboard = InlineKeyboardBuilder()
    for name in MENU_PAGES[page]:
        keyboard.button(text=texts(f"cmd_{name}"), callback_data=ConsoleMenu(command=name))
    if page == 0:
        keyboard.button(text=texts("menu_more"), callback_data=ConsolePage(page=1))
    else:
        keyboard.button(text=texts("menu_back"), callback_data=ConsolePage(page=0))
    keyboard.adjust(2)
    return keyboard.as_markup()
