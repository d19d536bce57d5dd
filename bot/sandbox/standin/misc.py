"""Small methods: getMe, commands, menu button, callback answers, chat actions, getFile."""

from __future__ import annotations

import json
import re
from typing import Any

from .core import BotState, Core
from .files import WRONG_FILE
from .messages import chat_id_of
from .models import bad_request
from .params import Params
from .render import web_app_url_problem

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DOWNLOAD = 20 * 1024 * 1024  # telegram-bot-api's MAX_DOWNLOAD_FILE_SIZE (20 << 20 bytes)
CALLBACK_ANSWER_WINDOW = 10.0  # seconds (stand-in clock) a press can be answered in
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def get_me(core: Core, state: BotState, params: Params) -> Any:
    """getMe."""
    return {
        **state.account.to_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def answer_true(core: Core, state: BotState, params: Params) -> Any:
    """logOut / close and other methods that only acknowledge."""
    return True


def commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
    """Return the key commands are stored under: (scope as canonical JSON, language)."""
    if not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code or ""


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.nested("scope")
    if scope is not None and not (isinstance(scope, dict) and isinstance(scope.get("type"), str)):
        raise bad_request("can't parse BotCommandScope JSON object")
    return commands_key(scope, params.string("language_code"))


async def set_my_commands(core: Core, state: BotState, params: Params) -> Any:
    """setMyCommands, stored per scope and language."""
    commands = params.nested("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_RE.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = _scope_key(params)
    if commands:
        state.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        state.commands.pop(key, None)
    core.notify()  # tests wait for the menu like for any other change
    return True


async def get_my_commands(core: Core, state: BotState, params: Params) -> Any:
    """getMyCommands."""
    return state.commands.get(_scope_key(params), [])


async def delete_my_commands(core: Core, state: BotState, params: Params) -> Any:
    """deleteMyCommands."""
    state.commands.pop(_scope_key(params), None)
    core.notify()
    return True


async def answer_callback_query(core: Core, state: BotState, params: Params) -> Any:
    """answerCallbackQuery: each query of this bot can be answered once."""
    query_id = params.string("callback_query_id", required=True) or ""
    query = core.callback_queries.get(query_id)
    if query is None or query["token"] != state.account.token or query_id in core.callback_answers:
        raise bad_request(QUERY_TOO_OLD)
    pressed_at = core.callback_pressed_at.get(query_id)  # forged in a test: never expires
    if pressed_at is not None and core.now() - pressed_at > CALLBACK_ANSWER_WINDOW:
        raise bad_request(QUERY_TOO_OLD)
    text = params.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    core.callback_answers[query_id] = {
        "callback_query_id": query_id,
        "text": text,
        "show_alert": params.flag("show_alert"),
        "url": params.string("url"),
        "cache_time": params.integer("cache_time") or 0,
    }
    core.notify()
    return True


async def send_chat_action(core: Core, state: BotState, params: Params) -> Any:
    """sendChatAction."""
    chat_id = chat_id_of(params)
    core.recipient(state.account.token, chat_id)
    action = params.string("action", required=True) or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    core.chat_actions.append((state.account.token, chat_id, action))
    return True


async def get_file(core: Core, state: BotState, params: Params) -> Any:
    """getFile: only for files this bot received or uploaded."""
    file_id = params.string("file_id", required=True) or ""
    stored = core.files.get(file_id)
    if stored is None or stored.token != state.account.token:
        raise bad_request(WRONG_FILE)
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


# --- menu button (setChatMenuButton, for the Mini App) -----------------------------------


def _menu_button(value: Any) -> dict[str, Any]:
    """A MenuButton as Telegram accepts it: commands, default, or web_app with an HTTPS URL."""
    if value is None:
        return {"type": "default"}
    if not isinstance(value, dict) or value.get("type") not in ("commands", "default", "web_app"):
        raise bad_request("can't parse menu button JSON object")
    if value["type"] != "web_app":
        return {"type": value["type"]}
    text, web_app = value.get("text"), value.get("web_app")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    url = web_app.get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or web_app_url_problem(url):
        raise bad_request("BUTTON_URL_INVALID")
    return {"type": "web_app", "text": text, "web_app": {"url": url}}


async def set_chat_menu_button(core: Core, state: BotState, params: Params) -> Any:
    """setChatMenuButton: one chat's button (a chat the bot knows), or the bot's default.

    MenuButtonDefault means "no specific value": for a chat it drops the chat's own button (the
    chat shows the bot's default again), for the bot it drops the default (Telegram's own).
    """
    button = _menu_button(params.nested("menu_button"))
    chat_id = params.integer("chat_id")
    if chat_id is not None and chat_id not in core.users:
        raise bad_request("chat not found")
    if button["type"] == "default":
        state.menu_buttons.pop(chat_id or 0, None)
    else:
        state.menu_buttons[chat_id or 0] = button
    core.notify()
    return True


async def get_chat_menu_button(core: Core, state: BotState, params: Params) -> Any:
    """getChatMenuButton: the chat's own button, else the bot's default."""
    chat_id = params.integer("chat_id") or 0
    return state.menu_buttons.get(chat_id) or state.menu_buttons.get(0) or {"type": "default"}
