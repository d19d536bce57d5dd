"""The console's states: what the bot waits for after a menu button that needs an argument."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class MenuInput(StatesGroup):
    typing_user_query = State()  # /user: an id, @username or a name
    typing_forget_target = State()  # /forget: an id or @username
