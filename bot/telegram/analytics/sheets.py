"""What an exported spreadsheet calls things, in the admin's language (pure, like the views).

The exporter (``bot.analytics.export``) writes whatever :class:`Sheet` it is given; here the
columns get headings, booking statuses become words ("подтверждена"), courses, streams, lesson
and event types their human names, event details read as words ("курс: Вайб кодинг"; CSV keeps
the JSON), and yes/no and date formats follow the language.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.analytics.export import Sheet
from bot.telegram.texts import Texts

# Every column the export queries return (sql/queries/analytics_people.sql, export_*).
COLUMNS: tuple[str, ...] = (
    "id",
    "user_id",
    "username",
    "first_name",
    "first_seen",
    "last_seen",
    "blocked",
    "course_id",
    "course_stream",
    "confirmed",
    "created_at",
    "referral_code",
    "discount_percent",
    "email",
    "lesson_type",
    "lesson_date",
    "registered_at",
    "notification_sent",
    "event_type",
    "details",
)
STATUS_KEYS = {
    0: "export_status_created",
    1: "export_status_uploaded",
    2: "export_status_confirmed",
    -1: "export_status_cancelled",
}
# Excel number formats: a Russian reader writes days first, an English one reads ISO best.
MOMENT_FORMATS = {"ru": "DD.MM.YYYY HH:MM", "en": "YYYY-MM-DD HH:MM"}
DATE_FORMATS = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}


def status_word(texts: Texts, status: int) -> str:
    """A booking status as a word: создана / загружена оплата / подтверждена / отменена."""
    key = STATUS_KEYS.get(status)
    return texts(key) if key else texts("status_other", status=status)


# Event details the course bot writes, by key: how a person reads the value.
DETAIL_CODES: dict[str, Any] = {
    "course_id": "course",
    "course_stream": "stream",
    "lesson_type": "lesson",
}


def reach_word(texts: Texts, reason: str) -> str:
    """Why the course bot cannot reach someone, as a word (empty cells: nothing known)."""
    key = "export_reach_" + reason.replace(" ", "_")
    return texts(key) if texts.has(key) else reason


def details_words(texts: Texts, details: Any) -> str:
    """An event's details as a person reads them: ``{"course_id": 1}`` → "курс: Вайб
    кодинг"; what is not an object of known keys stays as the course bot wrote it."""
    try:
        fields = json.loads(details) if isinstance(details, str) else details
    except ValueError:
        return str(details)
    if not isinstance(fields, dict):
        return str(details)
    parts = []
    for key, value in fields.items():
        label_key = f"export_detail_{key}"
        label = texts(label_key) if texts.has(label_key) else key
        if key in DETAIL_CODES and value is not None:
            shown = texts.code_name(DETAIL_CODES[key], str(value))
        elif key in ("from", "to") and isinstance(value, int):  # booking_status_changed
            shown = status_word(texts, value)
        elif key == "lesson_date" and isinstance(value, str):
            shown = _day(texts, value)
        elif isinstance(value, str):
            shown = value
        else:
            shown = json.dumps(value, ensure_ascii=False)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def _day(texts: Texts, value: str) -> str:
    try:
        return texts.day(date.fromisoformat(value))
    except ValueError:
        return value


def sheet(texts: Texts, kind: str) -> Sheet:
    """The people's spreadsheet of export ``kind``."""

    def named(code_kind: Any) -> Callable[[Any], str]:
        return lambda code: texts.code_name(code_kind, str(code))

    return Sheet(
        title=texts(f"export_kind_{kind}"),
        headings={column: texts(f"export_col_{column}") for column in COLUMNS},
        yes=texts("export_yes"),
        no=texts("export_no"),
        moment_format=MOMENT_FORMATS[texts.language],
        date_format=DATE_FORMATS[texts.language],
        words={
            "confirmed": lambda status: status_word(texts, int(status)),
            "course_id": named("course"),
            "course_stream": named("stream"),
            "lesson_type": named("lesson"),
            "event_type": named("event"),
            "blocked": lambda reason: reach_word(texts, str(reason)),
            # the same few details repeat over thousands of events: worded once each
            "details": functools.lru_cache(maxsize=4096)(
                lambda details: details_words(texts, details)
            ),
        },
    )
