"""/digest: send the digest now, or change when (and whether) this admin gets it."""

from __future__ import annotations

import re
from datetime import time

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.digest import DigestService
from bot.telegram.commands import ConsoleMenu
from bot.telegram.filters import IsAdmin
from bot.telegram.texts import Texts

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


async def digest_command(
    message: Message,
    command: CommandObject,
    digest: DigestService,
    texts: Texts,
    settings: Settings,
) -> None:
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
        await message.answer(_schedule_text(digest, texts, settings, preference.send_at))
    elif match := _TIME.match(argument):
        send_at = time(int(match.group(1)), int(match.group(2)))
        await digest.set_time(admin_id, send_at)
        await message.answer(_schedule_text(digest, texts, settings, send_at))
    else:
        await message.answer(texts("usage", usage=texts("digest_usage")))


def _schedule_text(
    digest: DigestService, texts: Texts, settings: Settings, send_at: time | None
) -> str:
    effective = send_at or settings.digest_at
    if effective is None:
        return texts("digest_globally_off")
    return texts("digest_turned_on", time=effective.strftime("%H:%M"), tz=settings.timezone)


async def digest_from_menu(query: CallbackQuery, digest: DigestService, texts: Texts) -> None:
    await query.answer(texts("digest_preparing"))
    await digest.send_now(query.from_user.id)


def build_routers() -> list[Router]:
    """This feature's routers, each guarded by IsAdmin for messages and callbacks."""
    router = Router(name="digest")
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    router.message.register(digest_command, Command("digest"))
    router.callback_query.register(digest_from_menu, ConsoleMenu.filter(F.command == "digest"))
    return [router]
