"""Everyone who is not an admin: a welcome, no hint of the console, and bookkeeping."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart, Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot.broadcast.models import BLOCKED
from bot.config import Settings
from bot.db.records import Records
from bot.limits import MAX_CALLBACK_DATA_BYTES
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.texts import Texts, quote


async def welcome(message: Message, texts: Texts, settings: Settings) -> None:
    """/start from anyone else: WELCOME_TEXT (as plain text), or the default phrase."""
    if settings.welcome_text:
        await message.answer(quote(settings.welcome_text))
    else:
        await message.answer(texts("public_welcome"))


class AdminCommandAttempt(Filter):
    """A command that only admins may use (names collected from the admin routers)."""

    async def __call__(
        self, message: Message, admin_command_names: frozenset[str]
    ) -> bool | dict[str, str]:
        text = message.text or message.caption or ""
        words = text[1:].split(maxsplit=1) if text.startswith("/") else []
        if not words:
            return False
        name = words[0].split("@", 1)[0].lower()
        if name in admin_command_names and name != "start":
            return {"attempted_command": name}
        return False


async def refuse_admin_command(
    message: Message, attempted_command: str, texts: Texts, records: Records
) -> None:
    """Answer exactly like unknown text, and note the attempt for the admins."""
    if message.from_user is not None:
        await records.audit(
            message.from_user.id,
            "denied_command",
            command=attempted_command,
            chat=message.chat.id,
        )
    if message.chat.type == "private":
        await message.answer(texts("public_unknown"))


async def unknown_text(message: Message, texts: Texts) -> None:
    """Anything else a stranger writes: the same phrase as for an admin command."""
    await message.answer(texts("public_unknown"))


async def refuse_button(query: CallbackQuery, records: Records) -> None:
    """A press no admin router accepted: forged or stale. Say nothing (the answer is empty)."""
    data = (query.data or "").encode()[:MAX_CALLBACK_DATA_BYTES].decode(errors="ignore")
    await records.audit(query.from_user.id, "denied_callback", data=data)


async def track_blocking(update: ChatMemberUpdated, records: Records) -> None:
    """A user blocked or unblocked the bot: remember it for broadcasts."""
    status = update.new_chat_member.status
    if status == "kicked":
        await records.unreachable(update.from_user.id, BLOCKED)
    elif status == "member":
        await records.reachable(update.from_user.id)


def build_router() -> Router:
    router = Router(name="public")
    router.message.register(welcome, CommandStart(), F.chat.type == "private")
    router.message.register(refuse_admin_command, AdminCommandAttempt())
    router.message.register(unknown_text, F.chat.type == "private")
    # answered after the note is written: the answer is the sign the press was dealt with
    router.callback_query.register(refuse_button, flags=ANSWER_AFTER)
    router.my_chat_member.register(track_blocking, F.chat.type == "private")
    return router
