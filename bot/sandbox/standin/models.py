"""What the stand-in remembers: bots, users, files and the messages bots sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

TOKEN_RE = re.compile(r"^(\d+):[\w-]+$")

# Where a user stands with one bot; "deactivated" (the account was deleted) holds for every bot.
UserState = Literal["never_started", "started", "blocked", "deactivated"]
USER_STATES: tuple[UserState, ...] = ("never_started", "started", "blocked", "deactivated")


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass
class BotAccount:
    """A bot the stand-in serves, identified by its token."""

    token: str
    bot_id: int
    username: str
    first_name: str = "Test Bot"

    def to_user(self) -> dict[str, Any]:
        """Return the bot as a Bot API User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass
class User:
    """A Telegram user; their state with each bot (``state(token)``) comes from the flags below.

    ``started``/``blocked`` are about every bot (also bots added later); the ``*_bots`` sets
    are about single bots. ``deactivated`` means the account was deleted.
    """

    user_id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    deactivated: bool = False
    started: bool = True  # pressed Start in every bot; otherwise see started_bots
    blocked: bool = False  # blocked every bot; otherwise see blocked_bots
    started_bots: set[str] = field(default_factory=set)
    blocked_bots: set[str] = field(default_factory=set)
    unblocked_bots: set[str] = field(default_factory=set)  # exceptions to ``blocked``
    unstarted_bots: set[str] = field(default_factory=set)  # exceptions to ``started``

    def block(self, token: str | None = None) -> None:
        """Block one bot, or every bot when ``token`` is None."""
        if token is None:
            self.blocked = True
            self.unblocked_bots.clear()
        else:
            self.blocked_bots.add(token)
            self.unblocked_bots.discard(token)

    def unblock(self, token: str | None = None) -> None:
        """Unblock one bot, or every bot when ``token`` is None."""
        if token is None:
            self.blocked = False
            self.blocked_bots.clear()
            self.unblocked_bots.clear()
        else:
            self.blocked_bots.discard(token)
            if self.blocked:
                self.unblocked_bots.add(token)

    def is_blocked(self, token: str) -> bool:
        """Tell whether the user blocked this bot."""
        if token in self.blocked_bots:
            return True
        return self.blocked and token not in self.unblocked_bots

    def has_started(self, token: str) -> bool:
        """Tell whether the user ever opened a chat with this bot."""
        if token in self.started_bots:
            return True
        return self.started and token not in self.unstarted_bots

    def start(self, token: str) -> None:
        """The user opened a chat with this bot (pressed Start or wrote to it)."""
        self.started_bots.add(token)
        self.unstarted_bots.discard(token)

    def state(self, token: str) -> UserState:
        """Return where the user stands with this bot."""
        if self.deactivated:
            return "deactivated"
        if self.is_blocked(token):
            return "blocked"
        return "started" if self.has_started(token) else "never_started"

    def set_state(self, token: str, state: UserState) -> None:
        """Put the user in ``state`` with this bot ("deactivated" is about every bot)."""
        if state not in USER_STATES:
            raise ValueError(f"unknown user state {state!r}; one of {USER_STATES}")
        self.deactivated = state == "deactivated"
        if state == "deactivated":
            return
        if state == "blocked":
            self.block(token)
        else:
            self.unblock(token)
        if state == "never_started":
            self.started_bots.discard(token)
            self.unstarted_bots.add(token)
        else:
            self.start(token)

    def to_dict(self) -> dict[str, Any]:
        """Return the user as a Bot API User object."""
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> dict[str, Any]:
        """Return the private chat with this user as a Bot API Chat object."""
        chat: dict[str, Any] = {
            "id": self.user_id,
            "type": "private",
            "first_name": self.first_name,
        }
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class StoredFile:
    """An uploaded file; its ``file_id`` is valid for the owning bot only."""

    file_id: str
    file_unique_id: str
    token: str
    kind: str  # photo / document / video
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    def describe(self) -> dict[str, Any]:
        """Return the PhotoSize / Document / Video object for a message."""
        info: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.kind in ("photo", "video"):
            info["width"] = self.width
            info["height"] = self.height
        if self.kind == "video":
            info["duration"] = 0
        if self.kind in ("document", "video"):
            if self.file_name:
                info["file_name"] = self.file_name
            if self.mime_type:
                info["mime_type"] = self.mime_type
        return info


@dataclass(frozen=True)
class Version:
    """The content of a message before one of its edits."""

    kind: str
    text: str | None
    plain_text: str | None
    caption: str | None
    plain_caption: str | None
    reply_markup: dict[str, Any] | None
    media: StoredFile | None
    date: int


@dataclass
class SentMessage:
    """A message a bot sent, as the user would see it (with its history)."""

    message_id: int
    chat_id: int
    token: str
    kind: str  # text / photo / document / video
    date: int
    text: str | None = None
    plain_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    plain_caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    media: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    edits: list[Version] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    incoming: bool = False  # sent by the user to the bot (never in a transcript)
    seq: int = 0  # order of delivery across the whole stand-in

    @property
    def photo_bytes(self) -> bytes | None:
        """Return the photo's bytes for photo messages."""
        return self.media.data if self.media and self.kind == "photo" else None

    @property
    def document_bytes(self) -> bytes | None:
        """Return the file's bytes for document messages."""
        return self.media.data if self.media and self.kind == "document" else None

    @property
    def document_name(self) -> str | None:
        """Return the file name for document messages."""
        return self.media.file_name if self.media and self.kind == "document" else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Return inline keyboard rows as ``(text, callback_data or url)``."""
        markup = self.reply_markup or {}
        return [
            [
                (b.get("text", ""), b.get("callback_data", b.get("url", _web_app_url(b))))
                for b in row
            ]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def shown_text(self) -> str:
        """Return what the user reads: the plain text or the plain caption."""
        shown = self.plain_text if self.kind == "text" else self.plain_caption
        return shown or ""

    def snapshot(self) -> Version:
        """Capture the current content before an edit."""
        return Version(
            self.kind,
            self.text,
            self.plain_text,
            self.caption,
            self.plain_caption,
            self.reply_markup,
            self.media,
            self.edit_date or self.date,
        )


def _web_app_url(button: dict[str, Any]) -> str | None:
    """A web_app button's page (what such a button opens, as a url button's link)."""
    web_app = button.get("web_app")
    return web_app.get("url") if isinstance(web_app, dict) else None
