"""The stand-in's state: bots with their update queues, users, chats, files and messages."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .faults import Faults
from .limits import RateLimiter
from .models import TOKEN_RE, ApiError, BotAccount, SentMessage, StoredFile, User, bad_request

ChatKey = tuple[str, int]  # (bot token, chat id): Telegram numbers messages per such pair
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
DEACTIVATED = "Forbidden: user is deactivated"
RECHECK_S = 0.1  # wait_until re-reads its predicate at least this often


@dataclass(frozen=True)
class Mark:
    """A moment in the stand-in's traffic, recorded while ``Core.marks`` is a list."""

    at: float  # time.perf_counter() in the stand-in's process
    what: str  # "queued", "handed_out" (an update) or a request's method, lower case
    token: str
    update_id: int | None = None
    chat_id: int | None = None


@dataclass
class BotState:
    """Per-bot server state: pending updates, webhook, commands."""

    account: BotAccount
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    next_update_id: int = 1
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    poll_generation: int = 0
    webhook_url: str = ""
    webhook_secret: str | None = None
    webhook_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    webhook_task: asyncio.Task[None] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    next_set_webhook_at: float = 0.0  # stand-in clock; an earlier setWebhook gets 429
    open_polls: int = 0  # getUpdates requests being held open right now
    poll_end_reason: str = ""  # the 409 an open long poll gets when it is terminated
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[int, dict[str, Any]] = field(default_factory=dict)  # chat id; 0: default

    def wake(self) -> None:
        """Wake long polls and the webhook pusher."""
        self.wakeup.set()
        self.webhook_wakeup.set()


class Core:
    """Everything the HTTP methods and the test controls share."""

    def __init__(
        self,
        *,
        rate_limit: float | None = 30.0,
        chat_burst: int | None = 5,
        auto_register: bool = True,
        strict_html: bool = False,
        allow_insecure_webhooks: bool = False,
    ) -> None:
        self.auto_register = auto_register
        self.strict_html = strict_html
        # Like telegram-bot-api's --local mode: webhooks on plain HTTP and any port.
        self.allow_insecure_webhooks = allow_insecure_webhooks
        self.revoked_tokens: set[str] = set()
        self.bots: dict[str, BotState] = {}
        self.users: dict[int, User] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.messages: dict[ChatKey, dict[int, SentMessage]] = {}
        self.incoming: dict[ChatKey, dict[int, SentMessage]] = {}
        self._next_message_id: dict[ChatKey, int] = {}
        self.sent: list[SentMessage] = []
        self.by_chat: dict[int, list[SentMessage]] = {}
        self._content_seen: set[tuple[Any, ...]] = set()
        self.duplicates: list[SentMessage] = []
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.callback_pressed_at: dict[str, float] = {}  # query id -> stand-in clock
        self.chat_actions: list[tuple[str, int, str]] = []
        self.limiter = RateLimiter(rate_limit, chat_burst)
        self.faults = Faults()
        self.too_many_requests_served = 0  # 429 answers: flood control, setWebhook, injected
        self.too_many_requests_by_method: Counter[str] = Counter()  # the same, per method
        self.clock_offset = 0.0
        self.stopping = False
        self._file_counter = 0
        self._callback_counter = 0
        self._waiters: list[asyncio.Future[None]] = []
        # Timestamps for benchmarks: set to [] to record when each update is queued and
        # handed out and when each request arrives (its body read); None records nothing.
        self.marks: list[Mark] | None = None

    # clock -------------------------------------------------------------------------------

    def mark(
        self, what: str, token: str, *, update_id: int | None = None, chat_id: int | None = None
    ) -> None:
        """Record a moment of traffic when marks are on (see ``marks``)."""
        if self.marks is not None:
            self.marks.append(Mark(time.perf_counter(), what, token, update_id, chat_id))

    def now(self) -> float:
        """Return the stand-in clock (wall clock plus ``advance_clock`` offsets)."""
        return time.time() + self.clock_offset

    # bots and users ------------------------------------------------------------------------

    def add_bot(self, token: str, username: str | None = None) -> BotAccount:
        """Register a bot; its id is the token's numeric prefix."""
        match = TOKEN_RE.match(token)
        if match is None:
            raise ValueError(f"malformed bot token: {token!r}")
        state = self.bots.get(token)
        if state is not None:
            if username:
                state.account.username = username
            return state.account
        bot_id = int(match.group(1))
        account = BotAccount(token, bot_id, username or f"test_{bot_id}_bot")
        self.bots[token] = BotState(account)
        return account

    def bot(self, token: str) -> BotState:
        """Return a bot's state or raise 401 like Telegram does for unknown tokens."""
        state = self.bots.get(token)
        if state is None:
            if not (self.auto_register and TOKEN_RE.match(token)):
                raise ApiError(401, "Unauthorized")
            self.add_bot(token)
            state = self.bots[token]
        return state

    def only_token(self, token: str | None) -> str:
        """Resolve an omitted token when exactly one bot is registered."""
        if token is not None:
            return token
        if len(self.bots) != 1:
            raise ValueError(f"pass token=: {len(self.bots)} bots are registered")
        return next(iter(self.bots))

    def user(self, user_id: int) -> User:
        """Return a user, creating a default one on first use."""
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = User(user_id)
        return user

    def recipient(self, token: str, chat_id: int | None) -> User:
        """Return the user a bot may write to, or raise Telegram's error for this chat."""
        user = self.users.get(chat_id) if chat_id is not None else None
        if user is None:
            raise bad_request("chat not found")
        state = user.state(token)
        if state == "deactivated":
            raise ApiError(403, DEACTIVATED)
        if state == "blocked":
            raise ApiError(403, BLOCKED)
        if state == "never_started":
            raise ApiError(403, CANT_INITIATE)
        return user

    # messages ------------------------------------------------------------------------------

    def next_message_id(self, token: str, chat_id: int) -> int:
        """Allocate the next message id in the (bot, chat) pair."""
        key = (token, chat_id)
        message_id = self._next_message_id.get(key, 1)
        self._next_message_id[key] = message_id + 1
        return message_id

    def deliver(self, message: SentMessage) -> None:
        """Record a message a bot sent; it is visible in the transcript from now on."""
        message.seq = len(self.sent) + 1
        self.sent.append(message)
        self.messages.setdefault((message.token, message.chat_id), {})[message.message_id] = (
            message
        )
        self.by_chat.setdefault(message.chat_id, []).append(message)
        media = message.media.file_unique_id if message.media else None
        content = (
            message.token,
            message.chat_id,
            message.kind,
            message.plain_text,
            message.plain_caption,
            media,
        )
        if content in self._content_seen:
            self.duplicates.append(message)
        else:
            self._content_seen.add(content)
        self.notify()

    def find_message(self, token: str, chat_id: int, message_id: int) -> SentMessage | None:
        """Return a bot's or a user's message in this chat, if it exists and is not deleted."""
        key = (token, chat_id)
        message = self.messages.get(key, {}).get(message_id) or self.incoming.get(key, {}).get(
            message_id
        )
        return None if message is None or message.deleted else message

    # updates -------------------------------------------------------------------------------

    def queue_update(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Give ``payload`` the bot's next update_id and queue it for delivery."""
        state = self.bot(token)
        update = {"update_id": state.next_update_id, **payload}
        state.next_update_id = update["update_id"] + 1
        state.updates.append(update)
        self.mark("queued", token, update_id=update["update_id"])
        state.wake()
        return update

    def ensure_pusher(self, state: BotState) -> None:
        """Make sure updates of a bot with a webhook get pushed (the server does it)."""

    def new_callback_id(self) -> str:
        """Return a fresh callback query id (a string of digits, like Telegram's)."""
        self._callback_counter += 1
        return str(4_000_000_000_000_000_000 + self._callback_counter)

    # files ---------------------------------------------------------------------------------

    def store_file(
        self,
        token: str,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
        unique: str,
    ) -> StoredFile:
        """Keep an uploaded file; the returned file_id only works for ``token``'s bot."""
        self._file_counter += 1
        number = self._file_counter
        bot_id = self.bot(token).account.bot_id
        file_id = f"{kind[:2].upper()}{bot_id:x}AAQ{number:08d}{unique[:12]}"
        folder = {"photo": "photos", "video": "videos"}.get(kind, "documents")
        suffix = ""
        if file_name and "." in file_name:
            suffix = file_name[file_name.rfind(".") :]
        elif kind == "photo":
            suffix = ".jpg"
        stored = StoredFile(
            file_id,
            unique,
            token,
            kind,
            data,
            f"{folder}/file_{number}{suffix}",
            file_name,
            mime_type,
            width,
            height,
        )
        self.files[file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # waiting -------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everyone waiting in ``wait_until`` to re-check their condition."""
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Return the first truthy ``predicate()`` result, re-checked after each change and
        at least every RECHECK_S (a predicate may read state the stand-in never sees change,
        such as the bot's own)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, min(remaining, RECHECK_S))
