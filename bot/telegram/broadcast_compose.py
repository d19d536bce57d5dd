"""The /broadcast flow: audience → message → buttons → preview → send now or schedule.

The audience step lives in ``broadcast_audience``; this module takes the message from there
to a created or scheduled broadcast, and builds the flow's router.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageEntity

from bot.broadcast import Audience, BroadcastService, Content, Draft
from bot.broadcast.compose import parse_buttons, visible_length
from bot.broadcast.models import CAPTION_LIMIT, TEXT_LIMIT
from bot.config import Settings
from bot.telegram.broadcast_audience import (
    message_user,
    paste_recipients,
    pick_audience,
    start_broadcast,
    start_from_menu,
)
from bot.telegram.broadcast_views import (
    AudiencePick,
    Compose,
    DraftAction,
    audience_summary,
    no_buttons_keyboard,
    review_keyboard,
    review_text,
    time_keyboard,
)
from bot.telegram.callbacks import MessageUser
from bot.telegram.commands import ConsoleMenu
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts, quote

# Entities Telegram adds by itself; any other entity means the admin formatted the text.
_AUTOMATIC = {"url", "mention", "hashtag", "cashtag", "bot_command", "email", "phone_number"}
NOT_A_COMMAND = ~F.text.startswith("/")


def _formatted(entities: list[MessageEntity] | None) -> bool:
    return any(e.type not in _AUTOMATIC for e in entities or [])


def content_of(message: Message) -> Content | str:
    """The broadcast content an admin sent, or the text key of what is wrong with it.

    Formatting applied in the Telegram app becomes HTML; text without it is taken as HTML
    the admin typed (so <b>…</b> works, and a broken tag surfaces at the preview).
    """
    if message.media_group_id:
        return "bc_album"
    if message.text is not None:
        text = message.html_text if _formatted(message.entities) else message.text
        return Content("text", text)
    caption = message.caption or ""
    if caption and _formatted(message.caption_entities):
        caption = message.html_text
    if message.photo:
        return Content("photo", caption, message.photo[-1].file_id)
    if message.video:
        return Content("video", caption, message.video.file_id, message.video.file_name)
    if message.document:
        doc = message.document
        return Content("document", caption, doc.file_id, doc.file_name)
    return "bc_unsupported"


async def write_message(message: Message, state: FSMContext, texts: Texts) -> None:
    content = content_of(message)
    if isinstance(content, str):
        await message.answer(texts(content))
        return
    limit = TEXT_LIMIT if content.kind == "text" else CAPTION_LIMIT
    length = visible_length(content.text)
    if length > limit:
        await message.answer(texts("bc_too_long", length=length, limit=limit))
        return
    data = await state.update_data(content=content.to_json())
    await state.set_state(Compose.adding_buttons)
    await message.answer(
        texts("bc_ask_buttons"), reply_markup=no_buttons_keyboard(texts, data["draft"])
    )


async def add_buttons(
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    parsed = parse_buttons(message.text or "")
    if parsed.bad_lines or not parsed.buttons:
        lines = "\n".join(quote(line) for line in parsed.bad_lines[:10]) or "—"
        await message.answer(texts("bc_bad_buttons", lines=lines))
        return
    data = await state.get_data()
    content = Content.from_json(data["content"])
    content = Content(
        content.kind, content.text, content.file_id, content.file_name, parsed.buttons
    )
    await state.update_data(content=content.to_json())
    await _preview(message, message.chat.id, state, broadcasts, texts, settings)


async def _preview(
    answer: Message,
    chat_id: int,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """Show the exact message, then the review card; Telegram's HTML errors surface here."""
    data = await state.get_data()
    content = Content.from_json(data["content"])
    try:
        await broadcasts.preview(content, chat_id)
    except TelegramBadRequest as error:
        await state.set_state(Compose.writing_message)
        await answer.answer(texts("bc_html_error", error=quote(error.message)))
        return
    audience = Audience.from_json(data["audience"])
    size = await broadcasts.audience_size(audience)
    await state.set_state(Compose.confirming)
    text = review_text(
        texts, audience_summary(texts, audience, size), size.recipients, settings.broadcast_rate
    )
    await answer.answer(text, reply_markup=review_keyboard(texts, data["draft"]))


async def draft_action(
    query: CallbackQuery,
    callback_data: DraftAction,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """Buttons of a draft; a stale one (draft already sent, or closed) says what happened."""
    message = query.message
    data = await state.get_data()
    if data.get("draft") != callback_data.draft or not isinstance(message, Message):
        existing = await broadcasts.id_for_draft(callback_data.draft)
        if existing is not None:
            await query.answer(
                texts("bc_already", id=existing.broadcast_id, status=existing.status),
                show_alert=True,
            )
        else:
            await query.answer(texts("bc_draft_gone"), show_alert=True)
        return
    action = callback_data.action
    if action == "cancel":
        await query.answer()
        await state.clear()
        await message.answer(texts("bc_draft_cancelled"))
        return
    if "content" not in data or "audience" not in data:
        await query.answer(texts("bc_draft_gone"), show_alert=True)
        return
    if action == "no_buttons":
        await query.answer()
        await _preview(message, query.from_user.id, state, broadcasts, texts, settings)
    elif action == "edit":
        await query.answer()
        await state.set_state(Compose.writing_message)
        await message.answer(texts("bc_write_message"))
    elif action == "test":
        await _test_to_me(query, data, broadcasts, texts)
    elif action == "schedule":
        await query.answer()
        await state.set_state(Compose.choosing_time)
        now = datetime.now(settings.tz)
        await message.answer(
            texts("bc_ask_time", tz=settings.timezone),
            reply_markup=time_keyboard(texts, callback_data.draft, now),
        )
    elif action == "at":
        await query.answer()
        at = datetime.fromtimestamp(callback_data.at, settings.tz)
        await _schedule(message, query.from_user.id, at, state, broadcasts, texts)
    elif action == "send":
        await _send_now(query, message, data, state, broadcasts, texts)


def _draft(data: dict[str, Any], author_id: int) -> Draft:
    return Draft(
        key=data["draft"],
        author_id=author_id,
        audience=Audience.from_json(data["audience"]),
        content=Content.from_json(data["content"]),
    )


async def _send_now(
    query: CallbackQuery,
    message: Message,
    data: dict[str, Any],
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    created = await broadcasts.create(_draft(data, query.from_user.id))
    await state.clear()
    if not created.created:
        await query.answer(
            texts("bc_already", id=created.broadcast_id, status=created.status), show_alert=True
        )
        return
    await query.answer()
    await message.answer(
        texts(
            "bc_started",
            id=created.broadcast_id,
            recipients=texts.number(created.recipients),
            blocked=texts.number(created.blocked),
            duplicates=texts.number(created.duplicates),
        )
    )


async def _test_to_me(
    query: CallbackQuery, data: dict[str, Any], broadcasts: BroadcastService, texts: Texts
) -> None:
    try:
        await broadcasts.test_to(Content.from_json(data["content"]), query.from_user.id)
    except TelegramAPIError as error:
        await query.answer(texts("bc_test_failed", error=error.message[:100]), show_alert=True)
        return
    await query.answer(texts("bc_test_sent"))


async def _schedule(
    answer: Message,
    author_id: int,
    at: datetime,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    if at <= datetime.now(at.tzinfo):
        await answer.answer(texts("bc_time_past", when=texts.when(at)))
        return
    data = await state.get_data()
    created = await broadcasts.schedule(_draft(data, author_id), at)
    await state.clear()
    if not created.created:
        await answer.answer(texts("bc_already", id=created.broadcast_id, status=created.status))
        return
    await answer.answer(texts("bc_scheduled_ok", id=created.broadcast_id, when=texts.when(at)))


async def type_time(
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    try:
        naive = datetime.strptime((message.text or "").strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        await message.answer(texts("bc_bad_time"))
        return
    at = naive.replace(tzinfo=settings.tz)
    await _schedule(message, message.chat.id, at, state, broadcasts, texts)


def build_router() -> Router:
    router = Router(name="broadcast-compose")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(start_broadcast, Command("broadcast"))
    router.callback_query.register(start_from_menu, ConsoleMenu.filter(F.command == "broadcast"))
    router.callback_query.register(message_user, MessageUser.filter())
    choosing = StateFilter(
        Compose.choosing_audience, Compose.pasting_recipients, Compose.writing_message
    )
    router.callback_query.register(pick_audience, AudiencePick.filter(), choosing)
    router.callback_query.register(draft_action, DraftAction.filter())
    router.message.register(paste_recipients, Compose.pasting_recipients, F.text, NOT_A_COMMAND)
    router.message.register(write_message, Compose.writing_message, NOT_A_COMMAND)
    router.message.register(add_buttons, Compose.adding_buttons, F.text, NOT_A_COMMAND)
    router.message.register(type_time, Compose.choosing_time, F.text, NOT_A_COMMAND)
    return router
