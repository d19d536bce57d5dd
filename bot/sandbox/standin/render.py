"""Formatted text and keyboards in, Bot API Message objects out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .core import Core
from .files import photo_sizes
from .html import EntityParseError, parse_html, utf16_len
from .models import SentMessage, bad_request
from .params import Params

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64


@dataclass(frozen=True)
class Formatted:
    """A text or caption as sent (``raw``) and as shown (``plain`` + ``entities``)."""

    raw: str | None
    plain: str | None
    entities: list[dict[str, Any]]
    parse_mode: str | None


def format_text(core: Core, params: Params, field: str, *, caption: bool) -> Formatted:
    """Parse a text or caption the way Telegram does, raising its 400 errors."""
    raw = params.string(field)
    mode = params.string("parse_mode")
    entities_field = "caption_entities" if caption else "entities"
    if raw is None:
        if not caption:
            raise bad_request("message text is empty")
        return Formatted(None, None, [], mode)
    if mode is not None and mode.lower() == "html":
        try:
            plain, entities = parse_html(raw, strict_ampersand=core.strict_html)
        except EntityParseError as error:
            raise bad_request(f"can't parse entities: {error}") from None
    elif mode is None or mode.lower() in ("markdown", "markdownv2"):
        # Markdown is not modelled: the text is shown as sent.
        plain, entities = raw, list(params.nested(entities_field) or [])
    else:
        raise bad_request("unsupported parse_mode")
    if caption:
        if utf16_len(plain) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif not plain.strip():
        raise bad_request("message text is empty")
    elif utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return Formatted(raw, plain, entities, mode)


def reply_markup(params: Params) -> dict[str, Any] | None:
    """Return a validated reply_markup (inline keyboards are checked like Telegram does)."""
    markup = params.nested("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    elif "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request("BUTTON_URL_INVALID")
    elif not any(key != "text" for key in button):
        raise bad_request("text buttons are unallowed in the inline keyboard")


def message_dict(core: Core, message: SentMessage) -> dict[str, Any]:
    """Render a stored message as a Bot API Message object."""
    bot = core.bots[message.token].account
    user = core.user(message.chat_id)
    result: dict[str, Any] = {
        "message_id": message.message_id,
        "from": user.to_dict() if message.incoming else bot.to_user(),
        "chat": user.chat(),
        "date": message.date,
    }
    if message.edit_date is not None:
        result["edit_date"] = message.edit_date
    if message.kind == "text":
        result["text"] = message.plain_text
        if message.entities:
            result["entities"] = message.entities
    elif message.media is not None:
        if message.kind == "photo":
            result["photo"] = photo_sizes(message.media)
        else:
            result[message.kind] = message.media.describe()
        if message.plain_caption:
            result["caption"] = message.plain_caption
            if message.caption_entities:
                result["caption_entities"] = message.caption_entities
    markup = message.reply_markup
    if markup is not None and "inline_keyboard" in markup and markup["inline_keyboard"]:
        result["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
    return result
