"""Analytics keyboards (pure functions of data, built with aiogram's builder)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.analytics.models import Lead, Stream, StudentsPage, UserSummary
from bot.telegram.analytics.callbacks import (
    CoursesPage,
    GrowthWindow,
    IncludeUser,
    MessageUser,
    OpenUser,
    StreamOpen,
    StreamPage,
)
from bot.telegram.analytics.views import course_name
from bot.telegram.bookings.callbacks import ManageBookings
from bot.telegram.core.formatting import button_label
from bot.telegram.core.paging import Page
from bot.telegram.texts import Texts

GROWTH_CHOICES = (7, 30, 90, 365, 0)  # days; 0: all history


def _name_and_id(first_name: str | None, username: str | None, user_id: int) -> str:
    """ "Иван @ivan · 4144629476"; someone without a name is just "id 4729057724"."""
    name = " ".join(part for part in (first_name, "@" + username if username else "") if part)
    return button_label(f"{name} · {user_id}" if name else f"id {user_id}")


def growth_keyboard(texts: Texts, current: int) -> InlineKeyboardMarkup:
    """One row of windows; the one shown is marked."""
    keyboard = InlineKeyboardBuilder()
    for days in GROWTH_CHOICES:
        label = str(days) if days else texts("growth_all")
        if days == current:
            label = f"• {label} •"
        keyboard.button(text=label, callback_data=GrowthWindow(days=days))
    keyboard.adjust(len(GROWTH_CHOICES))
    return keyboard.as_markup()


def courses_keyboard(texts: Texts, page: Page[Stream]) -> InlineKeyboardMarkup | None:
    """One button per stream on the page, opening its people; ◀ ▶ where there is more."""
    if not page.items:
        return None
    keyboard = InlineKeyboardBuilder()
    for stream in page.items:
        name = texts.code_name("stream", stream.stream)
        label = f"👥 {course_name(texts, stream.course_id)} · {name}"
        keyboard.button(text=button_label(label), callback_data=StreamOpen(key=stream.key))
    turns = 0
    if page.has_previous:
        keyboard.button(text=texts("prev_page"), callback_data=CoursesPage(page=page.number - 1))
        turns += 1
    if page.has_next:
        keyboard.button(text=texts("next_page"), callback_data=CoursesPage(page=page.number + 1))
        turns += 1
    keyboard.adjust(*[1] * len(page.items), *([turns] if turns else []))
    return keyboard.as_markup()


def students_keyboard(texts: Texts, page: StudentsPage) -> InlineKeyboardMarkup:
    """One button per person on the page, ◀ ▶ where there is more, and for a current stream
    a switch to its other list (bookers ⇄ programme viewers)."""
    keyboard = InlineKeyboardBuilder()
    for s in page.students:
        keyboard.button(
            text=_name_and_id(s.first_name, s.username, s.user_id),
            callback_data=OpenUser(user_id=s.user_id),
        )
    key, number, viewers = page.stream.key, page.page, page.viewers
    turns = 0
    if number > 0:
        keyboard.button(
            text=texts("prev_page"),
            callback_data=StreamPage(key=key, page=number - 1, viewers=viewers),
        )
        turns += 1
    if number + 1 < page.pages:
        keyboard.button(
            text=texts("next_page"),
            callback_data=StreamPage(key=key, page=number + 1, viewers=viewers),
        )
        turns += 1
    switch = []
    if viewers:
        switch = [("students_show_bookers", page.bookers_total)]
    elif page.stream.current:
        switch = [("students_show_viewers", page.viewers_total)]
    for label, n in switch:
        keyboard.button(
            text=texts(label, n=texts.number(n)),
            callback_data=StreamPage(key=key, page=0, viewers=not viewers),
        )
    # people one per row; ◀ ▶ share a row; the switch has its own
    keyboard.adjust(*[1] * len(page.students), *([turns] if turns else []), 1)
    return keyboard.as_markup()


def leads_keyboard(leads: tuple[Lead, ...]) -> InlineKeyboardMarkup | None:
    """The hottest leads, numbered as in the text, each opening the person's card."""
    if not leads:
        return None
    keyboard = InlineKeyboardBuilder()
    for n, lead in enumerate(leads, 1):
        keyboard.button(
            text=button_label(
                f"{n}. " + _name_and_id(lead.first_name, lead.username, lead.user_id)
            ),
            callback_data=OpenUser(user_id=lead.user_id),
        )
    keyboard.adjust(1)
    return keyboard.as_markup()


def user_card_keyboard(
    texts: Texts, user_id: int, *, unreachable: bool = False, bookings: bool = False
) -> InlineKeyboardMarkup:
    """Under a person's card: message them; manage their booking when they have one (the
    booking desk, bot.telegram.bookings); include them in broadcasts again when the broadcast
    bot cannot reach them."""
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=texts("user_message_button"), callback_data=MessageUser(user_id=user_id))
    if bookings:
        keyboard.button(
            text=texts("desk_manage_button"), callback_data=ManageBookings(user_id=user_id)
        )
    if unreachable:
        keyboard.button(
            text=texts("user_include_button"), callback_data=IncludeUser(user_id=user_id)
        )
    keyboard.adjust(1)
    return keyboard.as_markup()


def matches_keyboard(users: tuple[UserSummary, ...]) -> InlineKeyboardMarkup:
    """Several people matched a search: one button each."""
    keyboard = InlineKeyboardBuilder()
    for user in users:
        keyboard.button(
            text=_name_and_id(user.first_name, user.username, user.user_id),
            callback_data=OpenUser(user_id=user.user_id),
        )
    keyboard.adjust(1)
    return keyboard.as_markup()
