"""Broadcast keyboards (pure functions of data, built with aiogram's builder)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcast import Broadcast, HistoryPage, Report
from bot.broadcast.models import CourseStream, LessonDay
from bot.telegram.broadcast.callbacks import (
    AudienceMenu,
    AudiencePick,
    Control,
    DraftAction,
    HistoryAt,
    ScheduledAt,
    short_ref,
)
from bot.telegram.broadcast.views import lesson_day_button, stream_button, time_choices
from bot.telegram.core import paging
from bot.telegram.core.formatting import button_label
from bot.telegram.texts import Texts

HISTORY_BUTTONS_PER_ROW = 4
AUDIENCE_NAMES_PER_PAGE = 20  # streams or lesson types on one page of an audience menu
SHORT_NAME_CHARS = 16  # streams named at most this long share a row of buttons


def _rows(*sizes: int) -> list[int]:
    """Row sizes for ``adjust`` without the empty ones (a page with no ◀ ▶, no streams)."""
    return [size for size in sizes if size]


def _name_rows(names: Sequence[str]) -> list[int]:
    """Short names two a row; a page with a long one, one a row (a phone cuts long labels)."""
    count = len(names)
    if any(len(name) > SHORT_NAME_CHARS for name in names):
        return [1] * count
    return [2] * (count // 2) + [1] * (count % 2)


def page_buttons(
    keyboard: InlineKeyboardBuilder,
    texts: Texts,
    page: paging.Page[Any],
    at: Callable[[int], CallbackData],
) -> int:
    """◀ ▶ where there is more; returns how many were added (for ``adjust``)."""
    added = 0
    if page.has_previous:
        keyboard.button(text=texts("prev_page"), callback_data=at(page.number - 1))
        added += 1
    if page.has_next:
        keyboard.button(text=texts("next_page"), callback_data=at(page.number + 1))
        added += 1
    return added


# the audience -----------------------------------------------------------------------------


def audience_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """Everyone; a stream's students (a sub-menu); awaiting payment and everyone but the paid;
    the other sub-menus; individual people."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("bc_btn_everyone"), callback_data=AudiencePick(kind="everyone"))
    keyboard.button(
        text=texts("bc_btn_students_menu"), callback_data=AudienceMenu(menu="students")
    )
    keyboard.button(text=texts("bc_btn_awaiting"), callback_data=AudiencePick(kind="awaiting"))
    keyboard.button(
        text=texts("bc_btn_all_but_paid"), callback_data=AudiencePick(kind="all_but_paid")
    )
    keyboard.button(text=texts("bc_btn_booked_menu"), callback_data=AudienceMenu(menu="booked"))
    keyboard.button(text=texts("bc_btn_lessons_menu"), callback_data=AudienceMenu(menu="lessons"))
    keyboard.button(text=texts("bc_btn_individual"), callback_data=AudiencePick(kind="individual"))
    keyboard.adjust(1, 1, 2, 1)
    return keyboard.as_markup()


def _streams_keyboard(
    texts: Texts,
    streams: list[CourseStream],
    number: int,
    menu: Literal["students", "booked"],
    label_key: str,
    kind: Literal["stream", "booked"],
) -> InlineKeyboardMarkup:
    """A page of each course's streams (◀ ▶), in the order given, then Back."""
    page = paging.page(streams, number, AUDIENCE_NAMES_PER_PAGE)
    keyboard = InlineKeyboardBuilder()
    labels = [button_label(stream_button(texts, label_key, pair)) for pair in page.items]
    for pair, label in zip(page.items, labels, strict=True):
        keyboard.button(text=label, callback_data=AudiencePick(kind=kind, ref=short_ref(pair.key)))
    turns = page_buttons(keyboard, texts, page, lambda n: AudienceMenu(menu=menu, page=n))
    keyboard.button(text=texts("bc_btn_back"), callback_data=AudienceMenu(menu="main"))
    keyboard.adjust(*_rows(*_name_rows(labels), turns, 1))
    return keyboard.as_markup()


def students_keyboard(
    texts: Texts, streams: list[CourseStream], number: int = 0
) -> InlineKeyboardMarkup:
    """The students of each course's stream (a page of them, newest first, ◀ ▶), then Back."""
    return _streams_keyboard(texts, streams, number, "students", "bc_btn_stream", "stream")


def booked_keyboard(
    texts: Texts, streams: list[CourseStream], number: int = 0
) -> InlineKeyboardMarkup:
    """Who booked each course's stream (a page of them, newest first, ◀ ▶), then Back."""
    return _streams_keyboard(texts, streams, number, "booked", "bc_btn_booked", "booked")


def lessons_keyboard(
    texts: Texts, lessons: list[str], upcoming: list[LessonDay], number: int = 0
) -> InlineKeyboardMarkup:
    """Everyone registered for a free lesson; the upcoming lessons by date (first page);
    a page of lesson types (◀ ▶); then Back."""
    page = paging.page(lessons, number, AUDIENCE_NAMES_PER_PAGE)
    days = upcoming if page.number == 0 else []
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("bc_btn_lessons_all"), callback_data=AudiencePick(kind="lessons"))
    for day in days:
        keyboard.button(
            text=button_label(lesson_day_button(texts, day)),
            callback_data=AudiencePick(
                kind="lessons", ref=short_ref(day.lesson), day=day.day.toordinal()
            ),
        )
    for lesson in page.items:
        keyboard.button(
            text=button_label(texts("bc_btn_lesson", lesson=texts.code_name("lesson", lesson))),
            callback_data=AudiencePick(kind="lessons", ref=short_ref(lesson)),
        )
    turns = page_buttons(keyboard, texts, page, lambda n: AudienceMenu(menu="lessons", page=n))
    keyboard.button(text=texts("bc_btn_back"), callback_data=AudienceMenu(menu="main"))
    keyboard.adjust(*_rows(*[1] * (1 + len(days) + len(page.items)), turns, 1))
    return keyboard.as_markup()


# composing --------------------------------------------------------------------------------


def no_buttons_keyboard(texts: Texts, draft: str, *, keep: bool = False) -> InlineKeyboardMarkup:
    """No buttons; and Keep the buttons, when the message being edited had some."""
    keyboard = InlineKeyboardBuilder()
    if keep:
        keyboard.button(
            text=texts("bc_btn_keep_buttons"),
            callback_data=DraftAction(draft=draft, action="keep_buttons"),
        )
    keyboard.button(
        text=texts("bc_btn_no_buttons"),
        callback_data=DraftAction(draft=draft, action="no_buttons"),
    )
    return keyboard.as_markup()


def review_keyboard(texts: Texts, draft: str, recipients: int) -> InlineKeyboardMarkup:
    """Send to N recipients · Schedule, then Test to me · Edit · Cancel."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=texts("bc_btn_send", n=texts.count(recipients, "recipient_dative")),
        callback_data=DraftAction(draft=draft, action="send"),
    )
    for key, action in (
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


def detail_keyboard(texts: Texts, report: Report, retriable: int) -> InlineKeyboardMarkup:
    """Under the details: live controls, or Retry failed (only when ``retriable`` recipients
    would be sent to again: not for failures nobody can fix by retrying — blocked, never
    started, deleted) and Delete; always Export."""
    b, c = report.broadcast, report.counts
    keyboard = InlineKeyboardBuilder()
    rows = []
    if b.status in ("sending", "paused"):
        rows.append(_live_controls(keyboard, texts, b))
    if b.status in ("done", "cancelled"):
        if c.failed and retriable:
            _control(keyboard, texts, "bc_btn_retry", b.id, "retry")
            rows.append(1)
        if c.sent:
            _control(keyboard, texts, "bc_btn_delete", b.id, "delete")
            rows.append(1)
    _control(keyboard, texts, "bc_btn_export", b.id, "export")
    keyboard.adjust(*rows, 1)
    return keyboard.as_markup()


def stop_confirm_keyboard(texts: Texts, bid: int, *, paused: bool) -> InlineKeyboardMarkup:
    """Cancelling a running broadcast: Yes, or No (keep sending; keep it paused)."""
    keyboard = InlineKeyboardBuilder()
    _control(keyboard, texts, "bc_btn_stop_yes", bid, "cancel_yes")
    no = "bc_btn_stop_no_paused" if paused else "bc_btn_stop_no"
    _control(keyboard, texts, no, bid, "cancel_no")
    keyboard.adjust(1)
    return keyboard.as_markup()


def unschedule_confirm_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    """Cancelling a scheduled broadcast: Yes, or Back to the list."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(
        text=texts("bc_btn_unschedule_yes", id=bid),
        callback_data=Control(broadcast_id=bid, action="unschedule_yes"),
    )
    _control(keyboard, texts, "bc_btn_back", bid, "scheduled_back")
    keyboard.adjust(1)
    return keyboard.as_markup()


def delete_confirm_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    _control(keyboard, texts, "bc_btn_delete_yes", bid, "delete_yes")
    _control(keyboard, texts, "bc_btn_back", bid, "open")
    keyboard.adjust(1)
    return keyboard.as_markup()


def retry_confirm_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    _control(keyboard, texts, "bc_btn_retry_yes", bid, "retry_yes")
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
        keyboard.button(text=texts("prev_page"), callback_data=HistoryAt(page=page.page - 1))
    if page.page + 1 < page.pages:
        keyboard.button(text=texts("next_page"), callback_data=HistoryAt(page=page.page + 1))
    if not list(keyboard.buttons):
        return None
    full, rest = divmod(len(page.items), HISTORY_BUTTONS_PER_ROW)
    rows = [HISTORY_BUTTONS_PER_ROW] * full + ([rest] if rest else [])
    keyboard.adjust(*rows, 2)
    return keyboard.as_markup()


def scheduled_keyboard(texts: Texts, page: paging.Page[Broadcast]) -> InlineKeyboardMarkup | None:
    """Edit or cancel each scheduled broadcast on the page; ◀ ▶ where there is more."""
    if not page.items:
        return None
    keyboard = InlineKeyboardBuilder()
    for b in page.items:
        keyboard.button(
            text=texts("bc_btn_edit_scheduled", id=b.id),
            callback_data=Control(broadcast_id=b.id, action="edit_scheduled"),
        )
        keyboard.button(
            text=texts("bc_btn_unschedule", id=b.id),
            callback_data=Control(broadcast_id=b.id, action="unschedule"),
        )
    turns = page_buttons(keyboard, texts, page, lambda n: ScheduledAt(page=n))
    keyboard.adjust(*_rows(*[2] * len(page.items), turns))
    return keyboard.as_markup()
