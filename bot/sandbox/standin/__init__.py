"""The Telegram Bot API stand-in used by the sandbox, the end-to-end tests and the benchmarks."""

from .core import Mark
from .faults import FaultKind
from .html import EntityParseError, parse_html
from .models import ApiError, BotAccount, SentMessage, StoredFile, User, UserState, Version
from .standin import StandIn

__all__ = [
    "ApiError",
    "BotAccount",
    "EntityParseError",
    "FaultKind",
    "Mark",
    "SentMessage",
    "StandIn",
    "StoredFile",
    "User",
    "UserState",
    "Version",
    "parse_html",
]
