"""The Telegram stand-in behaves like the Bot API wherever a bot could tell the difference."""

from __future__ import annotations

import asyncio
import json
import struct
import time
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
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
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
    poll = asyncio.create_task(call(http, standin, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    started = time.monotonic()
    await standin.send_message(user.user_id, "/start@school_bot now")
    _, body = await poll
    assert time.monotonic() - started < 1
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
    first = asyncio.create_task(call(http, standin, "getUpdates", timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(call(http, standin, "getUpdates", timeout=0.1))
    status, body = await first
    assert status == 409
    assert "terminated by other getUpdates request" in body["description"]
    assert (await second)[0] == 200


async def test_webhook_receives_updates_with_the_secret_header(
    standin: StandIn, http: aiohttp.ClientSession
) -> None:
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
        await runner.cleanup()


async def test_stop_is_quick_with_a_long_poll_open(http: aiohttp.ClientSession) -> None:
    server = StandIn()
    await server.start()
    poll = asyncio.create_task(call(http, server, "getUpdates", timeout=30))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await server.stop()
    assert time.monotonic() - started < 1.0
    await asyncio.wait_for(asyncio.gather(poll, return_exceptions=True), 1)


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


async def test_callback_data_over_64_bytes_is_refused(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="y" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(user.user_id, "x", reply_markup=keyboard)


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
    with pytest.raises(TimeoutError):
        await standin.wait_for_message(user.user_id, timeout=0.05)


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


async def test_text_of_exactly_4096_characters_is_fine(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    await bot.send_message(user.user_id, "<b>" + "я" * 4096 + "</b>")


async def test_caption_over_1024_is_refused(standin: StandIn, bot: Bot) -> None:
    user = standin.create_user()
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(
            user.user_id, BufferedInputFile(png(2, 2), "p.png"), caption="c" * 1025
        )


async def test_unreachable_users_give_telegrams_errors(standin: StandIn, bot: Bot) -> None:
    never_started = standin.create_user(started=False)
    blocked = standin.create_user(blocked=True)
    deactivated = standin.create_user(deactivated=True)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(never_started.user_id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999_999, "hi")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(blocked.user_id, "hi")
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await bot.send_message(deactivated.user_id, "hi")
    await standin.send_message(never_started.user_id, "/start")
    await bot.send_message(never_started.user_id, "welcome")


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
    standin.set_faults(latency=0.2)
    users = [standin.create_user() for _ in range(20)]
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(user.user_id, "hi") for user in users))
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 1.0


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
