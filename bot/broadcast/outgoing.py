"""What each recipient receives: the message itself (its request built once per broadcast,
see ``Outgoing``), and its file carried across bots.

File ids belong to one bot: with a separate broadcast bot the admin's file is downloaded
through the console bot, uploaded once through the broadcast bot, and that copy's file id is
kept for everyone else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any, cast
from urllib.parse import urlencode

import asyncpg
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramNetworkError
from aiogram.methods import SendDocument, SendMessage, SendPhoto, SendVideo, TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputFile, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiohttp import BytesPayload, ClientError, ClientTimeout
from yarl import URL

from bot.broadcast.models import Content
from bot.db.queries import QUERIES

# aiogram reads every answer as ``Response[<the method's result>]``, a pydantic generic class
# that pydantic caches only weakly: whenever the garbage collector drops it, the next answer
# rebuilds it (milliseconds of CPU, hundreds of times in a large broadcast). Holding the
# classes of the answers delivery reads (sends, deletions, card edits) keeps them built.
ANSWER_TYPES = (Response[Message], Response[bool], Response[Message | bool])
FORM_URLENCODED = "application/x-www-form-urlencoded"  # how aiohttp sends a form without files


def keyboard(content: Content) -> InlineKeyboardMarkup | None:
    """The admin's URL buttons under the message, one a row."""
    if not content.buttons:
        return None
    builder = InlineKeyboardBuilder()
    for label, url in content.buttons:
        builder.button(text=label, url=url)
    builder.adjust(1)
    return builder.as_markup()


def message_method(
    content: Content, chat_id: int, media: str | InputFile | None = None
) -> TelegramMethod[Message]:
    """The Bot API call that sends the broadcast's message to one chat (as ``send_message``,
    ``send_photo``… would make it); ``media`` overrides the content's file id."""
    markup = keyboard(content)
    if content.kind == "text":
        return SendMessage(chat_id=chat_id, text=content.text, reply_markup=markup)
    file: str | InputFile = media if media is not None else (content.file_id or "")
    caption = content.text or None
    if content.kind == "photo":
        return SendPhoto(chat_id=chat_id, photo=file, caption=caption, reply_markup=markup)
    if content.kind == "video":
        return SendVideo(chat_id=chat_id, video=file, caption=caption, reply_markup=markup)
    return SendDocument(chat_id=chat_id, document=file, caption=caption, reply_markup=markup)


async def send_content(
    bot: Bot, chat_id: int, content: Content, media: str | InputFile | None = None
) -> Message:
    """Send the broadcast's message to one chat; ``media`` overrides the content's file id."""
    return await bot(message_method(content, chat_id, media))


class Outgoing:
    """One broadcast's message, made into a request once and sent to one chat after another.

    aiogram builds every request from scratch: a validated method object, dumped to a dict,
    each value prepared (the keyboard and link options encoded as JSON), then form-encoded —
    for a broadcast the same work for every recipient but the chat id, and about a third of
    the CPU a send costs (tests/benchmarks/broadcast.py prints both ways). Here it is done
    once, by aiogram's own session (``prepare_value``), and each request is that form with the
    recipient's chat id, posted through the bot's own aiohttp session. The answer is read by
    aiogram (``check_response``): the same ``Message`` and the same exceptions as
    ``bot.send_message`` — a refused connection still arrives as a ``TelegramNetworkError``
    caused by the aiohttp error. The session's request middlewares are not run: the only
    one, ``WaitOutFloods``, lets the engine's requests through anyway. An upload, or a bot
    not on an aiohttp session, is sent the ordinary way.
    """

    def __init__(self, bot: Bot, content: Content, media: str | InputFile | None = None) -> None:
        self.bot = bot
        self.content = content
        self.media = media
        self.send: Callable[[int], Awaitable[Message]] = self._send_plainly
        self.prepared = False  # built once (else each send goes through bot.send_message…)
        session = getattr(bot, "session", None)
        if isinstance(session, AiohttpSession) and not isinstance(media, InputFile):
            self._prepare(session)

    def _prepare(self, session: AiohttpSession) -> None:
        method = message_method(self.content, 0, self.media)
        files: dict[str, InputFile] = {}
        fields: list[tuple[str, Any]] = []
        for key, value in method.model_dump(warnings=False).items():  # as build_form_data
            prepared = session.prepare_value(value, bot=self.bot, files=files)
            if prepared or key == "chat_id":
                fields.append((key, prepared))
        if files:
            return
        at = [key for key, _ in fields].index("chat_id")
        head, tail = urlencode(fields[:at]), urlencode(fields[at + 1 :])
        self._head = f"{head}&chat_id=".encode() if head else b"chat_id="
        self._tail = f"&{tail}".encode() if tail else b""
        self._session = session
        self._template = method
        self._url = URL(session.api.api_url(token=self.bot.token, method=method.__api_method__))
        self._timeout = ClientTimeout(total=session.timeout)
        self.send = self._post
        self.prepared = True

    async def _send_plainly(self, chat_id: int) -> Message:
        return await send_content(self.bot, chat_id, self.content, self.media)

    async def _post(self, chat_id: int) -> Message:
        session = self._session
        body = BytesPayload(
            self._head + str(chat_id).encode() + self._tail, content_type=FORM_URLENCODED
        )
        client = await session.create_session()
        try:
            async with client.post(self._url, data=body, timeout=self._timeout) as response:
                raw = await response.text()
        except TimeoutError as error:
            message = "Request timeout error"
            raise TelegramNetworkError(self._method(chat_id), message) from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(self._method(chat_id), message) from error
        try:
            answer = session.check_response(self.bot, self._template, response.status, raw)
        except (TelegramAPIError, ClientDecodeError):
            # raised again about the request as it was made (its chat id and all)
            session.check_response(self.bot, self._method(chat_id), response.status, raw)
            raise
        return cast(Message, answer.result)

    def _method(self, chat_id: int) -> TelegramMethod[Message]:
        return self._template.model_copy(update={"chat_id": chat_id})


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
