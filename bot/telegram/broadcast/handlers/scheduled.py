"""Editing a scheduled broadcast until it starts: Edit #N in /scheduled, then the new text.

Its audience, time and URL buttons stay; the new text (or file with a caption) is checked
like any draft's, and replaces the old one only while the broadcast is still scheduled.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.broadcast import BroadcastService, Content
from bot.telegram.broadcast.callbacks import Control
from bot.telegram.broadcast.handlers.compose import checked_content, show_text
from bot.telegram.broadcast.states import Compose
from bot.telegram.core.filters import NOT_A_COMMAND, admin_router
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.texts import Texts


async def start_editing(
    query: CallbackQuery,
    callback_data: Control,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Edit #N: show the current text to copy and wait for the new one."""
    bid = callback_data.broadcast_id
    broadcast = await broadcasts.get(bid)
    if broadcast is None or broadcast.status != "scheduled":
        callback_answer.text = texts("bc_edit_too_late", id=bid)
        callback_answer.show_alert = True
        return
    await state.clear()
    await state.set_state(Compose.editing_scheduled)
    await state.update_data(editing=bid)
    await message.answer(
        texts("bc_edit_scheduled", id=bid, when=texts.when(broadcast.scheduled_at))
    )
    if broadcast.message_text:
        await show_text(message, texts, broadcast.message_text, "bc_current_text")


async def new_text(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """The new message: checked, then put in place if the broadcast has not started."""
    content = await checked_content(message, texts, broadcasts.two_bots, state)
    if content is None:
        return
    bid = int((await state.get_data())["editing"])
    broadcast = await broadcasts.get(bid)
    buttons = broadcast.content.buttons if broadcast and broadcast.content else ()
    content = Content(content.kind, content.text, content.file_id, content.file_name, buttons)
    user = message.from_user
    at = await broadcasts.update_scheduled(bid, content, user.id if user else 0)
    await state.clear()
    if at is None:
        await message.answer(texts("bc_edit_too_late", id=bid))
        return
    await message.answer(texts("bc_edited_scheduled", id=bid, when=texts.when(at)))


def build_router() -> Router:
    router = admin_router("broadcast-scheduled")
    router.callback_query.register(
        start_editing, Control.filter(F.action == "edit_scheduled"), flags=ANSWER_AFTER
    )
    router.message.register(new_text, Compose.editing_scheduled, NOT_A_COMMAND)
    return router
