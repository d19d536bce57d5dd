"""Console texts (pure functions of data)."""

from __future__ import annotations

from bot.telegram.console.commands import ADMIN_COMMANDS, EXAMPLES
from bot.telegram.texts import Texts


def help_lines(texts: Texts) -> list[str]:
    """Every admin command with what it does, in menu order; under those that take arguments,
    the syntax (the feature's own usage line, ``usage_<name>``) and one example."""
    lines = [texts("help_title")]
    for name in ADMIN_COMMANDS:
        lines.append(f"/{name} — {texts(f'cmd_{name}')}")
        if name in EXAMPLES:
            lines.append(
                texts("help_example", syntax=_syntax(texts, name), example=EXAMPLES[name])
            )
    return lines


def _syntax(texts: Texts, name: str) -> str:
    key = f"usage_{name}"
    return texts(key) if texts.has(key) else f"/{name}"


def help_text(texts: Texts) -> str:
    return "\n".join(help_lines(texts))


def usage_text(texts: Texts, command: str) -> str:
    """A command's usage line with its example ("Usage: /digest …" / "For example: …")."""
    return texts("usage_with_example", usage=_syntax(texts, command), example=EXAMPLES[command])
