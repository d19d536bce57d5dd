"""The /broadcast flow after the audience: message → buttons → preview → send or schedule.

Every button of a draft carries the draft's key; ``CurrentDraft`` lets a press through only
for the draft this admin is composing now, and ``stale_draft`` answers all the others. The key
is also the idempotency key of the broadcast a preview creates, so each version of the message
gets a new one: Edit, and every message written, make the buttons shown before stale (their
keys are kept as ``stale`` to say so), and a preview can only ever send what it showed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageEntity
from aiogram.utils.callback_answer import CallbackAnswer

from bot.broadcast import Audience, BroadcastService, Content, Created, Draft
from bot.broadcast.compose import BUTTON_LABEL_LIMIT, parse_buttons
from bot.config import Settings
from bot.limits import MAX_CAPTION_CHARS, MAX_DOWNLOAD_BYTES, MAX_TEXT_CHARS
from bot.redact import redact
from bot.telegram.broadcast.callbacks import DraftAction, new_draft_key
from bot.telegram.broadcast.html_check import html_problem
from bot.telegram.broadcast.keyboards import no_buttons_keyboard, review_keyboard, time_keyboard
from bot.telegram.broadcast.states import Compose
from bot.telegram.broadcast.views import (
    audience_summary,
    bad_button_lines,
    html_problem_text,
    review_text,
    started_text,
    too_long_text,
)
from bot.telegram.broadcast.when import EXAMPLE_FORMAT, parse_when
from bot.telegram.core.filters import NOT_A_COMMAND, admin_router
from bot.telegram.core.formatting import plain, shown_length
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.texts import Texts, quote

logger = logging.getLogger(__name__)

# Entities Telegram adds by itself; any other entity means the admin formatted the text.
_AUTOMATIC = {"url", "mention", "hashtag", "cashtag", "bot_command", "email", "phone_number"}
BAD_LINES_SHOWN = 10
BAD_LINE_CHARS = 200  # of each line shown back
ERROR_CHARS_SHOWN = 100  # of Telegram's error text, in an alert
STALE_KEYS_KEPT = 20  # earlier versions' keys a press is recognised by as "out of date"


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


def file_size(message: Message) -> int:
    """The size of the photo, video or document in the message (0 when none or unknown)."""
    media = message.photo[-1] if message.photo else message.video or message.document
    return (media.file_size or 0) if media is not None else 0


async def show_text(message: Message, texts: Texts, text: str, intro_key: str) -> None:
    """The admin's text as typed (tags and all) in a block they can tap to copy."""
    if len(text) > MAX_TEXT_CHARS:
        await message.answer(texts("bc_current_text_long"))
        return
    await message.answer(texts(intro_key))
    await message.answer(f"<pre>{quote(text)}</pre>")


MEDIA_KEPT = "media_kept"  # FSM data: a file whose caption the admin is fixing


def with_kept_media(content: Content, data: dict[str, Any]) -> Content:
    """A text sent while a file's caption is being fixed: that file, with the text as caption."""
    kept = data.get(MEDIA_KEPT)
    if content.kind != "text" or not kept:
        return content
    media = Content.from_json(kept)
    return Content(media.kind, content.text, media.file_id, media.file_name, media.buttons)


async def checked_content(
    message: Message, texts: Texts, two_bots: bool, state: FSMContext
) -> Content | None:
    """The content of the admin's message, or None after telling them what is wrong with it
    (bad HTML is caught here, with its place, and the text shown back for fixing).

    A file whose caption is wrong is kept: the corrected caption may come as plain text.
    """
    content = content_of(message)
    if isinstance(content, str):
        await message.answer(texts(content))
        return None
    size = file_size(message)
    if two_bots and size > MAX_DOWNLOAD_BYTES:
        # the course bot gets the file through the console bot, which may fetch only 20 MB
        await message.answer(texts("bc_file_too_big", mb=MAX_DOWNLOAD_BYTES // (1024 * 1024)))
        return None
    data = await state.get_data()
    if content.kind != "text":
        data = await state.update_data({MEDIA_KEPT: None})
    content = with_kept_media(content, data)
    media = content.kind != "text"
    problem = html_problem(content.text)
    if problem is not None:
        await keep_media(state, content)  # before the reply: the fix may come at once
        await message.answer(html_problem_text(texts, problem, media=media))
        if len(content.text) <= MAX_TEXT_CHARS:
            await message.answer(f"<pre>{quote(content.text)}</pre>")
        return None
    if not media and not plain(content.text).strip():
        await message.answer(texts("bc_empty_text"))
        return None
    limit = MAX_CAPTION_CHARS if media else MAX_TEXT_CHARS
    length = shown_length(content.text)
    if length > limit:
        await keep_media(state, content)
        await message.answer(too_long_text(texts, length, limit, media=media))
        return None
    await state.update_data({MEDIA_KEPT: None})
    return content


async def keep_media(state: FSMContext, content: Content) -> None:
    """Remember a file whose caption must be fixed (nothing for a text)."""
    if content.kind != "text":
        await state.update_data({MEDIA_KEPT: content.to_json()})


def button_lines(texts: Texts, buttons: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(
        texts("bc_button_line", label=quote(label), url=quote(url)) for label, url in buttons
    )


def draft_of(data: dict[str, Any], author_id: int) -> Draft:
    return Draft(
        key=data["draft"],
        author_id=author_id,
        audience=Audience.from_json(data["audience"]),
        content=Content.from_json(data["content"]),
    )


async def new_version(state: FSMContext) -> dict[str, Any]:
    """A new key for the draft: every button shown for it so far goes stale."""
    data = await state.get_data()
    stale = [*data.get("stale", []), data["draft"]][-STALE_KEYS_KEPT:]
    return await state.update_data(draft=new_draft_key(), stale=stale)


class CurrentDraft(Filter):
    """A press on the draft being composed now; its FSM data reaches the handler as ``draft``.

    ``complete``: the draft must also have its audience and content (every action but Cancel).
    """

    def __init__(self, *, complete: bool = True) -> None:
        self.complete = complete

    async def __call__(
        self, query: CallbackQuery, callback_data: DraftAction, state: FSMContext
    ) -> bool | dict[str, Any]:
        data = await state.get_data()
        if data.get("draft") != callback_data.draft:
            return False
        if self.complete and not {"content", "audience"} <= data.keys():
            return False
        return {"draft": data}


# what the admin types ---------------------------------------------------------------------


async def write_message(
    message: Message, state: FSMContext, broadcasts: BroadcastService, texts: Texts
) -> None:
    """The message itself: text, or a photo, video or document with a caption.

    After Edit, the buttons of the message before are offered to keep.
    """
    content = await checked_content(message, texts, broadcasts.two_bots, state)
    if content is None:
        return
    await state.update_data(content=content.to_json())
    data = await new_version(state)
    await state.set_state(Compose.adding_buttons)
    kept = tuple((str(b[0]), str(b[1])) for b in data.get("kept_buttons") or ())
    question = texts("bc_ask_buttons")
    if kept:
        question += texts("bc_current_buttons", buttons=button_lines(texts, kept))
    await message.answer(
        question, reply_markup=no_buttons_keyboard(texts, data["draft"], keep=bool(kept))
    )


async def add_buttons(
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """``Label | https://…`` lines become URL buttons under the message."""
    parsed = parse_buttons(message.text or "")
    if parsed.bad_lines or not parsed.buttons:
        shown = parsed.bad_lines[:BAD_LINES_SHOWN]
        await message.answer(bad_button_lines(texts, shown, BUTTON_LABEL_LIMIT, BAD_LINE_CHARS))
        return
    data = await state.get_data()
    content = Content.from_json(data["content"])
    content = Content(
        content.kind, content.text, content.file_id, content.file_name, parsed.buttons
    )
    await state.update_data(content=content.to_json())
    await preview(message, message.chat.id, state, broadcasts, texts, settings)


async def type_time(
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """A typed time in TIMEZONE: ``30.11.2026 19:00``, ``19:00``, ``завтра 10:00``, ISO."""
    now = datetime.now(settings.tz)
    at = parse_when(message.text or "", now)
    if at is None:
        await message.answer(bad_time_text(texts, now))
        return
    await schedule(message, message.chat.id, at, state, broadcasts, texts)


def bad_time_text(texts: Texts, now: datetime) -> str:
    """What the scheduling step accepts, with an example for tomorrow evening."""
    example = (now + timedelta(days=1)).replace(hour=19, minute=0).strftime(EXAMPLE_FORMAT)
    return texts("bc_bad_time", example=example)


async def preview(
    message: Message,
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
        await keep_media(state, content)
        key = "bc_html_error" if content.kind == "text" else "bc_html_error_media"
        await message.answer(texts(key, error=quote(error.message)))
        return
    audience = Audience.from_json(data["audience"])
    size = await broadcasts.audience_size(audience)
    await state.set_state(Compose.confirming)
    text = review_text(
        texts, audience_summary(texts, audience, size), size.recipients, settings.broadcast_rate
    )
    markup = review_keyboard(texts, data["draft"], size.recipients)
    await message.answer(text, reply_markup=markup)


async def schedule(
    message: Message,
    author_id: int,
    at: datetime,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
) -> None:
    """Schedule the draft for ``at`` (a moment in the future)."""
    if at <= datetime.now(at.tzinfo):
        await message.answer(texts("bc_time_past", when=texts.when(at)))
        return
    created = await broadcasts.schedule(draft_of(await state.get_data(), author_id), at)
    await state.clear()
    if not created.created:
        await message.answer(texts("bc_already", id=created.broadcast_id, status=created.status))
        return
    await message.answer(texts("bc_scheduled_ok", id=created.broadcast_id, when=texts.when(at)))


# the draft's buttons ----------------------------------------------------------------------


async def cancel_draft(
    query: CallbackQuery, message: Message, state: FSMContext, texts: Texts
) -> None:
    """Cancel: drop the draft."""
    await state.clear()
    await message.answer(texts("bc_draft_cancelled"))


async def skip_buttons(
    query: CallbackQuery,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """No buttons: straight to the preview."""
    await drop_buttons(state, keep=False)
    await preview(message, query.from_user.id, state, broadcasts, texts, settings)


async def keep_buttons(
    query: CallbackQuery,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """Keep the URL buttons the message had before Edit: to the preview."""
    await drop_buttons(state, keep=True)
    await preview(message, query.from_user.id, state, broadcasts, texts, settings)


async def drop_buttons(state: FSMContext, *, keep: bool) -> None:
    """Settle the buttons of the new content: the kept ones, or none."""
    data = await state.get_data()
    content = Content.from_json(data["content"])
    kept = tuple((str(b[0]), str(b[1])) for b in data.get("kept_buttons") or ())
    buttons = kept if keep else ()
    content = Content(content.kind, content.text, content.file_id, content.file_name, buttons)
    await state.update_data(content=content.to_json(), kept_buttons=[])


async def edit_draft(
    query: CallbackQuery,
    message: Message,
    draft: dict[str, Any],
    state: FSMContext,
    texts: Texts,
) -> None:
    """Edit: write the message again (the audience stays); the previews so far go stale.

    The current text is shown to copy, and its URL buttons are offered to keep.
    """
    content = Content.from_json(draft["content"])
    await new_version(state)
    await state.update_data(kept_buttons=[list(b) for b in content.buttons])
    await state.set_state(Compose.writing_message)
    await message.answer(texts("bc_write_message"))
    if content.text:
        await show_text(message, texts, content.text, "bc_current_text")


async def test_to_me(
    query: CallbackQuery,
    message: Message,
    draft: dict[str, Any],
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Test to me: the message, exactly as recipients will get it, to this admin only."""
    try:
        await broadcasts.test_to(Content.from_json(draft["content"]), query.from_user.id)
    except TelegramAPIError as error:
        error_text = redact(error.message)[:ERROR_CHARS_SHOWN]
        callback_answer.text = texts("bc_test_failed", error=error_text)
        callback_answer.show_alert = True
        return
    callback_answer.text = texts("bc_test_sent")
    by_bot = ""
    if broadcasts.two_bots:
        username = (await broadcasts.sender_bot.me()).username or ""
        by_bot = texts("bc_test_by_bot", bot=quote(username))
    await message.answer(texts("bc_test_sent_chat", bot=by_bot))


async def ask_time(
    query: CallbackQuery,
    callback_data: DraftAction,
    message: Message,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
) -> None:
    """Schedule: offer common times, or take a typed one."""
    await state.set_state(Compose.choosing_time)
    now = datetime.now(settings.tz)
    example = (now + timedelta(days=1)).replace(hour=19, minute=0).strftime(EXAMPLE_FORMAT)
    await message.answer(
        texts("bc_ask_time", tz=settings.timezone, example=example),
        reply_markup=time_keyboard(texts, callback_data.draft, datetime.now(settings.tz)),
    )


async def time_picked(
    query: CallbackQuery,
    callback_data: DraftAction,
    message: Message,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    settings: Settings,
) -> None:
    """One of the offered times."""
    at = datetime.fromtimestamp(callback_data.at, settings.tz)
    await schedule(message, query.from_user.id, at, state, broadcasts, texts)


async def send_now(
    query: CallbackQuery,
    message: Message,
    draft: dict[str, Any],
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """Send now: create the broadcast (once, whatever is pressed twice) and start it.

    The press is answered as soon as the broadcast is recorded, before its card is posted
    (that may wait for a flood hold on a shared bot, and Telegram refuses late answers); the
    "started" line goes then too, so the card it points to ("below") comes last.
    """

    async def answer(created: Created) -> None:
        if not created.created:  # a double tap or a stale preview: the first one won
            callback_answer.text = texts(
                "bc_already", id=created.broadcast_id, status=created.status
            )
            callback_answer.show_alert = True
            return
        callback_answer.disable()
        await query.answer()
        await state.clear()
        try:
            await message.answer(started_text(texts, created))
        except TelegramAPIError:  # the broadcast goes on; its card and report still come
            logger.warning("could not say broadcast %s started", created.broadcast_id)

    await broadcasts.create(draft_of(draft, query.from_user.id), recorded=answer)
    await state.clear()


async def stale_draft(
    query: CallbackQuery,
    callback_data: DraftAction,
    state: FSMContext,
    broadcasts: BroadcastService,
    texts: Texts,
    callback_answer: CallbackAnswer,
) -> None:
    """A button of an earlier version of the draft, or of a draft sent or closed: say which."""
    callback_answer.show_alert = True
    if callback_data.draft in (await state.get_data()).get("stale", ()):
        callback_answer.text = texts("bc_preview_stale")
        return
    existing = await broadcasts.id_for_draft(callback_data.draft)
    if existing is not None:
        callback_answer.text = texts(
            "bc_already", id=existing.broadcast_id, status=existing.status
        )
    else:
        callback_answer.text = texts("bc_draft_gone")


async def not_a_time(message: Message, texts: Texts, settings: Settings) -> None:
    """A file or sticker where a time was asked for: the formats the step takes."""
    await message.answer(bad_time_text(texts, datetime.now(settings.tz)))


def step_hint(key: str) -> Any:
    """A reply for a message the step has no use for: what the step expects instead."""

    async def hint(message: Message, texts: Texts) -> None:
        await message.answer(texts(key))

    hint.__name__ = hint.__qualname__ = f"hint_{key}"
    return hint


def build_router() -> Router:
    router = admin_router("broadcast-compose")
    router.message.register(write_message, Compose.writing_message, NOT_A_COMMAND)
    router.message.register(add_buttons, Compose.adding_buttons, F.text, NOT_A_COMMAND)
    router.message.register(type_time, Compose.choosing_time, F.text, NOT_A_COMMAND)
    # a message where the step waits for a press (or for text): say what it waits for
    router.message.register(not_a_time, Compose.choosing_time, NOT_A_COMMAND)
    for step, key in (
        (Compose.choosing_audience, "bc_hint_audience"),
        (Compose.adding_buttons, "bc_hint_buttons"),
        (Compose.confirming, "bc_hint_preview"),
    ):
        router.message.register(step_hint(key), step, NOT_A_COMMAND)

    def on_draft(
        handler: Any, action: str, *, complete: bool = True, flags: dict[str, Any] | None = None
    ) -> None:
        router.callback_query.register(
            handler,
            DraftAction.filter(F.action == action),
            CurrentDraft(complete=complete),
            flags=flags,
        )

    on_draft(cancel_draft, "cancel", complete=False)
    on_draft(skip_buttons, "no_buttons")
    on_draft(edit_draft, "edit")
    on_draft(keep_buttons, "keep_buttons")
    on_draft(test_to_me, "test", flags=ANSWER_AFTER)
    on_draft(ask_time, "schedule")
    on_draft(time_picked, "at")
    on_draft(send_now, "send", flags=ANSWER_AFTER)
    router.callback_query.register(stale_draft, DraftAction.filter(), flags=ANSWER_AFTER)
    return router
