"""Reading an analytics command's arguments; a wrong one gets the command's usage line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiogram.types import Message

from bot.telegram.console.commands import EXAMPLES
from bot.telegram.texts import Texts

T = TypeVar("T")
ALL_WORDS = frozenset({"all", "всё", "все", "всего"})
MAX_NUMBER_DIGITS = 6


class BadArguments(Exception):
    """The admin's arguments don't fit the command; they get its usage line."""


def words(args: str | None) -> list[str]:
    return (args or "").split()


def positive(word: str) -> int:
    """A positive whole number, or BadArguments."""
    if not word.isdigit() or int(word) <= 0 or len(word) > MAX_NUMBER_DIGITS:
        raise BadArguments(word)
    return int(word)


def one_optional(args: str | None, parse: Callable[[str], T], default: T) -> T:
    """The command's single optional argument, parsed; BadArguments for anything more."""
    given = words(args)
    if len(given) > 1:
        raise BadArguments(args)
    return parse(given[0]) if given else default


def days_or_all(word: str) -> int | None:
    """A number of days, or None for "all"."""
    return None if word.lower() in ALL_WORDS else positive(word)


async def usage(message: Message, texts: Texts, key: str, **fields: Any) -> None:
    """Answer the usage line ``key`` of a command, with its example (the one /help shows)."""
    example = EXAMPLES.get(key.removeprefix("usage_"))
    if example is None:
        await message.answer(texts("usage", usage=texts(key, **fields)))
    else:
        line = texts(key, **fields)
        await message.answer(texts("usage_with_example", usage=line, example=example))
