"""Callback data of /forget: the person's id and what to do, nothing else (no names)."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData


class ForgetAction(CallbackData, prefix="fgt"):
    user_id: int
    action: Literal["confirm", "cancel"]
