"""What the analytics handlers share: argument parsing, chart rendering and sending."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.telegram.analytics_views import CAPTION_LIMIT
from bot.telegram.texts import Texts

T = TypeVar("T")
ALL_WORDS = frozenset({"all", "всё", "все", "всего"})


class BadArguments(Exception):
    """The admin's arguments don't fit the command; they get its usage line."""


def words(args: str | None) -> list[str]:
    return (args or "").split()


def positive(word: str) -> int:
    """A positive whole number, or BadArguments."""
    if not word.isdigit() or int(word) <= 0 or len(word) > 6:
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
    await message.answer(texts("usage", usage=texts(key, **fields)))


async def render(draw: Callable[..., bytes], *args: Any) -> bytes:
    """Draw a chart in a worker thread, so the loop keeps answering other admins."""
    return await asyncio.to_thread(draw, *args)


async def answer_chart(
    message: Message,
    png: bytes,
    name: str,
    caption: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send a chart; a caption too long for one goes as a text message before it."""
    if len(caption) > CAPTION_LIMIT:
        await message.answer(caption)
        caption = caption.split("\n", 1)[0]
    return await message.answer_photo(
        BufferedInputFile(png, filename=name), caption=caption, reply_markup=reply_markup
    )
