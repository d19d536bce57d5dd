"""Answers that are more than one plain message: charts with captions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

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
