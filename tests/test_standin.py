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
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

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
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
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
        status, body = await call(http, standin, "getUpdates")
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
