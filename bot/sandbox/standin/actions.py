"""What users do: start bots, write, upload, press buttons, block bots."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from typing import Any

from .core import Core
from .files import store_bytes
from .html import utf16_len
from .models import SentMessage, User, UserState
from .render import message_dict

COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?(?=\s|$)")
FIRST_USER_ID = 100_000_001


class UserActions(Core):
    """The user side of the stand-in: each action queues the update Telegram would send."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._read: dict[int, int] = {}  # chat id -> seq of the last message the test has seen
        self._next_user_id = FIRST_USER_ID

    def create_user(
        self,
        user_id: int | None = None,
        *,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool | None = None,
        started_bots: Iterable[str] = (),
        blocked: bool = False,
        blocked_bots: Iterable[str] = (),
        deactivated: bool = False,
    ) -> User:
        """Create a user and their state with each bot.

        ``started`` (the default unless ``started_bots`` is given): they pressed Start in every
        bot, so any bot may write to them. ``started=False``: no bot may (403 "bot can't initiate
        conversation with a user") except those in ``started_bots``. ``blocked`` blocks every
        bot, ``blocked_bots`` single ones; ``deactivated``: the account was deleted.
        """
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
        started_bots = set(started_bots)
        user = User(
            user_id,
            first_name,
            last_name,
            username,
            language_code,
            deactivated=deactivated,
            started=not started_bots if started is None else started,
            blocked=blocked,
            started_bots=started_bots,
            blocked_bots=set(blocked_bots),
        )
        self.users[user_id] = user
        return user

    def set_user_state(self, user_id: int, token: str | None, state: UserState) -> User:
        """Put a user in a state with one bot, silently: the world as it already is.

        ``state`` is "never_started", "started", "blocked" or "deactivated" (the account was
        deleted: every bot is affected). No update is sent; for the user's own actions use
        ``send_message`` (they start the bot), ``block_bot`` and ``unblock_bot``.
        """
        user = self.user(user_id)
        user.set_state(self.only_token(token), state)
        return user

    def user_state(self, user_id: int, token: str | None = None) -> UserState:
        """Return where a user stands with a bot."""
        return self.user(user_id).state(self.only_token(token))

    def block_bot(self, user_id: int, token: str | None = None) -> None:
        """The user blocks one bot (or all); each bot they had not blocked gets my_chat_member."""
        user = self.user(user_id)
        tokens = [token] if token is not None else list(self.bots)
        changed = [bot_token for bot_token in tokens if not user.is_blocked(bot_token)]
        user.block(token)
        for bot_token in changed:
            self._member_update(user, bot_token, "member", "kicked")

    def unblock_bot(self, user_id: int, token: str | None = None) -> None:
        """The user unblocks one bot (or all); each bot they had blocked gets my_chat_member."""
        user = self.user(user_id)
        tokens = [token] if token is not None else list(self.bots)
        changed = [bot_token for bot_token in tokens if user.is_blocked(bot_token)]
        user.unblock(token)
        for bot_token in changed:
            self._member_update(user, bot_token, "kicked", "member")

    def _member_update(self, user: User, token: str, old: str, new: str) -> None:
        bot = self.bot(token).account.to_user()
        new_member: dict[str, Any] = {"user": bot, "status": new}
        old_member: dict[str, Any] = {"user": bot, "status": old}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0  # Telegram's ChatMemberBanned always carries it
        self.queue_update(
            token,
            {
                "my_chat_member": {
                    "chat": user.chat(),
                    "from": user.to_dict(),
                    "date": int(self.now()),
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            },
        )

    async def send_message(
        self,
        user_id: int,
        text: str | None = None,
        *,
        token: str | None = None,
        photo: bytes | None = None,
        document: tuple[str, bytes] | None = None,
        video: bytes | tuple[str, bytes] | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user writes to a bot (text, photo, document or video); return the queued Update.

        Writing starts the bot for this user (and unblocks it if they had blocked it). Files
        of any size can be sent; the bot can fetch those up to 20 MB (``getFile``).
        """
        token = self.only_token(token)
        user = self.user(user_id)
        if user.deactivated:
            raise ValueError(f"user {user_id} is deactivated and cannot write")
        self.bot(token)
        if user.is_blocked(token):  # writing to a blocked bot means pressing "Restart"
            user.unblock(token)
            self._member_update(user, token, "kicked", "member")
        user.start(token)
        message = SentMessage(
            self.next_message_id(token, user_id), user_id, token, "text", int(self.now())
        )
        message.incoming = True
        if photo is not None:
            message.kind, message.media = "photo", store_bytes(self, token, "photo", photo)
        elif document is not None:
            name, data = document
            message.kind = "document"
            message.media = store_bytes(self, token, "document", data, file_name=name)
        elif video is not None:
            name, data = video if isinstance(video, tuple) else ("video.mp4", video)
            message.kind = "video"
            message.media = store_bytes(self, token, "video", data, file_name=name)
        if message.kind == "text":
            if not text:
                raise ValueError("a text message needs text")
            message.text = message.plain_text = text
            command = COMMAND_RE.match(text)
            if command:
                entity = {"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}
                message.entities = [entity]
        else:
            message.caption = message.plain_caption = caption if caption is not None else text
        self.incoming.setdefault((token, user_id), {})[message.message_id] = message
        self._read[user_id] = len(self.sent)
        update = self.queue_update(token, {"message": message_dict(self, message)})
        await asyncio.sleep(0)
        return update

    async def press_button(
        self, user_id: int, message_id: int, callback_data: str, *, token: str | None = None
    ) -> str:
        """The user presses an inline button; return the callback query id.

        Like Telegram, only data of a button the message really has can be sent; forge other
        updates with ``push_update``.
        """
        token = self.only_token(token)
        user = self.user(user_id)
        message = self.find_message(token, user_id, message_id)
        if message is None or message.incoming:
            raise ValueError(f"no bot message {message_id} in chat {user_id}")
        if not any(data == callback_data for row in message.buttons for _, data in row):
            raise ValueError(f"message {message_id} has no button with data {callback_data!r}")
        query_id = self.new_callback_id()
        query = {
            "id": query_id,
            "from": user.to_dict(),
            "message": message_dict(self, message),
            "chat_instance": str(abs(hash((token, user_id)))),
            "data": callback_data,
        }
        self._read[user_id] = len(self.sent)
        update = self.queue_update(token, {"callback_query": query})
        self.callback_queries[query_id] = {"token": token, "update": update}
        self.callback_pressed_at[query_id] = self.now()
        await asyncio.sleep(0)
        return query_id

    def forge_press(self, user_id: int, callback_data: str, *, token: str | None = None) -> str:
        """A callback query with arbitrary data, as a tampering client could send it.

        ``press_button`` only presses buttons a message really has; this one carries no message
        and any data. The query is registered, so the bot's answer is accepted and recorded.
        """
        token = self.only_token(token)
        query_id = self.new_callback_id()
        query = {
            "id": query_id,
            "from": self.user(user_id).to_dict(),
            "chat_instance": "forged",
            "data": callback_data,
        }
        update = self.queue_update(token, {"callback_query": query})
        self.callback_queries[query_id] = {"token": token, "update": update}
        self.callback_pressed_at[query_id] = self.now()
        return query_id

    def push_update(self, token: str, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update as is (an update_id is added when missing)."""
        state = self.bot(token)
        if "update_id" not in update:
            return self.queue_update(token, update)
        if isinstance(update["update_id"], int):
            state.next_update_id = max(state.next_update_id, update["update_id"] + 1)
        state.updates.append(update)
        self.mark("queued", token, update_id=update["update_id"])
        state.wake()
        return update
