"""The Telegram Bot API stand-in used by the sandbox, the end-to-end tests and the benchmarks."""

from .html import EntityParseError, parse_html
from .models import ApiError, BotAccount, SentMessage, StoredFile, User, Version
from .standin import StandIn

__all__ = [
    "ApiError",
    "BotAccount",
    "EntityParseError",
    "SentMessage",
    "StandIn",
    "StoredFile",
    "User",
    "Version",
    "parse_html",
]
