"""What each recipient receives: the message itself, and its file carried across bots.

File ids belong to one bot: with a separate broadcast bot the admin's file is downloaded
through the console bot, uploaded once through the broadcast bot, and that copy's file id is
kept for everyone else.
"""

from __future__ import annotations

from io import BytesIO

import asyncpg
from aiogram import Bot
from aiogram.methods.base import Response
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputFile, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.broadcast.models import Content
from bot.db.queries import QUERIES

# aiogram reads every answer as ``Response[<the method's result>]``, a pydantic generic class
# that pydantic caches only weakly: whenever the garbage collector drops it, the next answer
# rebuilds it (milliseconds of CPU, hundreds of times in a large broadcast). Holding the
# classes of the answers delivery reads (sends, deletions, card edits) keeps them built.
ANSWER_TYPES = (Response[Message], Response[bool], Response[Message | bool])


def keyboard(content: Content) -> InlineKeyboardMarkup | None:
    """The admin's URL buttons under the message, one a row."""
    if not content.buttons:
        return None
    builder = InlineKeyboardBuilder()
    for label, url in content.buttons:
        builder.button(text=label, url=url)
    builder.adjust(1)
    return builder.as_markup()


async def send_content(
    bot: Bot, chat_id: int, content: Content, media: str | InputFile | None = None
) -> Message:
    """Send the broadcast's message to one chat; ``media`` overrides the content's file id."""
    markup = keyboard(content)
    if content.kind == "text":
        return await bot.send_message(chat_id, content.text, reply_markup=markup)
    file: str | InputFile = media if media is not None else (content.file_id or "")
    caption = content.text or None
    if content.kind == "photo":
        return await bot.send_photo(chat_id, file, caption=caption, reply_markup=markup)
    if content.kind == "video":
        return await bot.send_video(chat_id, file, caption=caption, reply_markup=markup)
    return await bot.send_document(chat_id, file, caption=caption, reply_markup=markup)


def file_id_of(message: Message) -> str | None:
    """The file id a bot got for the media it just sent (reused for everyone else)."""
    if message.photo:
        return message.photo[-1].file_id
    if message.video:
        return message.video.file_id
    if message.document:
        return message.document.file_id
    return None


async def transfer_file(console_bot: Bot, content: Content) -> InputFile:
    """Download the admin's file through the console bot, ready to upload elsewhere."""
    buffer = BytesIO()
    await console_bot.download(content.file_id or "", destination=buffer)
    default = {"photo": "photo.jpg", "video": "video.mp4"}.get(content.kind, "file")
    return BufferedInputFile(buffer.getvalue(), filename=content.file_name or default)


async def media_for_sender(
    pool: asyncpg.Pool, bid: int, content: Content, console_bot: Bot, sender_bot: Bot
) -> tuple[str | None, InputFile | None]:
    """The file reference the broadcast bot sends, or the upload that will make one."""
    if content.kind == "text":
        return None, None
    if sender_bot is console_bot:
        return content.file_id, None
    row = await pool.fetchrow(*QUERIES.broadcast_get(message_id=bid))
    if row is not None and row["sender_file_id"]:
        return row["sender_file_id"], None
    return None, await transfer_file(console_bot, content)


async def keep_sender_file(pool: asyncpg.Pool, bid: int, message: Message | None) -> str | None:
    """Remember the broadcast bot's own file id from its first copy (None: nothing to keep)."""
    file_id = file_id_of(message) if message is not None else None
    if file_id:
        await pool.execute(*QUERIES.broadcast_set_sender_file(message_id=bid, file_id=file_id))
    return file_id
