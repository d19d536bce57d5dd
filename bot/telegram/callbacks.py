"""Callback data shared between features (each feature keeps its own private ones)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MessageUser(CallbackData, prefix="msguser"):
    """ "Message this user" on a /user card: start a broadcast to that one recipient."""

    user_id: int


class OpenUser(CallbackData, prefix="usercard"):
    """Open one user's card (from lead lists, search results, broadcast reports)."""

    user_id: int
