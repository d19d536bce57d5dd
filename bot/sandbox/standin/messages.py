"""Methods that send, copy, edit and delete messages."""

from __future__ import annotations

from typing import Any

from .core import BotState, Core
from .files import resolve_media, resolve_reference
from .models import ApiError, SentMessage, StoredFile, bad_request
from .params import Params
from .render import Formatted, format_text, message_dict, reply_markup

DELETE_WINDOW = 48 * 3600
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def chat_id_of(params: Params, field: str = "chat_id") -> int:
    """Return a numeric chat id; usernames and garbage name no chat we know."""
    value = params.raw(field)
    if value is None or value == "":
        raise bad_request(f"{field} is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None


def _new_message(
    core: Core,
    state: BotState,
    chat_id: int,
    kind: str,
    *,
    text: Formatted | None = None,
    caption: Formatted | None = None,
    media: StoredFile | None = None,
    markup: dict[str, Any] | None = None,
) -> SentMessage:
    token = state.account.token
    core.limiter.admit(token, chat_id)
    message = SentMessage(
        core.next_message_id(token, chat_id),
        chat_id,
        token,
        kind,
        int(core.now()),
        media=media,
        reply_markup=markup,
    )
    if text is not None:
        _apply_text(message, text)
    if caption is not None:
        _apply_caption(message, caption)
    core.deliver(message)
    return message


def _apply_text(message: SentMessage, text: Formatted) -> None:
    message.text, message.plain_text = text.raw, text.plain
    message.entities, message.parse_mode = text.entities, text.parse_mode


def _apply_caption(message: SentMessage, caption: Formatted) -> None:
    message.caption, message.plain_caption = caption.raw, caption.plain
    message.caption_entities = caption.entities
    message.parse_mode = caption.parse_mode


async def send_message(core: Core, state: BotState, params: Params) -> Any:
    """sendMessage."""
    chat_id = chat_id_of(params)
    core.recipient(state.account.token, chat_id)
    text = format_text(core, params, "text", caption=False)
    markup = reply_markup(params)
    message = _new_message(core, state, chat_id, "text", text=text, markup=markup)
    return message_dict(core, message)


def _media_sender(kind: str) -> Any:
    async def send_media(core: Core, state: BotState, params: Params) -> Any:
        chat_id = chat_id_of(params)
        token = state.account.token
        core.recipient(token, chat_id)
        caption = format_text(core, params, "caption", caption=True)
        markup = reply_markup(params)
        media = resolve_media(core, token, params, kind, kind)
        message = _new_message(
            core, state, chat_id, kind, caption=caption, media=media, markup=markup
        )
        return message_dict(core, message)

    send_media.__doc__ = f"send{kind.title()}."
    return send_media


send_photo = _media_sender("photo")
send_document = _media_sender("document")
send_video = _media_sender("video")


async def copy_message(core: Core, state: BotState, params: Params) -> Any:
    """copyMessage: the same content, no link to the original."""
    token = state.account.token
    chat_id = chat_id_of(params)
    from_chat_id = chat_id_of(params, "from_chat_id")
    source = core.find_message(
        token, from_chat_id, params.integer("message_id", required=True) or 0
    )
    if source is None:
        raise bad_request("message to copy not found")
    core.recipient(token, chat_id)
    markup = reply_markup(params) if params.raw("reply_markup") else source.reply_markup
    if source.kind == "text":
        text = Formatted(source.text, source.plain_text, source.entities, source.parse_mode)
        message = _new_message(core, state, chat_id, "text", text=text, markup=markup)
    else:
        if params.raw("caption") is not None:
            caption = format_text(core, params, "caption", caption=True)
        else:
            caption = Formatted(
                source.caption, source.plain_caption, source.caption_entities, source.parse_mode
            )
        message = _new_message(
            core, state, chat_id, source.kind, caption=caption, media=source.media, markup=markup
        )
    return {"message_id": message.message_id}


def _editable(core: Core, state: BotState, params: Params) -> SentMessage:
    if params.raw("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    token = state.account.token
    chat_id = chat_id_of(params)
    message_id = params.integer("message_id", required=True) or 0
    core.recipient(token, chat_id)
    message = core.find_message(token, chat_id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message.incoming:
        raise bad_request("message can't be edited")
    return message


def _commit_edit(core: Core, message: SentMessage, before: Any, after: Any) -> Any:
    if before == after:
        raise bad_request(NOT_MODIFIED)
    message.edit_date = int(core.now())
    core.notify()
    return message_dict(core, message)


async def edit_message_text(core: Core, state: BotState, params: Params) -> Any:
    """editMessageText (omitting reply_markup removes the inline keyboard, as in Telegram)."""
    message = _editable(core, state, params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    text = format_text(core, params, "text", caption=False, edit=True)
    markup = reply_markup(params)
    before = (message.plain_text, message.entities, message.reply_markup)
    after = (text.plain, text.entities, markup)
    if before != after:
        message.edits.append(message.snapshot())
        _apply_text(message, text)
        message.reply_markup = markup
    return _commit_edit(core, message, before, after)


async def edit_message_caption(core: Core, state: BotState, params: Params) -> Any:
    """editMessageCaption."""
    message = _editable(core, state, params)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    caption = format_text(core, params, "caption", caption=True, edit=True)
    markup = reply_markup(params)
    before = (message.plain_caption or None, message.caption_entities, message.reply_markup)
    after = (caption.plain or None, caption.entities, markup)
    if before != after:
        message.edits.append(message.snapshot())
        _apply_caption(message, caption)
        message.reply_markup = markup
    return _commit_edit(core, message, before, after)


async def edit_message_reply_markup(core: Core, state: BotState, params: Params) -> Any:
    """editMessageReplyMarkup."""
    message = _editable(core, state, params)
    markup = reply_markup(params)
    before, after = message.reply_markup, markup
    if before != after:
        message.edits.append(message.snapshot())
        message.reply_markup = markup
    return _commit_edit(core, message, before, after)


async def edit_message_media(core: Core, state: BotState, params: Params) -> Any:
    """editMessageMedia: the media dict may reference an uploaded part via attach://."""
    message = _editable(core, state, params)
    if message.kind == "text":
        raise bad_request("there is no media in the message to edit")
    media = params.nested("media")
    if not isinstance(media, dict) or media.get("type") not in ("photo", "document", "video"):
        raise bad_request("can't parse InputMedia: media type is unsupported")
    kind = media["type"]
    token = state.account.token
    stored = resolve_reference(core, token, params, media.get("media"), kind)
    caption = format_text(core, Params(media), "caption", caption=True, edit=True)
    markup = reply_markup(params)
    old_media = message.media.file_unique_id if message.media else None
    before = (message.kind, old_media, message.plain_caption or None, message.reply_markup)
    after = (kind, stored.file_unique_id, caption.plain or None, markup)
    if before != after:
        message.edits.append(message.snapshot())
        message.kind, message.media, message.reply_markup = kind, stored, markup
        _apply_caption(message, caption)
    return _commit_edit(core, message, before, after)


def _deletable(core: Core, token: str, chat_id: int, message_id: int) -> SentMessage:
    message = core.find_message(token, chat_id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if core.now() - message.date > DELETE_WINDOW:
        raise bad_request("message can't be deleted for everyone")
    return message


async def delete_message(core: Core, state: BotState, params: Params) -> Any:
    """deleteMessage (only within 48 h of sending, by the stand-in clock)."""
    chat_id = chat_id_of(params)
    message_id = params.integer("message_id", required=True) or 0
    _deletable(core, state.account.token, chat_id, message_id).deleted = True
    core.notify()
    return True


async def delete_messages(core: Core, state: BotState, params: Params) -> Any:
    """deleteMessages: messages not found are skipped; one that can't be deleted fails it all."""
    chat_id = chat_id_of(params)
    ids = params.nested("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids is empty")
    found: list[SentMessage] = []
    for message_id in ids:
        try:
            found.append(_deletable(core, state.account.token, chat_id, int(message_id)))
        except ApiError as error:
            if error.description != "Bad Request: message to delete not found":
                raise  # e.g. older than 48 h: nothing is deleted
    if not found:
        raise bad_request("message to delete not found")
    for message in found:
        message.deleted = True
    core.notify()
    return True
