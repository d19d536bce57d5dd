"""Answers that are more than one plain message: charts with captions, pages edited in place."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.limits import MAX_CAPTION_CHARS


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
