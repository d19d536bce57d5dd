"""Callback data of broadcasts (ids, short keys and numbers only: 64 bytes is the limit)."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData


class AudiencePick(CallbackData, prefix="bca"):
    kind: Literal[
        "everyone",
        "stream",
        "booked",
        "unpaid",
        "lessons",
        "individual",
        "booked_menu",
        "lessons_menu",
        "back",
    ]
    value: str = ""


class DraftAction(CallbackData, prefix="bcd"):
    draft: str
    action: Literal["send", "schedule", "test", "edit", "cancel", "no_buttons", "at"]
    at: int = 0  # unix time, for "at"


class Control(CallbackData, prefix="bcc"):
    broadcast_id: int
    action: Literal[
        "pause",
        "resume",
        "cancel",
        "open",
        "retry",
        "delete",
        "delete_yes",
        "export",
        "unschedule",
    ]


class HistoryAt(CallbackData, prefix="bch"):
    page: int
