"""Console keyboards (pure functions of data)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, WebAppInfo
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.telegram.console.callbacks import ConsoleMenu, ConsolePage, MenuChoice
from bot.telegram.console.commands import CONSOLE_BUTTONS, MENU_CHOICES, MORE_BUTTONS
from bot.telegram.texts import Texts

MENU_PAGES = (CONSOLE_BUTTONS, MORE_BUTTONS)


def console_keyboard(
    texts: Texts, page: int = 0, dashboard_url: str | None = None
) -> InlineKeyboardMarkup:
    """The menu: one button per command, two per row (a phone's width); the main commands on
    the first page, "More…" leads to every other one, "Back" returns. With the Mini App on
    (``dashboard_url``), the first page starts with its "Open dashboard" button."""
    page = page if 0 <= page < len(MENU_PAGES) else 0
    keyboard = InlineKeyboardBuilder()
    dashboard = page == 0 and dashboard_url is not None
    if dashboard and dashboard_url:
        keyboard.button(text=texts("menu_dashboard"), web_app=WebAppInfo(url=dashboard_url))
    for name in MENU_PAGES[page]:
        keyboard.button(text=texts(f"cmd_{name}"), callback_data=ConsoleMenu(command=name))
    if page == 0:
        keyboard.button(text=texts("menu_more"), callback_data=ConsolePage(page=1))
    else:
        keyboard.button(text=texts("menu_back"), callback_data=ConsolePage(page=0))
    keyboard.adjust(*((1, 2) if dashboard else (2,)))
    return keyboard.as_markup()


def choices_keyboard(texts: Texts, command: str) -> InlineKeyboardMarkup:
    """One button per choice of a command's argument (``MENU_CHOICES``), two per row."""
    keyboard = InlineKeyboardBuilder()
    for choice in MENU_CHOICES[command]:
        keyboard.button(
            text=texts(f"{command}_kind_{choice}"),
            callback_data=MenuChoice(command=command, argument=choice),
        )
    keyboard.adjust(2)
    return keyboard.as_markup()
