"""StandIn: the Telegram Bot API stand-in and the controls tests use to play the users."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from types import EllipsisType
from typing import Any

import aiohttp

from .actions import UserActions
from .core import BotState
from .misc import commands_key
from .models import SentMessage
from .server import Server
from .updates import push_webhooks


class StandIn(UserActions):
    """An in-process Telegram Bot API over real HTTP; point aiogram at ``url``.

    ``aiogram.client.telegram.TelegramAPIServer.from_base(standin.url)`` makes a bot talk to it.
    """

    def __init__(
        self,
        *,
        rate_limit: float | None = 30.0,
        chat_burst: int | None = 5,
        auto_register: bool = True,
        strict_html: bool = False,
    ) -> None:
        super().__init__(
            rate_limit=rate_limit,
            chat_burst=chat_burst,
            auto_register=auto_register,
            strict_html=strict_html,
        )
        self._server = Server(self)
        self._session: aiohttp.ClientSession | None = None
        self._pushers: dict[str, asyncio.Task[None]] = {}

    # lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the base URL, e.g. ``http://127.0.0.1:41234`` (after ``start``)."""
        return self._server.url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving; port 0 picks a free port."""
        self.stopping = False
        await self._server.start(host, port)
        for state in self.bots.values():
            if state.webhook_url:
                self.ensure_pusher(state)

    async def stop(self) -> None:
        """Stop quickly: open long polls answer at once, webhook pushes are cancelled."""
        self.stopping = True
        for state in self.bots.values():
            state.wake()
        pushers = list(self._pushers.values())
        self._pushers.clear()
        for task in pushers:
            task.cancel()
        await asyncio.gather(*pushers, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._server.stop()

    async def __aenter__(self) -> StandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def ensure_pusher(self, state: BotState) -> None:
        """Start the task that POSTs this bot's updates to its webhook."""
        token = state.account.token
        task = self._pushers.get(token)
        if (task is not None and not task.done()) or self.stopping:
            return
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=60)
            self._session = aiohttp.ClientSession(timeout=timeout)
        self._pushers[token] = asyncio.create_task(
            push_webhooks(self, state, self._session, self._server.execute),
            name=f"standin-webhook-{state.account.bot_id}",
        )

    # reading what bots did -----------------------------------------------------------------

    def transcript(self, chat_id: int, *, token: str | None = None) -> list[SentMessage]:
        """Return the bot messages in a chat, oldest first (deleted ones flagged)."""
        messages = self.by_chat.get(chat_id, [])
        if token is None:
            return list(messages)
        return [message for message in messages if message.token == token]

    def cursor(self) -> int:
        """Return a position in the stream of delivered messages, for ``after=``."""
        return len(self.sent)

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        timeout: float = 5.0,
        token: str | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        after: int | None = None,
    ) -> SentMessage:
        """Return the next bot message in a chat the test has not read yet.

        Without ``after`` the chat has a read position: it moves to the newest message when the
        user sends something or presses a button, and past each message this returns. So a reply
        that arrives before this is awaited is still found. TimeoutError if none comes.
        """
        start = after if after is not None else self._read.get(chat_id, 0)

        def find() -> SentMessage | None:
            found = None
            for message in reversed(self.by_chat.get(chat_id, [])):
                if message.seq <= start:
                    break
                if (token is None or message.token == token) and (
                    predicate is None or predicate(message)
                ):
                    found = message
            return found

        message: SentMessage = await self.wait_until(find, timeout)
        if after is None:
            self._read[chat_id] = max(self._read.get(chat_id, 0), message.seq)
        return message

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
    ) -> Any:
        """Return the first truthy ``predicate()``, re-checked whenever the stand-in changes."""
        return await self.wait_until(predicate, timeout)

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Return the bot's answerCallbackQuery payload for a button press."""
        answer: dict[str, Any] = await self.wait_until(
            lambda: self.callback_answers.get(query_id), timeout
        )
        return answer

    def commands(
        self,
        token: str | None = None,
        *,
        scope: dict[str, Any] | None = None,
        language_code: str | None = None,
    ) -> list[dict[str, Any]]:
        """Return the commands a bot set for a scope (default scope) and language."""
        state = self.bot(self.only_token(token))
        return list(state.commands.get(commands_key(scope, language_code), []))

    def delivered_count(self, token: str | None = None) -> int:
        """Count messages delivered (including ones deleted later)."""
        if token is None:
            return len(self.sent)
        return sum(1 for message in self.sent if message.token == token)

    def duplicate_deliveries(self, token: str | None = None) -> int:
        """Count deliveries whose (bot, chat, content) equals an earlier delivery's."""
        if token is None:
            return len(self.duplicates)
        return sum(1 for message in self.duplicates if message.token == token)

    @property
    def too_many_requests_served(self) -> int:
        """Count 429 answers so far."""
        return self.limiter.too_many_requests_served

    # controls ------------------------------------------------------------------------------

    def set_faults(
        self,
        *,
        error_rate: float = 0.0,
        latency: float = 0.0,
        drop_after_delivery_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Inject faults into send-type requests (all off by default)."""
        self.faults.error_rate = error_rate
        self.faults.latency = latency
        self.faults.drop_after_delivery_rate = drop_after_delivery_rate
        self.faults.rng = random.Random(seed)

    def set_limits(
        self,
        *,
        rate_limit: float | EllipsisType | None = ...,
        chat_burst: int | EllipsisType | None = ...,
    ) -> None:
        """Change flood limits; None or 0 switches one off, an omitted one stays."""
        self.limiter.configure(
            self.limiter.rate_limit if rate_limit is ... else rate_limit,
            self.limiter.chat_burst if chat_burst is ... else chat_burst,
        )

    def advance_clock(self, seconds: float) -> None:
        """Move the stand-in clock (message dates, the 48 h delete rule) forward."""
        self.clock_offset += seconds
