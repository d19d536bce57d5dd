"""The /broadcast flow's first step: who receives it (buttons, pasted ids, /user cards).

Kept apart from writing and confirming the message: this step only settles the audience
and its size, then hands over to ``Compose.writing_message``.
"""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.broadcast import Audience, BroadcastService
from bot.telegram.analytics.callbacks import MessageUser
from bot.telegram.broadcast.callbacks import AudiencePick
from bot.telegram.broadcast.keyboards import audience_keyboard, booked_keyboard, lessons_keyboard
from bot.telegram.broadcast.states import Compose
from bot.telegram.broadcast.views import audience_summary, unknown_recipients
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import NOT_A_COMMAND, admin_router
from bot.telegram.texts import Texts

DRAFT_KEY_BYTES = 6  # a draft's key: 12 hex characters in every button of its flow


async def open_flow(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """A new draft, and the audience buttons."""
    await state.clear()
    await state.set_state(Compose.choosing_audience)
    await state.update_data(draft=secrets.token_hex(DRAFT_KEY_BYTES))
    streams = await broadcasts.streams()
    await message.answer(
        texts("bc_choose_audience"), reply_markup=audience_keyboard(texts, streams)
    )


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
    await state.update_data(draft=secrets.token_hex(DRAFT_KEY_BYTES))
    audience = Audience("individual", user_ids=(callback_data.user_id,))
    await audience_chosen(message, state, broadcasts, texts, audience)


# the audience buttons ---------------------------------------------------------------------


async def show_booked_menu(
    query: CallbackQuery, message: Message, broadcasts: BroadcastService, texts: Texts
) -> None:
    """Who booked which stream."""
    streams = await broadcasts.streams()
    await message.edit_reply_markup(reply_markup=booked_keyboard(texts, streams))


async def show_lessons_menu(
    query: CallbackQuery, message: Message, broadcasts: BroadcastService, texts: Texts
) -> None:
    """Who registered for which free lesson."""
    lessons = await broadcasts.lesson_types()
    await message.edit_reply_markup(reply_markup=lessons_keyboard(texts, lessons))


async def back_to_audiences(
    query: CallbackQuery, message: Message, broadcasts: BroadcastService, texts: Texts
) -> None:
    """From a sub-menu back to the first audience buttons."""
    streams = await broadcasts.streams()
    await message.edit_reply_markup(reply_markup=audience_keyboard(texts, streams))


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
) -> None:
    """Everyone, the unpaid, a stream's students or its bookings, a lesson's registrants."""
    value = callback_data.value or None
    audience = Audience(
        callback_data.kind,  # type: ignore[arg-type]
        stream=value if callback_data.kind in ("stream", "booked") else None,
        lesson=value if callback_data.kind == "lessons" else None,
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
    choosing = StateFilter(
        Compose.choosing_audience, Compose.pasting_recipients, Compose.writing_message
    )
    pick = AudiencePick.filter
    router.callback_query.register(show_booked_menu, pick(F.kind == "booked_menu"), choosing)
    router.callback_query.register(show_lessons_menu, pick(F.kind == "lessons_menu"), choosing)
    router.callback_query.register(back_to_audiences, pick(F.kind == "back"), choosing)
    router.callback_query.register(ask_for_recipients, pick(F.kind == "individual"), choosing)
    groups = F.kind.in_({"everyone", "unpaid", "lessons"}) | (
        F.kind.in_({"stream", "booked"}) & F.value
    )
    router.callback_query.register(pick_group, pick(groups), choosing)
    router.message.register(paste_recipients, Compose.pasting_recipients, F.text, NOT_A_COMMAND)
    return router
