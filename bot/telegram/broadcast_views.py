"""Broadcast states and callback data; the compose flow's keyboards and texts.

Pure functions of data. What the admin sees once a broadcast exists (card, reports,
history, schedule list) is in ``broadcast_reports``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcast import Audience, AudienceSize
from bot.telegram.texts import Texts, quote


class Compose(StatesGroup):
    choosing_audience = State()
    pasting_recipients = State()
    writing_message = State()
    adding_buttons = State()
    confirming = State()
    choosing_time = State()


class AudiencePick(CallbackData, prefix="bca"):
    kind: str  # an AudienceKind, or booked_menu / lessons_menu / back
    value: str = ""


class DraftAction(CallbackData, prefix="bcd"):
    draft: str
    action: Literal["send", "schedule", "test", "edit", "cancel", "no_buttons", "at"]
    at: int = 0  # unix time, for "at"


class Control(CallbackData, prefix="bcc"):
    broadcast_id: int
    action: Literal[
        "pause",
        "resume",
        "cancel",
        "open",
        "retry",
        "delete",
        "delete_yes",
        "export",
        "unschedule",
    ]


class HistoryAt(CallbackData, prefix="bch"):
    page: int


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _safe(value: str) -> bool:
    return ":" not in value and len(value) <= 40


# audience --------------------------------------------------------------------------------------


def audience_keyboard(texts: Texts, streams: list[str]) -> InlineKeyboardMarkup:
    rows = [[button(texts("bc_btn_everyone"), AudiencePick(kind="everyone"))]]
    students = [
        button(texts("bc_btn_stream", stream=s), AudiencePick(kind="stream", value=s))
        for s in streams
        if _safe(s)
    ]
    rows += [students[i : i + 2] for i in range(0, len(students), 2)]
    rows += [
        [button(texts("bc_btn_booked_menu"), AudiencePick(kind="booked_menu"))],
        [button(texts("bc_btn_unpaid"), AudiencePick(kind="unpaid"))],
        [button(texts("bc_btn_lessons_menu"), AudiencePick(kind="lessons_menu"))],
        [button(texts("bc_btn_individual"), AudiencePick(kind="individual"))],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def booked_keyboard(texts: Texts, streams: list[str]) -> InlineKeyboardMarkup:
    buttons = [
        button(texts("bc_btn_booked", stream=s), AudiencePick(kind="booked", value=s))
        for s in streams
        if _safe(s)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(texts("bc_btn_back"), AudiencePick(kind="back"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def lessons_keyboard(texts: Texts, lessons: list[str]) -> InlineKeyboardMarkup:
    rows = [[button(texts("bc_btn_lessons_all"), AudiencePick(kind="lessons"))]]
    rows += [
        [button(texts("bc_btn_lesson", lesson=x), AudiencePick(kind="lessons", value=x))]
        for x in lessons
        if _safe(x)
    ]
    rows.append([button(texts("bc_btn_back"), AudiencePick(kind="back"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def audience_label(texts: Texts, audience: Audience | None) -> str:
    if audience is None:
        return texts("bc_aud_unknown")
    if audience.kind == "stream":
        return texts("bc_aud_stream", stream=quote(audience.stream))
    if audience.kind == "booked":
        return texts("bc_aud_booked", stream=quote(audience.stream))
    if audience.kind == "lessons":
        if audience.lesson:
            return texts("bc_aud_lessons", lesson=quote(audience.lesson))
        return texts("bc_aud_lessons_all")
    if audience.kind == "individual":
        return texts("bc_aud_individual", n=len(set(audience.user_ids)))
    return texts(f"bc_aud_{audience.kind}")


def audience_summary(texts: Texts, audience: Audience, size: AudienceSize) -> str:
    return texts(
        "bc_audience_summary",
        audience=audience_label(texts, audience),
        recipients=texts.number(size.recipients),
        blocked=texts.number(size.blocked),
        duplicates=texts.number(size.duplicates),
    )


# composing -------------------------------------------------------------------------------------


def no_buttons_keyboard(texts: Texts, draft: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(texts("bc_btn_no_buttons"), DraftAction(draft=draft, action="no_buttons"))]
        ]
    )


def duration(texts: Texts, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s" if texts.language == "en" else f"{seconds} с"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if texts.language == "en" else f"{minutes} мин {secs} с"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if texts.language == "en" else f"{hours} ч {minutes} мин"


def review_text(texts: Texts, summary: str, recipients: int, rate: float) -> str:
    eta = texts("bc_eta", eta=duration(texts, recipients / rate), rate=texts.number(rate))
    return "\n".join([texts("bc_preview_title"), summary, eta])


def review_keyboard(texts: Texts, draft: str) -> InlineKeyboardMarkup:
    def b(key: str, action: str) -> InlineKeyboardButton:
        return button(texts(key), DraftAction(draft=draft, action=action))  # type: ignore[arg-type]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [b("bc_btn_send", "send"), b("bc_btn_schedule", "schedule")],
            [b("bc_btn_test", "test"), b("bc_btn_edit", "edit"), b("bc_btn_cancel", "cancel")],
        ]
    )


def time_choices(now: datetime) -> list[datetime]:
    """Common choices in the local zone: in an hour, today/tomorrow 10:00 and 19:00."""
    local = now.replace(second=0, microsecond=0)
    choices = [local + timedelta(hours=1)]
    for days in (0, 1):
        for hour in (10, 19):
            at = (local + timedelta(days=days)).replace(hour=hour, minute=0)
            if at > now + timedelta(minutes=5):
                choices.append(at)
    return choices[:5]


def time_keyboard(texts: Texts, draft: str, now: datetime) -> InlineKeyboardMarkup:
    buttons = [
        button(
            texts("bc_btn_in_hour") if index == 0 else texts.when(at),
            DraftAction(draft=draft, action="at", at=int(at.timestamp())),
        )
        for index, at in enumerate(time_choices(now))
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(texts("bc_btn_cancel"), DraftAction(draft=draft, action="cancel"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)
