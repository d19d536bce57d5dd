"""The /broadcast flow's first step: who receives it (buttons, pasted ids, /user cards).

Kept apart from writing and confirming the message: this step only settles the audience
and its size, then hands over to ``Compose.writing_message``.
"""

from __future__ import annotations

import secrets

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.broadcast import Audience, BroadcastService
from bot.telegram.broadcast_views import (
    AudiencePick,
    Compose,
    audience_keyboard,
    audience_summary,
    booked_keyboard,
    lessons_keyboard,
)
from bot.telegram.callbacks import MessageUser
from bot.telegram.texts import Texts, quote


async def _open_flow(
    answer: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    await state.clear()
    await state.set_state(Compose.choosing_audience)
    await state.update_data(draft=secrets.token_hex(6))
    streams = await broadcasts.streams()
    await answer.answer(
        texts("bc_choose_audience"), reply_markup=audience_keyboard(texts, streams)
    )


async def start_broadcast(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    await _open_flow(message, state, broadcasts, texts)


async def start_from_menu(
    query: CallbackQuery, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _open_flow(query.message, state, broadcasts, texts)


async def message_user(
    query: CallbackQuery,
    callback_data: MessageUser,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """ "Message this user" on a /user card: the flow with that one recipient."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await state.clear()
    await state.update_data(draft=secrets.token_hex(6))
    await _audience_chosen(
        query.message,
        state,
        broadcasts,
        texts,
        Audience("individual", user_ids=(callback_data.user_id,)),
    )


async def _audience_chosen(
    answer: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    audience: Audience,
    prefix: str = "",
) -> None:
    size = await broadcasts.audience_size(audience)
    summary = audience_summary(texts, audience, size)
    if size.recipients == 0:
        await answer.answer("\n".join(filter(None, [prefix, summary, texts("bc_audience_empty")])))
        return
    await state.update_data(audience=audience.to_json())
    await state.set_state(Compose.writing_message)
    await answer.answer("\n".join(filter(None, [prefix, summary, "", texts("bc_write_message")])))


async def pick_audience(
    query: CallbackQuery,
    callback_data: AudiencePick,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    await query.answer()
    message = query.message
    if not isinstance(message, Message):
        return
    kind, value = callback_data.kind, callback_data.value or None
    if kind == "booked_menu":
        await message.edit_reply_markup(
            reply_markup=booked_keyboard(texts, await broadcasts.streams())
        )
    elif kind == "lessons_menu":
        await message.edit_reply_markup(
            reply_markup=lessons_keyboard(texts, await broadcasts.lesson_types())
        )
    elif kind == "back":
        await message.edit_reply_markup(
            reply_markup=audience_keyboard(texts, await broadcasts.streams())
        )
    elif kind == "individual":
        await state.set_state(Compose.pasting_recipients)
        await message.answer(texts("bc_paste_recipients"))
    elif kind in ("everyone", "unpaid"):
        await _audience_chosen(message, state, broadcasts, texts, Audience(kind))  # type: ignore[arg-type]
    elif kind in ("stream", "booked") and value:
        audience = Audience(kind, stream=value)  # type: ignore[arg-type]
        await _audience_chosen(message, state, broadcasts, texts, audience)
    elif kind == "lessons":
        await _audience_chosen(
            message, state, broadcasts, texts, Audience("lessons", lesson=value)
        )


async def paste_recipients(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    found = await broadcasts.resolve_recipients(message.text or "")
    unknown = ""
    if found.unknown:
        items = ", ".join(quote(u) for u in found.unknown[:30])
        more = "…" if len(found.unknown) > 30 else ""
        unknown = texts("bc_unknown_recipients", n=len(found.unknown), items=items + more)
    if not found.user_ids:
        await message.answer("\n".join(filter(None, [unknown, texts("bc_no_recipients")])))
        return
    audience = Audience("individual", user_ids=found.user_ids)
    await _audience_chosen(message, state, broadcasts, texts, audience, prefix=unknown)
