"""Human names for the school's codes: streams, lesson types, event types.

One display table per kind, both languages; a code the table does not know is shown as it is
(the school may add one tomorrow), and a numbered stream (``8th_stream``) reads as "8-й поток".
Verbs are in a neutral form ("смотрел(а) программу"). Use :meth:`Texts.code_name`.
"""

from __future__ import annotations

import re
from typing import Literal

CodeKind = Literal["stream", "lesson", "event", "course"]

_NUMBERED_STREAM = re.compile(r"^(\d+)(?:st|nd|rd|th)_stream$")

NAMES: dict[str, dict[str, dict[str, str]]] = {
    "stream": {
        "mentoring": {"ru": "менторинг", "en": "mentoring"},
    },
    "course": {
        "1": {"ru": "Вайб кодинг", "en": "Vibe coding"},
        "2": {"ru": "Вайб кодинг EXTRA", "en": "Vibe coding EXTRA"},
    },
    "lesson": {
        "cursor_lesson": {"ru": "урок по Cursor", "en": "Cursor lesson"},
        "vibecoding_lesson": {"ru": "урок по вайб-кодингу", "en": "vibe-coding lesson"},
        "claude_code_lesson": {"ru": "урок по Claude Code", "en": "Claude Code lesson"},
    },
    "event": {
        "start_command": {"ru": "нажал(а) /start", "en": "pressed /start"},
        "view_program": {"ru": "смотрел(а) программу", "en": "viewed a programme"},
        "booking_created": {"ru": "создал(а) бронь", "en": "created a booking"},
        "booking_cancelled": {"ru": "отменил(а) бронь", "en": "cancelled a booking"},
        "booking_status_changed": {
            "ru": "статус брони изменён",
            "en": "booking status changed",
        },
        "payment_proof_uploaded": {"ru": "загрузил(а) оплату", "en": "uploaded a payment"},
        "payment_approved": {"ru": "оплата подтверждена", "en": "payment approved"},
        "free_lesson_info_viewed": {
            "ru": "смотрел(а) бесплатный урок",
            "en": "viewed a free lesson",
        },
        "free_lesson_registration_started": {
            "ru": "начал(а) запись на урок",
            "en": "started a lesson sign-up",
        },
        "free_lesson_registered": {
            "ru": "записался(-ась) на урок",
            "en": "signed up for a lesson",
        },
        "free_lesson_reminder_sent": {
            "ru": "получил(а) напоминание об уроке",
            "en": "got a lesson reminder",
        },
        "lesson_link_clicked": {"ru": "пришёл(-ла) на урок", "en": "joined a lesson"},
        "referral_code_used": {"ru": "ввёл(а) реферальный код", "en": "used a referral code"},
        "unknown_callback": {"ru": "нажал(а) устаревшую кнопку", "en": "pressed a stale button"},
    },
}


def code_name(kind: CodeKind, code: str | None, language: str) -> str:
    """What a person calls ``code`` of ``kind``; the code itself when the table lacks it."""
    if code is None or code == "":
        return "—"
    known = NAMES[kind].get(code)
    if known is not None:
        return known[language]
    if kind == "stream":
        numbered = _NUMBERED_STREAM.match(code)
        if numbered:
            n = numbered.group(1)
            return f"{n}-й поток" if language == "ru" else f"stream {n}"
    return code
