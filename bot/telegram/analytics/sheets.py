"""What an exported spreadsheet calls things, in the admin's language (pure, like the views).

The exporter (``bot.analytics.export``) writes whatever :class:`Sheet` it is given; here the
columns get headings, booking statuses become words ("подтверждена"), courses, streams, lesson
and event types their human names, and yes/no and date formats follow the language.
"""

from __future__ import annotations

from collections.abc import Callable
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
        },
    )
