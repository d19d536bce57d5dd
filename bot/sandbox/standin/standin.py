"""StandIn: the Telegram Bot API stand-in and the controls tests use to play the users."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Callable
from types import EllipsisType
from typing import Any

import aiohttp

from .actions import UserActions
from .core import BotState
from .faults import DEFAULT_RETRY_AFTER, FaultKind, Methods, method_set
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
        allow_insecure_webhooks: bool = False,
    ) -> None:
        """``allow_insecure_webhooks``: accept webhooks on plain HTTP and any port (like
        telegram-bot-api's --local mode), for tests whose bots listen on 127.0.0.1."""
        super().__init__(
            rate_limit=rate_limit,
            chat_burst=chat_burst,
            auto_register=auto_register,
            strict_html=strict_html,
            allow_insecure_webhooks=allow_insecure_webhooks,
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
        self.faults.release_delayed()
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

    @property
    def delayed_requests(self) -> int:
        """Count requests held by ``set_faults(latency=...)`` right now."""
        return self.faults.delayed_now

    def open_polls(self, token: str | None = None) -> int:
        """Count getUpdates requests of a bot being held open right now (wait on it with
        ``wait_for`` rather than sleeping)."""
        return self.bot(self.only_token(token)).open_polls

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
    def faults_served(self) -> Counter[str]:
        """Count the faults served so far, by kind (see ``inject_fault``; also "latency" and
        "unauthorized")."""
        return self.faults.served

    # controls ------------------------------------------------------------------------------

    def set_faults(
        self,
        *,
        error_rate: float = 0.0,
        error_status: int = 502,
        error_after_delivery_rate: float = 0.0,
        proxy_error_rate: float = 0.0,
        drop_after_delivery_rate: float = 0.0,
        latency: float = 0.0,
        methods: Methods = None,
        seed: int | None = None,
    ) -> None:
        """Set random faults; every call starts from all off (planned faults stay).

        Each rate is the share of matching requests that get: a 5xx JSON answer with nothing
        done (``error_rate``, status ``error_status``), a 5xx after the work was done, the
        proxy's 502 HTML page, or a cut connection after the work was done. ``latency`` holds
        every matching request that many seconds (requests held now go on at once when this is
        called again). ``methods``: method names, "*" for all but getUpdates, None for the
        methods that send a message.
        """
        faults = self.faults
        faults.release_delayed()
        faults.error_rate, faults.error_status = error_rate, error_status
        faults.error_after_delivery_rate = error_after_delivery_rate
        faults.proxy_error_rate = proxy_error_rate
        faults.drop_after_delivery_rate = drop_after_delivery_rate
        faults.latency = latency
        faults.methods = method_set(methods)
        faults.rng = random.Random(seed)

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        methods: Methods = None,
        status: int | None = None,
        retry_after: int = DEFAULT_RETRY_AFTER,
        token: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` matching requests fail exactly so.

        Kinds: "server_error" (5xx JSON, nothing done; status 500/502/503/504, default 502),
        "server_error_after_delivery" (the message is in the transcript, the bot gets a 5xx),
        "proxy_error" / "proxy_error_after_delivery" (502 or 504 with nginx's HTML page: aiogram
        raises ClientDecodeError), "lost_response" (done, then the connection is cut),
        "retry_after" (429 with parameters.retry_after, default 30 s), "download_error" (a file
        download answers ``status``, default 502). A request matches by method (``methods``:
        names, "*" for all but getUpdates, None for the sending methods), and optionally by
        bot ``token`` and ``chat_id``. ``faults_served[kind]`` counts what was served.
        """
        self.faults.plan(
            kind,
            count=count,
            methods=methods,
            status=status,
            retry_after=retry_after,
            token=token,
            chat_id=chat_id,
        )

    def clear_faults(self) -> None:
        """Switch every fault off: rates, latency and planned faults not yet served."""
        self.set_faults()
        self.faults.planned.clear()

    def revoke_token(self, token: str) -> None:
        """The bot's token was revoked in @BotFather: every request with it gets 401."""
        self.revoked_tokens.add(token)

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
        """Move the stand-in clock forward: message dates, the 48 h delete rule, the ~10 s a
        button press can be answered in, the one setWebhook a second."""
        self.clock_offset += seconds
