"""Broadcast keyboards (pure functions of data, built with aiogram's builder)."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcast import Broadcast, HistoryPage, Report
from bot.limits import MAX_CALLBACK_DATA_BYTES
from bot.telegram.broadcast.callbacks import AudiencePick, Control, DraftAction, HistoryAt
from bot.telegram.broadcast.views import time_choices
from bot.telegram.texts import Texts

HISTORY_BUTTONS_PER_ROW = 4
# AudiencePick's prefix, kind and separators leave this much of the 64 bytes for a value.
_VALUE_BYTES = MAX_CALLBACK_DATA_BYTES - len(AudiencePick(kind="booked", value="").pack())


def _fits(value: str) -> bool:
    """Whether a stream or lesson name can ride in callback data (no separator, ≤ 64 bytes)."""
    return ":" not in value and len(value.encode()) <= _VALUE_BYTES


# the audience -----------------------------------------------------------------------------


def audience_keyboard(texts: Texts, streams: list[str]) -> InlineKeyboardMarkup:
    """Everyone; each stream's students (two a row); the sub-menus; individual people."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("bc_btn_everyone"), callback_data=AudiencePick(kind="everyone"))
    fitting = [s for s in streams if _fits(s)]
    for stream in fitting:
        keyboard.button(
            text=texts("bc_btn_stream", stream=stream),
            callback_data=AudiencePick(kind="stream", value=stream),
        )
    keyboard.button(
        text=texts("bc_btn_booked_menu"), callback_data=AudiencePick(kind="booked_menu")
    )
    keyboard.button(text=texts("bc_btn_unpaid"), callback_data=AudiencePick(kind="unpaid"))
    keyboard.button(
        text=texts("bc_btn_lessons_menu"), callback_data=AudiencePick(kind="lessons_menu")
    )
    keyboard.button(text=texts("bc_btn_individual"), callback_data=AudiencePick(kind="individual"))
    stream_rows = [2] * (len(fitting) // 2) + [1] * (len(fitting) % 2)
    keyboard.adjust(1, *stream_rows, 1)
    return keyboard.as_markup()


def booked_keyboard(texts: Texts, streams: list[str]) -> InlineKeyboardMarkup:
    """Who booked each stream (two a row), then Back."""
    keyboard = InlineKeyboardBuilder()
    fitting = [s for s in streams if _fits(s)]
    for stream in fitting:
        keyboard.button(
            text=texts("bc_btn_booked", stream=stream),
            callback_data=AudiencePick(kind="booked", value=stream),
        )
    keyboard.button(text=texts("bc_btn_back"), callback_data=AudiencePick(kind="back"))
    keyboard.adjust(*[2] * (len(fitting) // 2), *[1] * (len(fitting) % 2), 1)
    return keyboard.as_markup()


def lessons_keyboard(texts: Texts, lessons: list[str]) -> InlineKeyboardMarkup:
    """Everyone registered for a free lesson, or for one lesson type; then Back."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("bc_btn_lessons_all"), callback_data=AudiencePick(kind="lessons"))
    for lesson in lessons:
        if _fits(lesson):
            keyboard.button(
                text=texts("bc_btn_lesson", lesson=lesson),
                callback_data=AudiencePick(kind="lessons", value=lesson),
            )
    keyboard.button(text=texts("bc_btn_back"), callback_data=AudiencePick(kind="back"))
    keyboard.adjust(1)
    return keyboard.as_markup()


# composing --------------------------------------------------------------------------------


def no_buttons_keyboard(texts: Texts, draft: str) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=texts("bc_btn_no_buttons"),
        callback_data=DraftAction(draft=draft, action="no_buttons"),
    )
    return keyboard.as_markup()


def review_keyboard(texts: Texts, draft: str) -> InlineKeyboardMarkup:
    """Send · Schedule, then Test to me · Edit · Cancel."""
    keyboard = InlineKeyboardBuilder()
    for key, action in (
        ("bc_btn_send", "send"),
        ("bc_btn_schedule", "schedule"),
        ("bc_btn_test", "test"),
        ("bc_btn_edit", "edit"),
        ("bc_btn_cancel", "cancel"),
    ):
        keyboard.button(text=texts(key), callback_data=DraftAction(draft=draft, action=action))  # type: ignore[arg-type]
    keyboard.adjust(2, 3)
    return keyboard.as_markup()


def time_keyboard(texts: Texts, draft: str, now: datetime) -> InlineKeyboardMarkup:
    """A few common times (two a row), then Cancel."""
    keyboard = InlineKeyboardBuilder()
    choices = time_choices(now)
    for index, at in enumerate(choices):
        keyboard.button(
            text=texts("bc_btn_in_hour") if index == 0 else texts.when(at),
            callback_data=DraftAction(draft=draft, action="at", at=int(at.timestamp())),
        )
    keyboard.button(
        text=texts("bc_btn_cancel"), callback_data=DraftAction(draft=draft, action="cancel")
    )
    keyboard.adjust(*[2] * (len(choices) // 2), *[1] * (len(choices) % 2), 1)
    return keyboard.as_markup()


# a broadcast that exists ------------------------------------------------------------------


def _control(
    keyboard: InlineKeyboardBuilder, texts: Texts, key: str, bid: int, action: str
) -> None:
    keyboard.button(text=texts(key), callback_data=Control(broadcast_id=bid, action=action))  # type: ignore[arg-type]


def _live_controls(keyboard: InlineKeyboardBuilder, texts: Texts, broadcast: Broadcast) -> int:
    """Pause or Resume, and Stop, while it runs; else Details. Returns the buttons added."""
    bid = broadcast.id
    if broadcast.status == "sending":
        _control(keyboard, texts, "bc_btn_pause", bid, "pause")
    elif broadcast.status == "paused":
        _control(keyboard, texts, "bc_btn_resume", bid, "resume")
    else:
        _control(keyboard, texts, "bc_btn_details", bid, "open")
        return 1
    _control(keyboard, texts, "bc_btn_stop", bid, "cancel")
    return 2


def card_keyboard(texts: Texts, broadcast: Broadcast) -> InlineKeyboardMarkup:
    """Under the live card."""
    keyboard = InlineKeyboardBuilder()
    _live_controls(keyboard, texts, broadcast)
    return keyboard.as_markup()


def details_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    """Under a report: open the broadcast's details."""
    keyboard = InlineKeyboardBuilder()
    _control(keyboard, texts, "bc_btn_details", bid, "open")
    return keyboard.as_markup()


def detail_keyboard(texts: Texts, report: Report) -> InlineKeyboardMarkup:
    """Under the details: live controls, or Retry failed and Delete; always Export."""
    b, c = report.broadcast, report.counts
    keyboard = InlineKeyboardBuilder()
    rows = []
    if b.status in ("sending", "paused"):
        rows.append(_live_controls(keyboard, texts, b))
    if b.status in ("done", "cancelled"):
        if c.failed:
            _control(keyboard, texts, "bc_btn_retry", b.id, "retry")
            rows.append(1)
        if c.sent:
            _control(keyboard, texts, "bc_btn_delete", b.id, "delete")
            rows.append(1)
    _control(keyboard, texts, "bc_btn_export", b.id, "export")
    keyboard.adjust(*rows, 1)
    return keyboard.as_markup()


def delete_confirm_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    _control(keyboard, texts, "bc_btn_delete_yes", bid, "delete_yes")
    _control(keyboard, texts, "bc_btn_back", bid, "open")
    keyboard.adjust(1)
    return keyboard.as_markup()


def history_keyboard(texts: Texts, page: HistoryPage) -> InlineKeyboardMarkup | None:
    """One button per broadcast on the page (four a row), then ◀ ▶."""
    keyboard = InlineKeyboardBuilder()
    for b in page.items:
        keyboard.button(
            text=texts("bc_btn_open", id=b.id),
            callback_data=Control(broadcast_id=b.id, action="open"),
        )
    if page.page > 0:
        keyboard.button(text=texts("bc_btn_prev"), callback_data=HistoryAt(page=page.page - 1))
    if page.page + 1 < page.pages:
        keyboard.button(text=texts("bc_btn_next"), callback_data=HistoryAt(page=page.page + 1))
    if not list(keyboard.buttons):
        return None
    full, rest = divmod(len(page.items), HISTORY_BUTTONS_PER_ROW)
    rows = [HISTORY_BUTTONS_PER_ROW] * full + ([rest] if rest else [])
    keyboard.adjust(*rows, 2)
    return keyboard.as_markup()


def scheduled_keyboard(texts: Texts, items: list[Broadcast]) -> InlineKeyboardMarkup | None:
    """Cancel each scheduled broadcast."""
    if not items:
        return None
    keyboard = InlineKeyboardBuilder()
    for b in items:
        keyboard.button(
            text=texts("bc_btn_unschedule", id=b.id),
            callback_data=Control(broadcast_id=b.id, action="unschedule"),
        )
    keyboard.adjust(1)
    return keyboard.as_markup()
