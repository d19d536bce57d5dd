"""Formatted text and keyboards in, Bot API Message objects out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .core import Core
from .files import photo_sizes
from .html import EntityParseError, parse_html
from .models import SentMessage, bad_request
from .params import Params

# Lengths are Unicode code points of the text as shown (after entity parsing); callback data
# is UTF-8 bytes.
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
# Sending checks the length before Telegram's servers see the text; editing does not, so an
# edit gets the servers' own error code.
TEXT_TOO_LONG = {False: "message is too long", True: "MESSAGE_TOO_LONG"}
CAPTION_TOO_LONG = {False: "message caption is too long", True: "MEDIA_CAPTION_TOO_LONG"}


@dataclass(frozen=True)
class Formatted:
    """A text or caption as sent (``raw``) and as shown (``plain`` + ``entities``)."""

    raw: str | None
    plain: str | None
    entities: list[dict[str, Any]]
    parse_mode: str | None


def format_text(
    core: Core, params: Params, field: str, *, caption: bool, edit: bool = False
) -> Formatted:
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
        if len(plain) > MAX_CAPTION:
            raise bad_request(CAPTION_TOO_LONG[edit])
    elif not plain.strip():
        raise bad_request("message text is empty")
    elif len(plain) > MAX_TEXT:
        raise bad_request(TEXT_TOO_LONG[edit])
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
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("reply markup is too long")
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
        if not isinstance(url, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "url" must be of type String'
            )
        reason = url_problem(url)
        if reason is not None:
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: {reason}")
    elif "web_app" in button:
        web_app = button["web_app"]
        url = web_app.get("url") if isinstance(web_app, dict) else None
        if not isinstance(url, str):
            raise bad_request("can't parse inline keyboard button: Web App URL must be a String")
        reason = web_app_url_problem(url)
        if reason is not None:
            raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: {reason}")
    elif not any(key != "text" for key in button):
        raise bad_request("text buttons are unallowed in the inline keyboard")


def web_app_url_problem(url: str) -> str | None:
    """Why Telegram refuses a Mini App's URL (a web_app button, a menu button), or None:
    only HTTPS, to a host it would accept in any button."""
    scheme, has_scheme, _ = url.partition("://")
    if not has_scheme or scheme.lower() != "https":
        return "Only HTTPS links are allowed"
    return url_problem(url)


def url_problem(url: str) -> str | None:
    """Return why Telegram refuses a button URL (tdlib's check_link), or None if it is fine.

    http(s) and scheme-less links need a host with a dot (``https://localhost`` is refused),
    tg:// links are taken as they are, other schemes are not supported.
    """
    scheme, has_scheme, _ = url.partition("://")
    if has_scheme and scheme.lower() == "tg":
        return None
    if has_scheme and scheme.lower() not in ("http", "https"):
        return "Unsupported URL protocol"
    try:
        host = urlsplit(url if has_scheme else f"http://{url}").hostname or ""
    except ValueError:
        return "Wrong HTTP URL"
    if "." not in host.strip(".") or " " in url:
        return "Wrong HTTP URL"
    return None


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
