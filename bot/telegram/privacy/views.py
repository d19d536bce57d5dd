"""/forget texts (pure functions of data; names from the database pass through quote)."""

from __future__ import annotations

from bot.privacy import Erasure, Preview
from bot.telegram.texts import Texts, quote

TABLE_KEYS: dict[str, str] = {
    "bookings": "forget_table_bookings",
    "free_lesson_registrations": "forget_table_free_lesson_registrations",
    "events": "forget_table_events",
    "users": "forget_table_users",
    "message_recipients": "forget_table_message_recipients",
    "fsm_state": "forget_table_fsm_state",
    "audit_log": "forget_table_audit_log",
}


def _rows(texts: Texts, erasure: Erasure) -> list[str]:
    """One line per table that has (or had) rows to change."""
    return [
        texts("forget_row", table=texts(TABLE_KEYS[table]), n=texts.number(n))
        for table, n in erasure.rows
        if n
    ]


def _names(preview: Preview) -> str:
    parts = []
    if preview.username:
        parts.append("@" + quote(preview.username))
    if preview.first_name:
        parts.append(quote(preview.first_name))
    return "".join(f" · {part}" for part in parts)


def several_text(texts: Texts, username: str, user_ids: tuple[int, ...]) -> str:
    ids = ", ".join(f"<code>{user_id}</code>" for user_id in user_ids)
    people = texts.count(len(user_ids), "person")
    return texts("forget_several", username=quote(username), ids=ids, people=people)


def preview_text(texts: Texts, preview: Preview, erasure: Erasure) -> str:
    """Who, what changes (rows per table), and what stays."""
    return "\n".join(
        [
            texts("forget_title"),
            texts("forget_who", user_id=erasure.user_id, names=_names(preview)),
            "",
            texts("forget_will_change"),
            *_rows(texts, erasure),
            "",
            texts("forget_keeps"),
        ]
    )


def done_text(texts: Texts, erasure: Erasure) -> str:
    """The outcome, without the names the preview showed."""
    if not erasure.total:
        return texts("forget_already", user_id=erasure.user_id)
    return "\n".join(
        [
            texts("forget_done", user_id=erasure.user_id),
            *_rows(texts, erasure),
            "",
            texts("forget_done_audit"),
        ]
    )
