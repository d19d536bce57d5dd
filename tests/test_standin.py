"""The Telegram stand-in behaves like the Bot API wherever a bot could tell the difference."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from bot.sandbox.standin import EntityParseError, StandIn, parse_html

TOKEN = "123456:AAtest-token_1"
OTHER_TOKEN = "654321:BBother-token_2"


def png(width: int, height: int) -> bytes:
    """Return a tiny valid PNG of the given size (one grey row repeated)."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    server = StandIn()
    server.add_bot(TOKEN, "school_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def make_bot(standin: StandIn, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(standin.url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture
async def bot(standin: StandIn) -> AsyncIterator[Bot]:
    telegram_bot = make_bot(standin)
    yield telegram_bot
    await telegram_bot.session.close()


async def call(
    http: aiohttp.ClientSession, standin: StandIn, method: str, token: str = TOKEN, **params: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{standin.url}/bot{token}/{method}", json=params) as response:
        return response.status, await response.json()


async def open_poll(
    http: aiohttp.ClientSession, standin: StandIn, token: str = TOKEN
) -> asyncio.Task[tuple[int, dict[str, Any]]]:
    """Start a getUpdates that only an event can end (its timeout is an hour) and wait until
    the stand-in holds it open."""
    poll = asyncio.create_task(call(http, standin, "getUpdates", token, timeout=3600))
    await standin.wait_for(lambda: standin.open_polls(token) == 1 or poll.done())
    assert not poll.done()
    return poll


async def finished(poll: asyncio.Task[Any]) -> Any:
    """Await a poll an event ended; the bound only turns a stand-in that hangs into a failure."""
    return await asyncio.wait_for(poll, timeout=30)


# --- basics --------------------------------------------------------------------------------


async def test_get_me_answers_with_the_bot(standin: StandIn, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "school_bot", True)


async def test_unknown_method_is_404(standin: StandIn, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, standin, "sendTelepathy")
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_malformed_token_is_unauthorized(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, standin, "getMe", token="not-a-token")
    assert (status, body["description"]) == (401, "Unauthorized")


async def test_well_formed_token_is_registered_on_first_use(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, standin, "getMe", token="777:new")
    assert status == 200
    assert body["result"]["id"] == 777


async def test_form_and_query_parameters_are_understood(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    user = standin.create_user()
    form = {"chat_id": str(user.user_id), "text": "<b>hi</b>", "parse_mode": "HTML"}
    async with http.post(f"{standin.url}/bot{TOKEN}/sendMessage", data=form) as response:
        body = await response.json()
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    url = f"{standin.url}/bot{TOKEN}/sendMessage?chat_id={user.user_id}&text=plain"
    async with http.get(url) as response:
        assert (await response.json())["result"]["text"] == "plain"


# --- updates -------------------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_a_user_writes(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    user = standin.create_user(username="ann")
    poll = await open_poll(http, standin)
    await standin.send_message(user.user_id, "/start@school_bot now")
    status, body = await finished(poll)  # an hour-long poll ended: the message woke it
    assert status == 200
    [update] = body["result"]
    message = update["message"]
    assert message["from"]["username"] == "ann"
    assert message["chat"] == {
        "id": user.user_id,
        "type": "private",
        "first_name": "Test",
        "username": "ann",
    }
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 17}]


async def test_offset_confirms_earlier_updates(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    user = standin.create_user()
    for text in ("one", "two", "three"):
        await standin.send_message(user.user_id, text)
    _, body = await call(http, standin, "getUpdates", limit=2)
    ids = [update["update_id"] for update in body["result"]]
    assert ids == [1, 2]
    _, body = await call(http, standin, "getUpdates", offset=ids[-1] + 1)
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    _, body = await call(http, standin, "getUpdates", offset=4)
    assert body["result"] == []


async def test_a_second_poll_terminates_the_first(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    first = await open_poll(http, standin)
    status, body = await call(http, standin, "getUpdates")
    assert (status, body["result"]) == (200, [])
    status, body = await finished(first)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )


async def test_webhook_receives_updates_with_the_secret_header(
    http: aiohttp.ClientSession,
) -> None:
    standin = StandIn(allow_insecure_webhooks=True)  # the hook below is plain HTTP on 127.0.0.1
    standin.add_bot(TOKEN, "school_bot")
    await standin.start()
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        chat_id = received[-1][1]["message"]["chat"]["id"]
        reply = {"method": "sendMessage", "chat_id": chat_id, "text": "via webhook reply"}
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        user = standin.create_user()
        url = f"http://127.0.0.1:{port}/hook"
        status, _ = await call(http, standin, "setWebhook", url=url, secret_token="s3cret")
        assert status == 200
        await standin.send_message(user.user_id, "hello")
        reply = await standin.wait_for_message(user.user_id, timeout=2)
        assert reply.text == "via webhook reply"
        assert received[0][0] == "s3cret"
        assert received[0][1]["message"]["text"] == "hello"
        status, _ = await call(http, standin, "getUpdates")
        assert status == 409
        _, info = await call(http, standin, "getWebhookInfo")
        assert info["result"]["url"] == url
        assert info["result"]["pending_update_count"] == 0
    finally:
        await standin.stop()
        await runner.cleanup()


async def test_stop_releases_an_open_long_poll(http: aiohttp.ClientSession) -> None:
    server = StandIn()
    server.add_bot(TOKEN)
    await server.start()
    poll = await open_poll(http, server)
    await server.stop()
    assert await finished(poll) == (200, {"ok": True, "result": []})  # not the hour's end


async def test_blocking_queues_my_chat_member(standin: StandIn) -> None:
    user = standin.create_user()
    standin.block_bot(user.user_id)
    standin.unblock_bot(user.user_id, TOKEN)
    updates = list(standin.bot(TOKEN).updates)
    statuses = [u["my_chat_member"]["new_chat_member"]["status"] for u in updates]
    assert statuses == ["kicked", "member"]
    assert not user.is_blocked(TOKEN)


# --- sending, editing, deleting ------------------------------------------------------------


async def test_sent_html_appears_as_plain_text_in_the_transcript(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go:1")]]
    )
    sent = await bot.send_message(
        user.user_id, "<b>Stats</b> &amp; <i>more</i> &lt;3", reply_markup=keyboard
    )
    assert sent.text == "Stats & more <3"
    [message] = standin.transcript(user.user_id)
    assert message.message_id == sent.message_id
    assert message.text == "<b>Stats</b> &amp; <i>more</i> &lt;3"
    assert message.plain_text == "Stats & more <3"
    assert message.buttons == [[("Go", "go:1")]]
    assert standin.delivered_count() == 1


async def test_edits_keep_history_and_identical_edits_are_refused(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    sent = await bot.send_message(user.user_id, "draft")
    await bot.edit_message_text(text="final", chat_id=user.user_id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(text="final", chat_id=user.user_id, message_id=sent.message_id)
    [message] = standin.transcript(user.user_id)
    assert message.plain_text == "final"
    assert [version.plain_text for version in message.edits] == ["draft"]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=user.user_id, message_id=999)


async def test_delete_and_copy(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    other = standin.create_user()
    sent = await bot.send_message(user.user_id, "copy me")
    copied = await bot.copy_message(other.user_id, user.user_id, sent.message_id)
    assert standin.transcript(other.user_id)[0].plain_text == "copy me"
    assert copied.message_id == 1
    assert await bot.delete_message(user.user_id, sent.message_id)
    assert standin.transcript(user.user_id)[0].deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.user_id, sent.message_id)


async def test_messages_older_than_48_hours_cannot_be_deleted(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    sent = await bot.send_message(user.user_id, "old news")
    standin.advance_clock(48 * 3600 + 1)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await bot.delete_message(user.user_id, sent.message_id)
    assert (await bot.send_message(user.user_id, "new")).date.timestamp() > sent.date.timestamp()


async def test_button_press_reaches_the_bot_and_its_answer_is_kept(
    standin: StandIn, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = standin.create_user()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="confirm")]]
    )
    sent = await bot.send_message(user.user_id, "Sure?", reply_markup=keyboard)
    with pytest.raises(ValueError, match="no button"):
        await standin.press_button(user.user_id, sent.message_id, "forged")
    query_id = await standin.press_button(user.user_id, sent.message_id, "confirm")
    _, body = await call(http, standin, "getUpdates")
    query = body["result"][0]["callback_query"]
    assert (query["id"], query["data"]) == (query_id, "confirm")
    assert query["message"]["message_id"] == sent.message_id
    await bot.answer_callback_query(query_id, text="Done")
    answer = await standin.wait_for_callback_answer(query_id, timeout=1)
    assert answer["text"] == "Done"
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


def keyboard_of(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


@pytest.mark.parametrize("data", ["y" * 65, "я" * 33, ""])  # 65, 66 and 0 bytes of UTF-8
async def test_callback_data_is_1_to_64_utf8_bytes(
    standin: StandIn, http: aiohttp.ClientSession, data: str
) -> None:
    user = standin.create_user()
    fits = keyboard_of(InlineKeyboardButton(text="x", callback_data="я" * 32)).model_dump(
        exclude_none=True
    )
    status, _ = await call(
        http, standin, "sendMessage", chat_id=user.user_id, text="x", reply_markup=fits
    )
    assert status == 200  # 32 Cyrillic letters are 64 bytes
    refused = {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}
    status, body = await call(
        http, standin, "sendMessage", chat_id=user.user_id, text="x", reply_markup=refused
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert standin.delivered_count() == 1


async def test_an_inline_keyboard_has_at_most_100_buttons(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()

    def keyboard(buttons: int) -> InlineKeyboardMarkup:
        rows = [
            [InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(r, r + 10)]
            for r in range(0, buttons, 10)
        ]
        rows[-1] = rows[-1][: buttons - 10 * (len(rows) - 1)]
        return InlineKeyboardMarkup(inline_keyboard=rows)

    await bot.send_message(user.user_id, "x", reply_markup=keyboard(100))
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(user.user_id, "x", reply_markup=keyboard(101))
    assert refused.value.message == "Bad Request: reply markup is too long"
    assert standin.delivered_count() == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://localhost", "Wrong HTTP URL"),
        ("http://localhost:8080/scheduler", "Wrong HTTP URL"),
        ("ftp://example.org/file", "Unsupported URL protocol"),
    ],
)
async def test_url_buttons_need_a_host_with_a_dot(
    standin: StandIn, bot: Bot, url: str, reason: str
) -> None:
    user = standin.create_user()
    for fine in ("https://example.org/docs", "t.me/school_bot", "tg://user?id=1"):
        await bot.send_message(
            user.user_id, "x", reply_markup=keyboard_of(InlineKeyboardButton(text="x", url=fine))
        )
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(
            user.user_id, "x", reply_markup=keyboard_of(InlineKeyboardButton(text="x", url=url))
        )
    assert refused.value.message == (
        f"Bad Request: inline keyboard button URL '{url}' is invalid: {reason}"
    )
    assert standin.delivered_count() == 3


async def test_commands_are_stored_per_scope_and_language(standin: StandIn, bot: Bot) -> None:
    from aiogram.types import BotCommand, BotCommandScopeChat

    await bot.set_my_commands([BotCommand(command="stats", description="Statistics")])
    scope = BotCommandScopeChat(chat_id=42)
    await bot.set_my_commands(
        [BotCommand(command="digest", description="Дайджест")], scope=scope, language_code="ru"
    )
    assert standin.commands() == [{"command": "stats", "description": "Statistics"}]
    ru = standin.commands(scope={"type": "chat", "chat_id": 42}, language_code="ru")
    assert ru[0]["command"] == "digest"
    assert [c.command for c in await bot.get_my_commands()] == ["stats"]
    await bot.delete_my_commands()
    assert standin.commands() == []


async def test_wait_for_message_finds_replies_that_arrived_early(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    await bot.send_message(user.user_id, "before")
    await standin.send_message(user.user_id, "/stats")
    await bot.send_message(user.user_id, "reply one")
    await bot.send_message(user.user_id, "reply two")
    assert (await standin.wait_for_message(user.user_id)).plain_text == "reply one"
    assert (await standin.wait_for_message(user.user_id)).plain_text == "reply two"
    with pytest.raises(TimeoutError):  # nothing unread: no waiting needed to tell
        await standin.wait_for_message(user.user_id, timeout=0)


# --- files ---------------------------------------------------------------------------------


async def test_photo_upload_gives_sizes_and_a_downloadable_file(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    image = png(64, 32)
    sent = await bot.send_photo(
        user.user_id, BufferedInputFile(image, "chart.png"), caption="<b>Chart</b>"
    )
    assert sent.photo is not None
    size = sent.photo[-1]
    assert (size.width, size.height, size.file_size) == (64, 32, len(image))
    assert sent.caption == "Chart"
    [message] = standin.transcript(user.user_id)
    assert (message.kind, message.photo_bytes, message.plain_caption) == ("photo", image, "Chart")
    downloaded = await bot.download(size.file_id)
    assert downloaded is not None
    assert downloaded.read() == image
    again = await bot.send_photo(user.user_id, size.file_id)
    assert again.photo is not None and again.photo[-1].file_unique_id == size.file_unique_id


async def test_file_ids_belong_to_one_bot(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    sent = await bot.send_document(user.user_id, BufferedInputFile(b"a,b\n1,2\n", "report.csv"))
    assert sent.document is not None
    assert sent.document.file_name == "report.csv"
    assert sent.document.mime_type == "text/csv"
    assert standin.transcript(user.user_id)[0].document_bytes == b"a,b\n1,2\n"
    other = make_bot(standin, OTHER_TOKEN)
    try:
        with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
            await other.send_document(user.user_id, sent.document.file_id)
        with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
            await other.get_file(sent.document.file_id)
    finally:
        await other.session.close()


async def test_user_photos_can_be_fetched_by_the_bot(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    update = await standin.send_message(user.user_id, photo=png(10, 20), caption="look")
    photo = update["message"]["photo"][-1]
    assert (photo["width"], photo["height"]) == (10, 20)
    assert update["message"]["caption"] == "look"
    downloaded = await bot.download(photo["file_id"])
    assert downloaded is not None and downloaded.read() == png(10, 20)


async def test_edit_message_media_with_an_attached_upload(
    standin: StandIn, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = standin.create_user()
    sent = await bot.send_photo(user.user_id, BufferedInputFile(png(4, 4), "a.png"))
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.user_id))
    form.add_field("message_id", str(sent.message_id))
    form.add_field(
        "media", json.dumps({"type": "photo", "media": "attach://new", "caption": "v2"})
    )
    form.add_field("new", png(8, 8), filename="b.png")
    async with http.post(f"{standin.url}/bot{TOKEN}/editMessageMedia", data=form) as response:
        body = await response.json()
    assert body["result"]["photo"][-1]["width"] == 8
    [message] = standin.transcript(user.user_id)
    assert (message.photo_bytes, message.plain_caption) == (png(8, 8), "v2")
    assert message.edits[0].media is not None and message.edits[0].media.width == 4


# --- errors like Telegram's ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "description"),
    [
        ({"text": "x" * 4097}, "Bad Request: message is too long"),
        ({"text": "<b> </b>"}, "Bad Request: message text is empty"),
        (
            {"text": "<div>x</div>"},
            'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 0',
        ),
        ({"text": "a <br> b"}, 'Unsupported start tag "br" at byte offset 2'),
        ({"text": "<b>x</i>"}, 'Unmatched end tag at byte offset 4, expected "</b>"'),
        ({"text": "<b>open"}, 'Can\'t find end tag corresponding to start tag "b"'),
        ({"text": "1 < 2"}, 'Unsupported start tag "" at byte offset 2'),
    ],
)
async def test_bad_text_is_refused_with_telegrams_reason(
    standin: StandIn, http: aiohttp.ClientSession, kwargs: dict[str, str], description: str
) -> None:
    user = standin.create_user()
    status, body = await call(
        http, standin, "sendMessage", chat_id=user.user_id, parse_mode="HTML", **kwargs
    )
    assert status == 400
    assert description in body["description"]
    assert standin.delivered_count() == 0


async def test_text_is_4096_code_points_after_entity_parsing(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    # an emoji is two UTF-16 code units but one code point; tags and &amp; are not counted
    await bot.send_message(user.user_id, "<b>" + "😀" * 4095 + "</b>&amp;")
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(user.user_id, "😀" * 4097)
    assert refused.value.message == "Bad Request: message is too long"
    assert [len(m.plain_text or "") for m in standin.transcript(user.user_id)] == [4096]


async def test_caption_is_1024_code_points(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    await bot.send_photo(user.user_id, BufferedInputFile(png(2, 2), "p.png"), caption="😀" * 1024)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_photo(
            user.user_id, BufferedInputFile(png(2, 2), "p.png"), caption="c" * 1025
        )
    assert refused.value.message == "Bad Request: message caption is too long"
    assert standin.delivered_count() == 1


async def test_edits_too_long_get_the_servers_error_code(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    text = await bot.send_message(user.user_id, "short")
    photo = await bot.send_photo(user.user_id, BufferedInputFile(png(2, 2), "p.png"), caption="c")
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.edit_message_text(
            text="x" * 4097, chat_id=user.user_id, message_id=text.message_id
        )
    assert refused.value.message == "Bad Request: MESSAGE_TOO_LONG"
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.edit_message_caption(
            caption="x" * 1025, chat_id=user.user_id, message_id=photo.message_id
        )
    assert refused.value.message == "Bad Request: MEDIA_CAPTION_TOO_LONG"
    await bot.edit_message_text(text="😀" * 4096, chat_id=user.user_id, message_id=text.message_id)
    first, second = standin.transcript(user.user_id)
    assert (first.plain_text, second.plain_caption) == ("😀" * 4096, "c")


@pytest.mark.parametrize(
    ("flags", "status", "description"),
    [
        ({"started": False}, 403, "Forbidden: bot can't initiate conversation with a user"),
        ({"blocked": True}, 403, "Forbidden: bot was blocked by the user"),
        ({"deactivated": True}, 403, "Forbidden: user is deactivated"),
    ],
)
async def test_unreachable_users_give_telegrams_errors(
    standin: StandIn,
    http: aiohttp.ClientSession,
    flags: dict[str, Any],
    status: int,
    description: str,
) -> None:
    user = standin.create_user(**flags)
    answer = await call(http, standin, "sendMessage", chat_id=user.user_id, text="hi")
    assert answer == (status, {"ok": False, "error_code": status, "description": description})
    assert standin.transcript(user.user_id) == []


async def test_an_id_telegram_never_saw_is_chat_not_found(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, standin, "sendMessage", chat_id=999_999, text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_pressing_start_makes_a_bot_able_to_write(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user(started=False)
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(user.user_id, "hi")
    await standin.send_message(user.user_id, "/start")
    assert standin.user_state(user.user_id, TOKEN) == "started"
    await bot.send_message(user.user_id, "welcome")
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["welcome"]


async def test_each_user_has_a_state_per_bot(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    standin.add_bot(OTHER_TOKEN)
    user = standin.create_user(started_bots=[TOKEN])
    assert standin.user_state(user.user_id, TOKEN) == "started"
    assert standin.user_state(user.user_id, OTHER_TOKEN) == "never_started"

    async def send(token: str) -> tuple[int, str]:
        status, body = await call(
            http, standin, "sendMessage", token, chat_id=user.user_id, text="hi"
        )
        return status, body.get("description", "")

    assert await send(TOKEN) == (200, "")
    assert await send(OTHER_TOKEN) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    standin.set_user_state(user.user_id, OTHER_TOKEN, "blocked")
    assert await send(OTHER_TOKEN) == (403, "Forbidden: bot was blocked by the user")
    assert await send(TOKEN) == (200, "")
    standin.set_user_state(user.user_id, TOKEN, "never_started")
    standin.set_user_state(user.user_id, OTHER_TOKEN, "started")
    assert await send(TOKEN) == (403, "Forbidden: bot can't initiate conversation with a user")
    assert await send(OTHER_TOKEN) == (200, "")
    standin.set_user_state(user.user_id, OTHER_TOKEN, "deactivated")
    assert await send(TOKEN) == (403, "Forbidden: user is deactivated")
    # setting a state is how the world already is: no bot heard of it
    assert list(standin.bot(TOKEN).updates) == list(standin.bot(OTHER_TOKEN).updates) == []


async def test_writing_to_one_bot_starts_only_that_bot(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    standin.add_bot(OTHER_TOKEN)
    user = standin.create_user(started=False)
    await standin.send_message(user.user_id, "hello", token=OTHER_TOKEN)
    status, _ = await call(
        http, standin, "sendMessage", OTHER_TOKEN, chat_id=user.user_id, text="hi"
    )
    assert status == 200
    status, body = await call(http, standin, "sendMessage", chat_id=user.user_id, text="hi")
    assert (status, body["description"]) == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )


async def test_blocking_and_unblocking_tell_that_bot_only(standin: StandIn) -> None:
    standin.add_bot(OTHER_TOKEN)
    user = standin.create_user()

    def statuses(token: str) -> list[tuple[str, str]]:
        return [
            (
                u["my_chat_member"]["old_chat_member"]["status"],
                u["my_chat_member"]["new_chat_member"]["status"],
            )
            for u in standin.bot(token).updates
        ]

    standin.block_bot(user.user_id, TOKEN)
    standin.block_bot(user.user_id, TOKEN)  # already blocked: nothing changes, nothing is sent
    standin.unblock_bot(user.user_id, TOKEN)
    assert statuses(TOKEN) == [("member", "kicked"), ("kicked", "member")]
    assert statuses(OTHER_TOKEN) == []
    assert standin.bot(TOKEN).updates[0]["my_chat_member"]["chat"]["id"] == user.user_id


async def test_blocking_one_bot_leaves_the_other_reachable(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.add_bot(OTHER_TOKEN)
    standin.block_bot(user.user_id, TOKEN)
    other = make_bot(standin, OTHER_TOKEN)
    try:
        await other.send_message(user.user_id, "still here")
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(user.user_id, "hi")
    finally:
        await other.session.close()


# --- limits and faults ---------------------------------------------------------------------


async def test_overall_rate_above_the_limit_gets_429(standin: StandIn, bot: Bot) -> None:
    standin.set_limits(rate_limit=5, chat_burst=None)
    users = [standin.create_user() for _ in range(6)]
    for user in users[:5]:
        await bot.send_message(user.user_id, "hi")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(users[5].user_id, "hi")
    assert refused.value.retry_after >= 1
    assert "Too Many Requests: retry after" in refused.value.message
    assert standin.too_many_requests_served == 1
    assert standin.transcript(users[5].user_id) == []
    standin.set_limits(rate_limit=None)
    await bot.send_message(users[5].user_id, "hi")


async def test_burst_to_one_chat_gets_429(standin: StandIn, http: aiohttp.ClientSession) -> None:
    standin.set_limits(chat_burst=2)
    user = standin.create_user()
    for _ in range(2):
        assert (await call(http, standin, "sendMessage", chat_id=user.user_id, text="x"))[0] == 200
    status, body = await call(http, standin, "sendMessage", chat_id=user.user_id, text="x")
    assert status == 429
    assert body["parameters"]["retry_after"] >= 1
    assert len(standin.transcript(user.user_id)) == 2
    other = standin.create_user()
    assert (await call(http, standin, "sendMessage", chat_id=other.user_id, text="x"))[0] == 200


async def test_server_errors_deliver_nothing(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.set_faults(error_rate=1.0, seed=1)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_message(user.user_id, "hi")
    assert standin.delivered_count() == 0


async def test_lost_response_after_delivery(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.set_faults(drop_after_delivery_rate=1.0)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.user_id, "did it arrive?")
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["did it arrive?"]


async def test_latency_overlaps_like_a_network(standin: StandIn, bot: Bot) -> None:
    standin.set_limits(rate_limit=None, chat_burst=None)
    standin.set_faults(latency=3600)  # slow until the test lets them go
    users = [standin.create_user() for _ in range(20)]
    sends = asyncio.gather(*(bot.send_message(user.user_id, "hi") for user in users))
    await standin.wait_for(lambda: standin.delayed_requests == 20 or sends.done())
    assert standin.delayed_requests == 20  # all held at once, not one after another
    assert standin.delivered_count() == 0
    standin.set_faults()  # the network heals
    await sends
    assert standin.faults_served["latency"] == 20
    assert standin.delivered_count() == 20


async def test_duplicate_deliveries_count_repeated_content(standin: StandIn, bot: Bot) -> None:
    first, second = standin.create_user(), standin.create_user()
    await bot.send_message(first.user_id, "news")
    await bot.send_message(second.user_id, "news")
    assert standin.duplicate_deliveries() == 0
    await bot.send_message(first.user_id, "<b>news</b>")  # different entities, same text shown
    await bot.send_message(first.user_id, "news")
    assert standin.duplicate_deliveries() == 2
    assert standin.duplicate_deliveries(OTHER_TOKEN) == 0


# --- the HTML parser -----------------------------------------------------------------------


def test_entities_use_utf16_offsets() -> None:
    plain, entities = parse_html("😀 <b>жирный</b> <a href='https://x.org/?a=1&amp;b=2'>link</a>")
    assert plain == "😀 жирный link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},
        {"type": "text_link", "url": "https://x.org/?a=1&b=2", "offset": 10, "length": 4},
    ]


def test_pre_with_language_and_spoilers() -> None:
    plain, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>'
    )
    assert plain == "x = 1sq"
    assert [e["type"] for e in entities] == ["pre", "spoiler", "expandable_blockquote"]
    assert entities[0]["language"] == "python"


def test_bare_ampersand_is_kept_like_telegram_does() -> None:
    assert parse_html("Tom & Jerry &copy; &#169;")[0] == "Tom & Jerry &copy; ©"
    with pytest.raises(EntityParseError, match="Unescaped"):
        parse_html("Tom & Jerry", strict_ampersand=True)


def test_span_needs_the_spoiler_class() -> None:
    with pytest.raises(EntityParseError, match='Tag "span" must have class "tg-spoiler"'):
        parse_html('<span class="x">a</span>')


async def test_markup_and_caption_edits_and_bulk_delete(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Docs", url="https://example.org")]]
    )
    photo = await bot.send_photo(user.user_id, BufferedInputFile(png(2, 2), "p.png"))
    text = await bot.send_message(user.user_id, "pick")
    await bot.edit_message_reply_markup(
        chat_id=user.user_id, message_id=text.message_id, reply_markup=keyboard
    )
    await bot.edit_message_caption(
        chat_id=user.user_id, message_id=photo.message_id, caption="<i>new</i>"
    )
    with pytest.raises(TelegramBadRequest, match="there is no caption in the message to edit"):
        await bot.edit_message_caption(
            chat_id=user.user_id, message_id=text.message_id, caption="x"
        )
    await bot.send_chat_action(user.user_id, "typing")
    first, second = standin.transcript(user.user_id)
    assert first.plain_caption == "new"
    assert second.buttons == [[("Docs", "https://example.org")]]
    assert standin.chat_actions == [(TOKEN, user.user_id, "typing")]
    assert await bot.delete_messages(user.user_id, [photo.message_id, text.message_id, 99])
    assert all(message.deleted for message in standin.transcript(user.user_id))


# --- setWebhook like Telegram's ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "description"),
    [
        (
            "http://127.0.0.1:8443/hook",
            "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        ),
        (
            "https://127.0.0.1:8080/hook",
            "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
    ],
)
async def test_webhooks_take_https_on_telegrams_ports_only(
    standin: StandIn, http: aiohttp.ClientSession, url: str, description: str
) -> None:
    status, body = await call(http, standin, "setWebhook", url=url)
    assert (status, body["description"]) == (400, description)
    _, info = await call(http, standin, "getWebhookInfo")
    assert info["result"]["url"] == ""


@pytest.mark.parametrize("url", ["https://127.0.0.1:8443/hook", "127.0.0.1:88/hook"])
async def test_an_https_webhook_on_an_allowed_port_is_set(
    standin: StandIn, http: aiohttp.ClientSession, url: str
) -> None:
    status, body = await call(http, standin, "setWebhook", url=url)
    assert (status, body["result"]) == (200, True)
    _, info = await call(http, standin, "getWebhookInfo")
    assert info["result"]["url"] == url


async def test_plain_http_webhooks_need_the_stand_ins_switch(
    http: aiohttp.ClientSession,
) -> None:
    server = StandIn(allow_insecure_webhooks=True)
    server.add_bot(TOKEN)
    await server.start()
    try:
        status, _ = await call(http, server, "setWebhook", url="http://127.0.0.1:9/hook")
        assert status == 200
    finally:
        await server.stop()


async def test_a_second_set_webhook_within_a_second_gets_429(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    url = "https://127.0.0.1:8443/hook"
    assert (await call(http, standin, "setWebhook", url=url))[0] == 200
    status, body = await call(http, standin, "setWebhook", url=url)
    assert (status, body) == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert standin.too_many_requests_served == 1
    assert (await call(http, standin, "deleteWebhook"))[0] == 200  # not limited
    standin.advance_clock(1)
    assert (await call(http, standin, "setWebhook", url=url))[0] == 200


async def test_set_webhook_ends_an_open_long_poll_with_409(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    poll = await open_poll(http, standin)
    status, _ = await call(http, standin, "setWebhook", url="https://127.0.0.1:8443/hook")
    assert status == 200
    assert await finished(poll) == (
        409,
        {
            "ok": False,
            "error_code": 409,
            "description": "Conflict: terminated by setWebhook request",
        },
    )


async def test_aiogram_sees_the_conflict_of_a_poll_ended_by_set_webhook(
    standin: StandIn, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=3600))
    await standin.wait_for(lambda: standin.open_polls() == 1 or poll.done())
    other = make_bot(standin)
    try:
        await other.set_webhook("https://127.0.0.1:443/hook")
    finally:
        await other.session.close()
    with pytest.raises(TelegramConflictError, match="terminated by setWebhook request"):
        await finished(poll)


# --- callback queries expire ---------------------------------------------------------------


async def press_confirm(standin: StandIn, bot: Bot) -> str:
    user = standin.create_user()
    keyboard = keyboard_of(InlineKeyboardButton(text="Yes", callback_data="confirm"))
    sent = await bot.send_message(user.user_id, "Sure?", reply_markup=keyboard)
    return await standin.press_button(user.user_id, sent.message_id, "confirm")


async def test_a_press_answered_after_10_seconds_is_too_old(standin: StandIn, bot: Bot) -> None:
    query_id = await press_confirm(standin, bot)
    standin.advance_clock(11)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.answer_callback_query(query_id, text="late")
    assert refused.value.message == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    assert query_id not in standin.callback_answers


async def test_a_press_answered_in_time_is_kept(standin: StandIn, bot: Bot) -> None:
    query_id = await press_confirm(standin, bot)
    standin.advance_clock(9)
    assert await bot.answer_callback_query(query_id, text="in time")
    assert standin.callback_answers[query_id]["text"] == "in time"


# --- injected faults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "Internal Server Error"), (502, "Bad Gateway"), (504, "Gateway Timeout")],
)
async def test_a_5xx_after_delivery_leaves_the_message_delivered(
    standin: StandIn, bot: Bot, status: int, reason: str
) -> None:
    user = standin.create_user()
    standin.inject_fault("server_error_after_delivery", status=status)
    with pytest.raises(TelegramServerError) as failed:
        await bot.send_message(user.user_id, "did it arrive?")
    assert failed.value.message == reason
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["did it arrive?"]
    assert standin.faults_served["server_error_after_delivery"] == 1
    await bot.send_message(user.user_id, "next")  # one fault was planned, one was served
    assert standin.delivered_count() == 2


async def test_a_planned_5xx_before_delivery_delivers_nothing(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.inject_fault("server_error", status=500, count=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(user.user_id, "hi")
    assert standin.delivered_count() == 0
    await bot.send_message(user.user_id, "hi")
    assert standin.faults_served["server_error"] == 2


async def test_faults_can_target_one_chat(standin: StandIn, bot: Bot) -> None:
    spared, hit = standin.create_user(), standin.create_user()
    standin.inject_fault("server_error", chat_id=hit.user_id)
    await bot.send_message(spared.user_id, "hi")
    with pytest.raises(TelegramServerError):
        await bot.send_message(hit.user_id, "hi")
    assert standin.faults_served["server_error"] == 1


@pytest.mark.parametrize(
    ("kind", "status", "delivered"),
    [("proxy_error", 502, 0), ("proxy_error", 504, 0), ("proxy_error_after_delivery", 504, 1)],
)
async def test_a_proxys_html_error_page_is_not_a_telegram_error(
    standin: StandIn,
    http: aiohttp.ClientSession,
    bot: Bot,
    kind: Any,
    status: int,
    delivered: int,
) -> None:
    user = standin.create_user()
    standin.inject_fault(kind, status=status)
    with pytest.raises(ClientDecodeError):  # not TelegramServerError: the body is no JSON
        await bot.send_message(user.user_id, "hi")
    assert standin.delivered_count() == delivered
    standin.inject_fault(kind, status=status)
    url = f"{standin.url}/bot{TOKEN}/sendMessage"
    async with http.post(url, json={"chat_id": user.user_id, "text": "x"}) as response:
        assert response.status == status
        assert response.content_type == "text/html"
        assert f"<title>{status} " in await response.text()
    assert standin.faults_served[kind] == 2


async def test_a_planned_lost_response_cuts_the_connection_after_delivery(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    standin.inject_fault("lost_response")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.user_id, "did it arrive?")
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["did it arrive?"]
    assert standin.faults_served["lost_response"] == 1


async def test_a_file_download_can_fail_with_an_http_error(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    update = await standin.send_message(user.user_id, document=("notes.txt", b"lesson notes"))
    file_id = update["message"]["document"]["file_id"]
    standin.inject_fault("download_error", status=503)
    with pytest.raises(aiohttp.ClientResponseError) as failed:
        await bot.download(file_id)
    assert failed.value.status == 503
    assert standin.faults_served["download_error"] == 1
    downloaded = await bot.download(file_id)
    assert downloaded is not None and downloaded.read() == b"lesson notes"


async def test_a_revoked_token_is_unauthorized(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    await bot.send_message(user.user_id, "before")
    standin.revoke_token(TOKEN)
    with pytest.raises(TelegramUnauthorizedError) as refused:
        await bot.send_message(user.user_id, "after")
    assert refused.value.message == "Unauthorized"
    with pytest.raises(TelegramUnauthorizedError):
        await bot.get_me()
    assert standin.faults_served["unauthorized"] == 2
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["before"]


async def test_random_5xx_after_delivery_and_html_errors_come_from_set_faults(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    standin.set_faults(error_after_delivery_rate=1.0, error_status=504)
    with pytest.raises(TelegramServerError, match="Gateway Timeout"):
        await bot.send_message(user.user_id, "a")
    standin.set_faults(proxy_error_rate=1.0)
    with pytest.raises(ClientDecodeError):
        await bot.send_message(user.user_id, "b")
    standin.set_faults()
    await bot.send_message(user.user_id, "c")
    assert [m.plain_text for m in standin.transcript(user.user_id)] == ["a", "c"]
    assert standin.faults_served["server_error_after_delivery"] == 1
    assert standin.faults_served["proxy_error"] == 1


async def test_clear_faults_drops_planned_ones(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.inject_fault("server_error", count=5)
    standin.clear_faults()
    await bot.send_message(user.user_id, "hi")
    assert standin.faults_served["server_error"] == 0


# --- 429 on any method ---------------------------------------------------------------------


async def test_429_can_hit_edits_deletes_answers_and_get_file(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    keyboard = keyboard_of(InlineKeyboardButton(text="Yes", callback_data="confirm"))
    sent = await bot.send_message(user.user_id, "draft", reply_markup=keyboard)
    query_id = await standin.press_button(user.user_id, sent.message_id, "confirm")
    update = await standin.send_message(user.user_id, document=("a.txt", b"a"))
    file_id = update["message"]["document"]["file_id"]
    calls = {
        "editMessageText": lambda: bot.edit_message_text(
            text="final", chat_id=user.user_id, message_id=sent.message_id
        ),
        "deleteMessage": lambda: bot.delete_message(user.user_id, sent.message_id),
        "answerCallbackQuery": lambda: bot.answer_callback_query(query_id, text="ok"),
        "getFile": lambda: bot.get_file(file_id),
    }
    standin.inject_fault("retry_after", methods=list(calls), retry_after=42, count=len(calls))
    for method, attempt in calls.items():
        with pytest.raises(TelegramRetryAfter) as refused:
            await attempt()
        assert refused.value.retry_after == 42, method
        assert refused.value.message.endswith("Too Many Requests: retry after 42"), method
    [message] = standin.transcript(user.user_id)
    assert (message.plain_text, message.deleted) == ("draft", False)  # nothing was done
    assert query_id not in standin.callback_answers
    assert standin.faults_served["retry_after"] == 4
    assert standin.too_many_requests_served == 4
    for attempt in calls.values():  # served once each: the retries go through
        await attempt()


async def test_429_for_every_method_but_get_updates(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    standin.inject_fault("retry_after", methods="*", count=2)
    assert (await call(http, standin, "getUpdates"))[0] == 200
    assert (await call(http, standin, "getMe"))[0] == 429
    assert (await call(http, standin, "setMyCommands", commands=[]))[0] == 429
    assert (await call(http, standin, "getMe"))[0] == 200


# --- files from users ----------------------------------------------------------------------


async def test_users_send_videos_and_documents(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    update = await standin.send_message(
        user.user_id, video=("lesson.mp4", b"\x00mp4"), caption="v"
    )
    video = update["message"]["video"]
    assert (video["file_name"], video["mime_type"], video["file_size"]) == (
        "lesson.mp4",
        "video/mp4",
        4,
    )
    assert update["message"]["caption"] == "v"
    downloaded = await bot.download(video["file_id"])
    assert downloaded is not None and downloaded.read() == b"\x00mp4"
    update = await standin.send_message(user.user_id, document=("plan.pdf", b"%PDF"))
    assert update["message"]["document"]["mime_type"] == "application/pdf"


async def test_files_over_20_mb_reach_the_bot_but_get_file_refuses_them(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    limit = 20 * 1024 * 1024
    at_limit = await standin.send_message(user.user_id, document=("ok.bin", bytes(limit)))
    over = await standin.send_message(user.user_id, video=bytes(limit + 1))
    assert over["message"]["video"]["file_size"] == limit + 1
    file = await bot.get_file(at_limit["message"]["document"]["file_id"])
    assert file.file_size == limit
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.get_file(over["message"]["video"]["file_id"])
    assert refused.value.message == "Bad Request: file is too big"


async def test_a_users_file_belongs_to_the_bot_it_was_sent_to(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    standin.add_bot(OTHER_TOKEN)
    update = await standin.send_message(user.user_id, video=b"clip", token=OTHER_TOKEN)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_video(user.user_id, update["message"]["video"]["file_id"])
    sent = await bot.send_video(user.user_id, BufferedInputFile(b"clip", "clip.mp4"))
    assert sent.video is not None
    assert standin.transcript(user.user_id)[0].media is not None


async def test_delete_messages_fails_whole_when_one_is_older_than_48_hours(
    standin: StandIn, bot: Bot
) -> None:
    user = standin.create_user()
    old = await bot.send_message(user.user_id, "old")
    standin.advance_clock(48 * 3600 + 1)
    new = await bot.send_message(user.user_id, "new")
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.delete_messages(user.user_id, [new.message_id, old.message_id])
    assert refused.value.message == "Bad Request: message can't be deleted for everyone"
    assert [m.deleted for m in standin.transcript(user.user_id)] == [False, False]
    assert await bot.delete_messages(user.user_id, [new.message_id, 999])  # missing: skipped
    assert [m.deleted for m in standin.transcript(user.user_id)] == [False, True]


# --- marks (what the console benchmark times) ----------------------------------------------


async def test_marks_follow_an_update_from_queue_to_the_reply(
    standin: StandIn, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = standin.create_user(username="ann")
    await standin.send_message(user.user_id, "before marks")  # not recorded
    await call(http, standin, "getUpdates", TOKEN, offset=2)
    standin.marks = []
    poll = await open_poll(http, standin)
    update = await standin.send_message(user.user_id, "/stats")
    await finished(poll)
    await bot.send_message(user.user_id, "the answer")
    marks = [(m.what, m.token, m.update_id, m.chat_id) for m in standin.marks]
    assert marks == [
        ("getupdates", TOKEN, None, None),
        ("queued", TOKEN, update["update_id"], None),
        ("handed_out", TOKEN, update["update_id"], None),
        ("sendmessage", TOKEN, None, user.user_id),
    ]
    times = [m.at for m in standin.marks]
    assert times == sorted(times)


async def test_marks_are_off_by_default(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    await standin.send_message(user.user_id, "hello")
    await bot.send_message(user.user_id, "hi")
    assert standin.marks is None


# --- the Mini App's ways in: web_app buttons and the chat menu button ----------------------


async def test_menu_button_is_kept_per_chat_and_needs_https(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    user = standin.create_user()
    web_app = {"type": "web_app", "text": "Open", "web_app": {"url": "https://a.example/app/"}}
    assert await call(http, standin, "getChatMenuButton", chat_id=user.user_id) == (
        200,
        {"ok": True, "result": {"type": "default"}},
    )
    status, _ = await call(
        http, standin, "setChatMenuButton", chat_id=user.user_id, menu_button=web_app
    )
    assert status == 200
    _, answer = await call(http, standin, "getChatMenuButton", chat_id=user.user_id)
    assert answer["result"] == web_app
    other = standin.create_user()
    _, answer = await call(http, standin, "getChatMenuButton", chat_id=other.user_id)
    assert answer["result"] == {"type": "default"}
    plain = {**web_app, "web_app": {"url": "http://a.example/app/"}}
    status, answer = await call(
        http, standin, "setChatMenuButton", chat_id=user.user_id, menu_button=plain
    )
    assert status == 400 and "BUTTON_URL_INVALID" in answer["description"]
    status, answer = await call(
        http, standin, "setChatMenuButton", chat_id=424242, menu_button=web_app
    )
    assert status == 400 and "chat not found" in answer["description"]


async def test_a_default_menu_button_drops_the_chats_own_and_falls_back_to_the_bots(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
    user, other = standin.create_user(), standin.create_user()
    web_app = {"type": "web_app", "text": "Open", "web_app": {"url": "https://a.example/app/"}}
    bots_own = {"type": "web_app", "text": "Shop", "web_app": {"url": "https://b.example/"}}

    async def button(chat_id: int) -> dict[str, Any]:
        status, answer = await call(http, standin, "getChatMenuButton", chat_id=chat_id)
        assert status == 200
        result: dict[str, Any] = answer["result"]
        return result

    async def set_button(menu_button: dict[str, Any], **chat: int) -> None:
        status, answer = await call(
            http, standin, "setChatMenuButton", menu_button=menu_button, **chat
        )
        assert (status, answer["result"]) == (200, True)

    await set_button(web_app, chat_id=user.user_id)
    await set_button({"type": "commands"}, chat_id=other.user_id)
    # the bot's default (no chat_id): chats without a button of their own show it
    await set_button(bots_own)
    assert await button(user.user_id) == web_app
    assert await button(other.user_id) == {"type": "commands"}
    # MenuButtonDefault for a chat: no specific value any more, the bot's default shows
    await set_button({"type": "default"}, chat_id=user.user_id)
    assert await button(user.user_id) == bots_own
    assert await button(other.user_id) == {"type": "commands"}
    # ... and for the bot: Telegram's own default again
    await set_button({"type": "default"})
    assert await button(user.user_id) == {"type": "default"}
    assert await button(other.user_id) == {"type": "commands"}
    # per bot: another bot's buttons are its own
    standin.add_bot(OTHER_TOKEN, "other_bot")
    await set_button(web_app, chat_id=user.user_id)
    _, answer = await call(http, standin, "getChatMenuButton", OTHER_TOKEN, chat_id=user.user_id)
    assert answer["result"] == {"type": "default"}


async def test_web_app_inline_button_needs_an_https_url(standin: StandIn, bot: Bot) -> None:
    from aiogram.types import WebAppInfo

    user = standin.create_user()

    def markup(url: str) -> InlineKeyboardMarkup:
        button = InlineKeyboardButton(text="Open", web_app=WebAppInfo(url=url))
        return InlineKeyboardMarkup(inline_keyboard=[[button]])

    sent = await bot.send_message(user.user_id, "hi", reply_markup=markup("https://a.example/"))
    assert standin.transcript(user.user_id)[-1].buttons == [[("Open", "https://a.example/")]]
    assert sent.message_id
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(user.user_id, "hi", reply_markup=markup("http://a.example/"))
    assert "Only HTTPS links are allowed" in refused.value.message
