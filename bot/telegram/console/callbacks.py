"""Callback data of the console menu (each feature answers its own commands' buttons)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ConsoleMenu(CallbackData, prefix="menu"):
    """A console button: run ``command`` as if typed without arguments."""

    command: str


class ConsolePage(CallbackData, prefix="menupage"):
    """Turn the menu to another page (0: the main commands, 1: "More…")."""

    page: int
