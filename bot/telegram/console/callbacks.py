"""Callback data of the console menu (each feature answers its own commands' buttons)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ConsoleMenu(CallbackData, prefix="menu"):
    """A console button: run ``command`` as if typed without arguments."""

    command: str


class ConsolePage(CallbackData, prefix="menupage"):
    """Turn the menu to another page (0: the main commands, 1: "More…")."""

    page: int


class MenuChoice(CallbackData, prefix="menuarg"):
    """A choice offered by a menu button whose command needs one (``MENU_CHOICES``): run
    ``command`` with ``argument``, a fixed word of that list (never text from the database)."""

    command: str
    argument: str
