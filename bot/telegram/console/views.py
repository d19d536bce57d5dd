"""Console texts (pure functions of data)."""

from __future__ import annotations

from bot.telegram.console.commands import ADMIN_COMMANDS
from bot.telegram.texts import Texts


def help_text(texts: Texts) -> str:
    """Every admin command with what it does, in menu order."""
    lines = [f"/{name} — {texts(f'cmd_{name}')}" for name in ADMIN_COMMANDS]
    return "\n".join([texts("help_title"), *lines])
