"""Callback data of broadcasts (ids, short keys and numbers only: 64 bytes is the limit).

Stream and lesson names never ride in callback data (they are free text from the school's
tables, up to any length in UTF-8): buttons carry :func:`short_ref` of the name, and the press
finds the name again among the current ones with :func:`by_ref`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Literal

from aiogram.filters.callback_data import CallbackData

DRAFT_KEY_BYTES = 6  # a draft's key: 12 hex characters in every button of its draft
REF_CHARS = 12  # hex characters of a name's SHA-1: no two of thousands of names collide


def short_ref(name: str) -> str:
    """A short stable id of a stream or lesson name, for callback data."""
    return hashlib.sha1(name.encode()).hexdigest()[:REF_CHARS]


def by_ref(names: Iterable[str], ref: str) -> str | None:
    """The name among ``names`` whose :func:`short_ref` is ``ref``; None when it is gone."""
    return next((name for name in names if short_ref(name) == ref), None)


def new_draft_key() -> str:
    """A fresh draft key: the idempotency key of the broadcast its preview would create."""
    return secrets.token_hex(DRAFT_KEY_BYTES)


class AudiencePick(CallbackData, prefix="bca"):
    """An audience; ``ref`` is the :func:`short_ref` of its stream or lesson, if it has one."""

    kind: Literal[
        "everyone", "stream", "booked", "awaiting", "all_but_paid", "lessons", "individual"
    ]
    ref: str = ""
    day: int = 0  # a free lesson's date (its ordinal), when one date is chosen


class AudienceMenu(CallbackData, prefix="bcm"):
    """Show page ``page`` of an audience menu: the first one, a stream's students, who booked,
    the free lessons."""

    menu: Literal["main", "students", "booked", "lessons"]
    page: int = 0


class DraftAction(CallbackData, prefix="bcd"):
    draft: str
    action: Literal[
        "send", "schedule", "test", "edit", "cancel", "no_buttons", "keep_buttons", "at"
    ]
    at: int = 0  # unix time, for "at"


class Control(CallbackData, prefix="bcc"):
    broadcast_id: int
    action: Literal[
        "pause",
        "resume",
        "cancel",
        "cancel_yes",
        "cancel_no",
        "open",
        "retry",
        "retry_yes",
        "delete",
        "delete_yes",
        "export",
        "unschedule",
        "unschedule_yes",
        "scheduled_back",
        "edit_scheduled",
    ]


class HistoryAt(CallbackData, prefix="bch"):
    page: int


class ScheduledAt(CallbackData, prefix="bcs"):
    """Page ``page`` of /scheduled."""

    page: int
