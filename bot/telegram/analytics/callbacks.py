"""Callback data of the analytics console (ids and numbers only: 64 bytes is the limit)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class GrowthWindow(CallbackData, prefix="growth"):
    """Redraw the growth chart over ``days`` (0: all history)."""

    days: int


class CoursesPage(CallbackData, prefix="courses"):
    """Page ``page`` of /courses (in place)."""

    page: int


class StreamOpen(CallbackData, prefix="stream"):
    """Open the people of the stream whose :attr:`Stream.key` is ``key`` (a new message)."""

    key: str


class StreamPage(CallbackData, prefix="streampage"):
    """Page ``page`` of the bookers (or, ``viewers``, the programme viewers who did not book)
    of the stream whose :attr:`Stream.key` is ``key``, in place."""

    key: str
    page: int
    viewers: bool = False


class OpenUser(CallbackData, prefix="usercard"):
    """Open one user's card (from lead lists, search results, stream pages)."""

    user_id: int


class MessageUser(CallbackData, prefix="msguser"):
    """ "Message this user" on a /user card: start a broadcast to that one recipient."""

    user_id: int


class IncludeUser(CallbackData, prefix="include"):
    """ "Include in broadcasts again" on a /user card: forget the broadcast bot's 403s."""

    user_id: int
