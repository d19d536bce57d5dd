"""Callback data of the digest's settings message."""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData


class DigestAction(CallbackData, prefix="digest"):
    """Send the digest now, or turn it on or off for the admin who pressed."""

    action: Literal["now", "on", "off"]
