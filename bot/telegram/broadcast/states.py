"""The /broadcast flow's states: what the bot waits for from the admin."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Compose(StatesGroup):
    choosing_audience = State()
    pasting_recipients = State()
    writing_message = State()
    adding_buttons = State()
    confirming = State()
    choosing_time = State()
    editing_scheduled = State()  # the new text of a scheduled broadcast
