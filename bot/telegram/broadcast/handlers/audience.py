"""The /broadcast flow's first step: who receives it (buttons, pasted ids, /user cards).

Kept apart from writing and confirming the message: this step only settles the audience
and its size, then hands over to ``Compose.writing_message``.
"""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.analytics import SchoolAnalytics
from bot.broadcast import Audience, BroadcastService
from bot.telegram.analytics.callbacks import IncludeUser, MessageUser
from bot.telegram.analytics.keyboards import user_card_keyboard
from bot.telegram.analytics.views import user_card_lines
from bot.telegram.broadcast.callbacks import AudienceMenu, AudiencePick, by_ref, new_draft_key
from bot.telegram.broadcast.keyboards import (
    audience_keyboard,
    booked_keyboard,
    lessons_keyboard,
    students_keyboard,
)
from bot.telegram.broadcast.states import Compose
from bot.telegram.broadcast.views import (
    audience_menu_text,
    audience_summary,
    unknown_recipients,
)
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import NOT_A_COMMAND, admin_router
from bot.telegram.core.formatting import fit
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.core.replies import edit_in_place
from bot.telegram.texts import Texts


async def open_flow(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """A new draft, and the audience buttons."""
    await state.clear()
    await state.set_state(Compose.choosing_audience)
    await state.update_data(draft=new_draft_key())
    question = audience_menu_text(texts, "main", broadcasts.two_bots)
    await message.answer(question, reply_markup=audience_keyboard(texts))


async def audience_chosen(
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    audience: Audience,
    prefix: str = "",
) -> None:
    """Say how many it reaches; with anyone to reach, ask for the message."""
    size = await broadcasts.audience_size(audience)
    summary = audience_summary(texts, audience, size)
    if size.recipients == 0:
        await message.answer(
            "\n".join(filter(None, [prefix, summary, texts("bc_audience_empty")]))
        )
        return
    await state.update_data(audience=audience.to_json())
    await state.set_state(Compose.writing_message)
    await message.answer("\n".join(filter(None, [prefix, summary, "", texts("bc_write_message")])))


# starting ---------------------------------------------------------------------------------


async def start_broadcast(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """/broadcast: choose who receives it."""
    await open_flow(message, state, broadcasts, texts)


async def start_from_menu(
    query: CallbackQuery,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """The menu's New broadcast button."""
    await open_flow(message, state, broadcasts, texts)


async def message_user(
    query: CallbackQuery,
    callback_data: MessageUser,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """ "Message this user" on a /user card: the flow with that one recipient."""
    await state.clear()
    await state.update_data(draft=new_draft_key())
    audience = Audience("individual", user_ids=(callback_data.user_id,))
    await audience_chosen(message, state, broadcasts, texts, audience)


async def include_user(
    query: CallbackQuery,
    callback_data: IncludeUser,
    message: Message,
    broadcasts: BroadcastService,
    school: SchoolAnalytics,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """ "Include in broadcasts again" on a /user card: the card is redrawn, so it no longer
    shows the block as current (its last part, where the buttons are, when it is long)."""
    user_id = callback_data.user_id
    await broadcasts.include_again(user_id, query.from_user.id)
    callback_answer.text = texts("user_included", name=user_id)
    card = await school.user_card(user_id)
    if card is None:  # forgotten meanwhile: nothing left to show
        await message.edit_reply_markup(reply_markup=None)
        return
    keyboard = user_card_keyboard(
        texts, user_id, unreachable=not card.broadcast_reachable, bookings=bool(card.bookings)
    )
    await edit_in_place(message, fit(user_card_lines(texts, card))[-1], keyboard)


# the audience buttons ---------------------------------------------------------------------


async def show_main(
    query: CallbackQuery, message: Message, broadcasts: BroadcastService, texts: Texts
) -> None:
    """Back to the first audience buttons."""
    text = audience_menu_text(texts, "main", broadcasts.two_bots)
    await edit_in_place(message, text, audience_keyboard(texts))


async def show_students(
    query: CallbackQuery,
    callback_data: AudienceMenu,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """A page of the streams whose students can be chosen, newest first."""
    text = audience_menu_text(texts, "students", broadcasts.two_bots)
    markup = students_keyboard(texts, await broadcasts.streams(), callback_data.page)
    await edit_in_place(message, text, markup)


async def show_booked(
    query: CallbackQuery,
    callback_data: AudienceMenu,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """A page of the streams whose bookers can be chosen, newest first."""
    text = audience_menu_text(texts, "booked", broadcasts.two_bots)
    markup = booked_keyboard(texts, await broadcasts.streams(), callback_data.page)
    await edit_in_place(message, text, markup)


async def show_lessons(
    query: CallbackQuery,
    callback_data: AudienceMenu,
    message: Message,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """All free lessons, the upcoming ones by date, and a page of the lesson types."""
    lessons, upcoming = await broadcasts.lesson_types(), await broadcasts.upcoming_lessons()
    text = audience_menu_text(texts, "lessons", broadcasts.two_bots)
    markup = lessons_keyboard(texts, lessons, upcoming, callback_data.page)
    await edit_in_place(message, text, markup)


async def ask_for_recipients(
    query: CallbackQuery, message: Message, state: FSMContext, texts: Texts
) -> None:
    """Individual people: ask for ids or @usernames."""
    await state.set_state(Compose.pasting_recipients)
    await message.answer(texts("bc_paste_recipients"))


async def pick_group(
    query: CallbackQuery,
    callback_data: AudiencePick,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Everyone, those awaiting payment, everyone but the paid, a course's stream's students
    or bookings, a lesson's registrants (of one date, or all).

    The button carries a short ref of the course's stream or the lesson; it is found again
    among the current ones (the data may have changed since the menu was shown).
    """
    kind, ref = callback_data.kind, callback_data.ref
    pair = lesson = None
    if kind in ("stream", "booked"):
        pairs = {p.key: p for p in await broadcasts.streams()}
        found = by_ref(pairs, ref)
        pair = pairs[found] if found is not None else None
    elif kind == "lessons" and ref:
        lesson = by_ref(await broadcasts.lesson_types(), ref)
    if ref and pair is None and lesson is None:
        callback_answer.text = texts("bc_choice_gone")
        callback_answer.show_alert = True
        return
    day = date.fromordinal(callback_data.day) if callback_data.day and lesson else None
    audience = Audience(
        kind,
        stream=pair.stream if pair else None,
        course=pair.course if pair else None,
        lesson=lesson,
        lesson_date=day,
    )
    await audience_chosen(message, state, broadcasts, texts, audience)


async def paste_recipients(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """Ids and @usernames, any separators; the unknown ones are listed."""
    found = await broadcasts.resolve_recipients(message.text or "")
    unknown = unknown_recipients(texts, found.unknown)
    if not found.user_ids:
        await message.answer("\n".join(filter(None, [unknown, texts("bc_no_recipients")])))
        return
    audience = Audience("individual", user_ids=found.user_ids)
    await audience_chosen(message, state, broadcasts, texts, audience, prefix=unknown)


def build_router() -> Router:
    router = admin_router("broadcast-audience")
    router.message.register(start_broadcast, Command("broadcast"))
    router.callback_query.register(start_from_menu, ConsoleMenu.filter(F.command == "broadcast"))
    router.callback_query.register(message_user, MessageUser.filter())
    router.callback_query.register(include_user, IncludeUser.filter(), flags=ANSWER_AFTER)
    choosing = StateFilter(
        Compose.choosing_audience, Compose.pasting_recipients, Compose.writing_message
    )
    menu = AudienceMenu.filter
    router.callback_query.register(show_main, menu(F.menu == "main"), choosing)
    router.callback_query.register(show_students, menu(F.menu == "students"), choosing)
    router.callback_query.register(show_booked, menu(F.menu == "booked"), choosing)
    router.callback_query.register(show_lessons, menu(F.menu == "lessons"), choosing)
    pick = AudiencePick.filter
    router.callback_query.register(ask_for_recipients, pick(F.kind == "individual"), choosing)
    groups = F.kind.in_({"everyone", "awaiting", "all_but_paid", "lessons"}) | (
        F.kind.in_({"stream", "booked"}) & F.ref
    )
    router.callback_query.register(pick_group, pick(groups), choosing, flags=ANSWER_AFTER)
    router.message.register(paste_recipients, Compose.pasting_recipients, F.text, NOT_A_COMMAND)
    return router
