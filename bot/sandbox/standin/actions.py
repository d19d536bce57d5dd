"""What users do: start bots, write, upload, press buttons, block bots."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .core import Core
from .files import store_bytes
from .html import utf16_len
from .models import SentMessage, User
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
        blocked: bool = False,
        deactivated: bool = False,
        started: bool = True,
    ) -> User:
        """Create a user; ``started=False`` means they never opened any bot (chat not found)."""
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
        user = User(
            user_id,
            first_name,
            last_name,
            username,
            language_code,
            deactivated=deactivated,
            started=started,
            blocked=blocked,
        )
        self.users[user_id] = user
        return user

    def block_bot(self, user_id: int, token: str | None = None) -> None:
        """The user blocks one bot (or all); each bot gets a my_chat_member update."""
        user = self.user(user_id)
        tokens = [token] if token is not None else list(self.bots)
        user.block(token)
        for bot_token in tokens:
            self._member_update(user, bot_token, "member", "kicked")

    def unblock_bot(self, user_id: int, token: str | None = None) -> None:
        """The user unblocks one bot (or all); each bot gets a my_chat_member update."""
        user = self.user(user_id)
        tokens = [token] if token is not None else list(self.bots)
        user.unblock(token)
        for bot_token in tokens:
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
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user writes to a bot (text, photo or document); return the queued Update."""
        token = self.only_token(token)
        user = self.user(user_id)
        if user.deactivated:
            raise ValueError(f"user {user_id} is deactivated and cannot write")
        self.bot(token)
        if user.is_blocked(token):  # writing to a blocked bot means pressing "Restart"
            user.unblock(token)
            self._member_update(user, token, "kicked", "member")
        user.started_bots.add(token)
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
        return query_id

    def push_update(self, token: str, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update as is (an update_id is added when missing)."""
        state = self.bot(token)
        if "update_id" not in update:
            return self.queue_update(token, update)
        if isinstance(update["update_id"], int):
            state.next_update_id = max(state.next_update_id, update["update_id"] + 1)
        state.updates.append(update)
        state.wake()
        return update
