"""Answers that are more than one plain message: charts with captions, pages edited in place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.limits import MAX_CAPTION_CHARS
from bot.telegram.texts import Texts


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
    if len(caption) > MAX_CAPTION_CHARS:
        await message.answer(caption)
        caption = caption.split("\n", 1)[0]
    return await message.answer_photo(
        BufferedInputFile(png, filename=name), caption=caption, reply_markup=reply_markup
    )


async def edit_in_place(
    message: Message, text: str | None = None, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show another page in the same message (its text and keyboard, or the keyboard alone).

    A second tap on the same ◀ ▶ asks for what is already shown; Telegram refuses that as
    "message is not modified", which is no error here.
    """
    try:
        if text is None:
            await message.edit_reply_markup(reply_markup=reply_markup)
        else:
            await message.edit_text(text, reply_markup=reply_markup)
    except TelegramBadRequest as error:
        if "message is not modified" not in error.message:
            raise


async def no_arguments(message: Message, command: CommandObject | None, texts: Texts) -> bool:
    """Whether a command that takes none got none (a menu button: None); otherwise answer its
    usage line, so "/stats today" is not silently read as "/stats"."""
    if command is not None and command.args and command.args.strip():
        usage = texts("usage_no_args", command=command.command)
        await message.answer(texts("usage", usage=usage))
        return False
    return True
