"""/digest: send the digest now, or change when (and whether) this admin gets it."""

from __future__ import annotations

import re
from datetime import time

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.config import Settings
from bot.digest import DigestService
from bot.telegram.console.callbacks import ConsoleMenu
from bot.telegram.core.filters import admin_router
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.digest.views import schedule_text
from bot.telegram.texts import Texts

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


async def digest_command(
    message: Message,
    command: CommandObject,
    digest: DigestService,
    texts: Texts,
    settings: Settings,
) -> None:
    """/digest: now · /digest off · /digest on · /digest HH:MM."""
    admin_id = message.chat.id
    argument = (command.args or "").strip().lower()
    if not argument:
        await message.answer(texts("digest_preparing"))
        await digest.send_now(admin_id)
    elif argument == "off":
        await digest.set_enabled(admin_id, False)
        await message.answer(texts("digest_turned_off"))
    elif argument == "on":
        await digest.set_enabled(admin_id, True)
        preference = (await digest.preferences())[admin_id]
        send_at = preference.send_at or settings.digest_at
        await message.answer(schedule_text(texts, send_at, settings.timezone))
    elif match := _TIME.match(argument):
        send_at = time(int(match.group(1)), int(match.group(2)))
        await digest.set_time(admin_id, send_at)
        await message.answer(schedule_text(texts, send_at, settings.timezone))
    else:
        await message.answer(texts("usage", usage=texts("digest_usage")))


async def digest_from_menu(
    query: CallbackQuery, digest: DigestService, texts: Texts, callback_answer: CallbackAnswer
) -> None:
    """The menu's Digest button: "preparing…" on the button at once, then the digest."""
    callback_answer.disable()  # answered here, with a text, before the slow part
    await query.answer(texts("digest_preparing"))
    await digest.send_now(query.from_user.id)


def build_router() -> Router:
    router = admin_router("digest")
    router.message.register(digest_command, Command("digest"))
    router.callback_query.register(
        digest_from_menu, ConsoleMenu.filter(F.command == "digest"), flags=ANSWER_AFTER
    )
    return router
