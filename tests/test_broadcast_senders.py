"""The long-lived senders of one pass: every claimed recipient is requested at most once, and
whatever was claimed but never requested comes back to be released — also on a halt or a
failing claim. Telegram and the database are stand-ins here; the claims are plain rows.

And the request they send, built once per pass: byte for byte what aiogram sends, answered
with the same message or the same exception."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNetworkError
from aiohttp import web

from bot.broadcast.engine import Outcome, Pacer, Window
from bot.broadcast.models import Content
from bot.broadcast.outgoing import Outgoing, send_content
from bot.broadcast.sending import Claimed, SendPass
from tests.support import CONSOLE_TOKEN


class FakeBot:
    """Answers every send after a short pause, counting who got what and how many at once."""

    def __init__(self) -> None:
        self.received: Counter[int] = Counter()
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, method: Any) -> Any:
        chat_id = method.chat_id
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            self.received[chat_id] += 1
            return type("Sent", (), {"message_id": chat_id})()
        finally:
            self.in_flight -= 1


class Outcomes:
    """The settler's part: outcomes noted in memory."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


class Recipients:
    """Claims over a fixed list of recipients, in id order; can fail on a chosen claim."""

    def __init__(self, count: int, size: int, fail_on: int | None = None) -> None:
        self.rows = [{"id": i, "user_id": 1000 + i} for i in range(1, count + 1)]
        self.size = size
        self.fail_on = fail_on
        self.claims = 0
        self.claimed: list[int] = []

    async def claim(self, after: int) -> list[Any]:
        self.claims += 1
        await asyncio.sleep(0)
        if self.claims == self.fail_on:
            raise ConnectionError("the database went away")
        rows = [r for r in self.rows if r["id"] > after][: self.size]
        self.claimed.extend(r["id"] for r in rows)
        return rows


def send_pass(
    recipients: Recipients, bot: FakeBot, halted: Any = lambda: False
) -> tuple[SendPass, Outcomes]:
    settler = Outcomes()
    sending = SendPass(
        pool=None,  # type: ignore[arg-type]  # no file to remember for text
        bid=1,
        content=Content("text", "hello"),
        bot=bot,  # type: ignore[arg-type]
        pacer=Pacer(1_000_000),
        window=Window(initial=8, maximum=8),
        settler=settler,  # type: ignore[arg-type]
        claim=recipients.claim,
        halted=halted,
        claim_size=recipients.size,
    )
    return sending, settler


@pytest.mark.parametrize("claim_size", [7, 60])  # without and with claiming ahead
async def test_senders_request_every_claimed_recipient_exactly_once(claim_size: int) -> None:
    recipients, bot = Recipients(300, claim_size), FakeBot()
    sending, settler = send_pass(recipients, bot)
    await sending.run()
    assert sorted(bot.received) == [1000 + r["id"] for r in recipients.rows]
    assert set(bot.received.values()) == {1}
    assert sorted(o.recipient_id for o in settler.outcomes) == recipients.claimed
    assert all(o.status == "sent" for o in settler.outcomes)
    assert sending.unsent == []
    assert bot.most_in_flight <= 8  # the window bounds the requests in flight


async def test_a_halt_gives_back_every_claim_no_request_was_made_for() -> None:
    recipients, bot = Recipients(500, 60), FakeBot()
    sending, settler = send_pass(recipients, bot, halted=lambda: sum(bot.received.values()) >= 90)
    await sending.run()
    requested = {chat_id - 1000 for chat_id in bot.received}
    settled = {o.recipient_id for o in settler.outcomes}
    assert set(bot.received.values()) == {1}
    assert settled == requested
    # claimed = requested (settled) + given back, with nobody in both and nobody lost
    assert requested.isdisjoint(sending.unsent)
    assert sorted(requested | set(sending.unsent)) == sorted(recipients.claimed)
    assert len(sending.unsent) == len(set(sending.unsent))
    assert len(recipients.claimed) < len(recipients.rows)  # it stopped claiming too


async def test_a_failing_claim_stops_the_pass_and_leaves_nothing_unaccounted() -> None:
    recipients, bot = Recipients(500, 60, fail_on=3), FakeBot()
    sending, settler = send_pass(recipients, bot)
    with pytest.raises(ConnectionError):
        await sending.run()
    requested = {chat_id - 1000 for chat_id in bot.received}
    assert set(bot.received.values()) == {1}
    assert {o.recipient_id for o in settler.outcomes} == requested
    assert sorted(requested | set(sending.unsent)) == sorted(recipients.claimed)
    assert requested.isdisjoint(sending.unsent)


async def test_claimed_hands_out_rows_in_order_and_says_when_nobody_is_left() -> None:
    recipients = Recipients(10, 4)
    claimed = Claimed(recipients.claim, recipients.size)
    taken = [await claimed.take() for _ in range(10)]
    assert [r["id"] for r in taken] == list(range(1, 11))
    assert await claimed.take() is None
    assert claimed.exhausted
    assert await claimed.left_over() == []


async def test_the_window_wakes_one_waiter_per_freed_place() -> None:
    window = Window(initial=4, maximum=4)
    for _ in range(4):
        await window.acquire()
    waiters = [asyncio.create_task(window.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    window.release(None)
    await asyncio.sleep(0)
    assert [w.done() for w in waiters] == [True, False, False]
    waiters[1].cancel()  # a waiter that gives up does not take the next place
    window.release(None)
    await asyncio.sleep(0)
    assert waiters[2].done() and window.in_flight == 4
    await asyncio.gather(*waiters, return_exceptions=True)


# --- the request, built once ------------------------------------------------------------------


def api_bot(base_url: str) -> Bot:
    """A bot as bot.app.make_bot makes one (HTML, link previews off), at ``base_url``."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    default = DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)
    return Bot(CONSOLE_TOKEN, session=session, default=default)


@pytest.fixture
async def recording_api() -> AsyncIterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """A Bot API that records each request (path, content type, body) and says "sent"."""
    requests: list[tuple[str, str, bytes]] = []

    async def answer(request: web.Request) -> web.Response:
        body = await request.read()
        requests.append((request.path, request.content_type, body))
        chat = {"id": 42, "type": "private", "first_name": "Ann"}
        message = {"message_id": len(requests), "date": 0, "chat": chat, "text": "sent"}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/{path:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", requests
    await runner.cleanup()


BUTTONS = (("Программа курса", "https://example.com/a?b=1&c=д"), ("Second", "https://e.com"))


@pytest.mark.parametrize(
    "content",
    [
        Content("text", "<b>Привет</b> & welcome, 50% off", buttons=BUTTONS),
        Content("text", "plain"),
        Content("photo", "caption <i>x</i>", file_id="AgAD-file", buttons=BUTTONS),
        Content("document", "", file_id="BQAD-file"),
        Content("video", "v", file_id="BAAD-file"),
    ],
)
async def test_the_prepared_request_is_the_one_aiogram_sends(
    recording_api: tuple[str, list[tuple[str, str, bytes]]], content: Content
) -> None:
    url, requests = recording_api
    bot = api_bot(url)
    try:
        outgoing = Outgoing(bot, content)
        assert outgoing.prepared
        for chat_id in (42, -1001234567890):
            ours = await outgoing.send(chat_id)
            theirs = await send_content(bot, chat_id, content)
            assert type(ours) is type(theirs) and ours.chat.id == theirs.chat.id == 42
            assert requests[-2] == requests[-1]  # path, content type and body, byte for byte
        assert len(requests) == 4
    finally:
        await bot.session.close()


async def test_the_prepared_request_fails_as_aiogram_fails(standin: Any) -> None:
    blocked = standin.create_user(blocked=True).user_id
    never_started = standin.create_user(started=False).user_id
    bot = api_bot(standin.url)
    content = Content("text", "hello", buttons=BUTTONS)
    outgoing = Outgoing(bot, content)
    try:
        for chat_id, error_type in [
            (blocked, TelegramForbiddenError),
            (never_started, TelegramForbiddenError),
            (987654321, TelegramBadRequest),  # a chat Telegram never saw
        ]:
            with pytest.raises(error_type) as ours:
                await outgoing.send(chat_id)
            with pytest.raises(error_type) as theirs:
                await send_content(bot, chat_id, content)
            assert ours.value.message == theirs.value.message
            assert ours.value.method == theirs.value.method  # about this chat's request
    finally:
        await bot.session.close()


async def test_a_refused_connection_is_a_network_error_caused_by_it() -> None:
    """The engine retries only a connection that was never made: it must still see one."""
    bot = api_bot("http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        with pytest.raises(TelegramNetworkError) as ours:
            await Outgoing(bot, Content("text", "hello")).send(42)
        with pytest.raises(TelegramNetworkError) as theirs:
            await send_content(bot, 42, Content("text", "hello"))
        assert isinstance(ours.value.__cause__, aiohttp.ClientConnectorError)
        assert type(ours.value.__cause__) is type(theirs.value.__cause__)
        assert ours.value.message == theirs.value.message
    finally:
        await bot.session.close()


async def test_an_upload_goes_the_ordinary_way() -> None:
    from aiogram.types import BufferedInputFile

    bot = api_bot("http://127.0.0.1:9")
    try:
        upload = BufferedInputFile(b"data", filename="a.pdf")
        assert not Outgoing(bot, Content("document", "", file_id="x"), upload).prepared
        assert not Outgoing(FakeBot(), Content("text", "hello")).prepared  # type: ignore[arg-type]
    finally:
        await bot.session.close()
