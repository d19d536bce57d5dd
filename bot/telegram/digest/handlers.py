"""/digest: show this admin's digest settings, send it now, or change when (and whether)."""

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
from bot.telegram.console.views import usage_text
from bot.telegram.core.filters import admin_router
from bot.telegram.core.middlewares import ANSWER_AFTER
from bot.telegram.core.replies import edit_in_place
from bot.telegram.digest.callbacks import DigestAction
from bot.telegram.digest.keyboards import settings_keyboard
from bot.telegram.digest.views import schedule_text, settings_text
from bot.telegram.texts import Texts

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
NOW_WORDS = frozenset({"now", "сейчас"})


async def show_settings(
    message: Message, admin_id: int, digest: DigestService, texts: Texts, settings: Settings
) -> None:
    """This admin's digest: on or off, when, and how to change it."""
    preference = (await digest.preferences())[admin_id]
    await message.answer(
        settings_text(texts, preference, digest.time_for(preference), settings),
        reply_markup=settings_keyboard(texts, preference.enabled),
    )


async def send_now(message: Message, admin_id: int, digest: DigestService, texts: Texts) -> None:
    """Send the digest now; "Preparing…" shows while the chart is drawn, then goes."""
    preparing = await message.answer(texts("digest_preparing"))
    try:
        await digest.send_now(admin_id)
    finally:
        await preparing.delete()


async def digest_command(
    message: Message,
    command: CommandObject,
    digest: DigestService,
    texts: Texts,
    settings: Settings,
) -> None:
    """/digest: settings · /digest now · /digest off · /digest on · /digest HH:MM."""
    admin_id = message.chat.id
    argument = (command.args or "").strip().lower()
    if not argument:
        await show_settings(message, admin_id, digest, texts, settings)
    elif argument in NOW_WORDS:
        await send_now(message, admin_id, digest, texts)
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
        await message.answer(usage_text(texts, "digest"))


async def digest_from_menu(
    query: CallbackQuery,
    message: Message,
    digest: DigestService,
    texts: Texts,
    settings: Settings,
) -> None:
    """The menu's Digest button: the settings, as /digest without arguments."""
    await show_settings(message, query.from_user.id, digest, texts, settings)


async def send_now_pressed(
    query: CallbackQuery, digest: DigestService, texts: Texts, callback_answer: CallbackAnswer
) -> None:
    """The Send now button: "preparing…" on the button at once, then the digest."""
    callback_answer.disable()  # answered here, with a text, before the slow part
    await query.answer(texts("digest_preparing"))
    await digest.send_now(query.from_user.id)


async def switch_pressed(
    query: CallbackQuery,
    callback_data: DigestAction,
    message: Message,
    digest: DigestService,
    texts: Texts,
    settings: Settings,
) -> None:
    """The Turn off / Turn on button: the settings message shows the new state in place."""
    admin_id = query.from_user.id
    await digest.set_enabled(admin_id, callback_data.action == "on")
    preference = (await digest.preferences())[admin_id]
    await edit_in_place(
        message,
        settings_text(texts, preference, digest.time_for(preference), settings),
        settings_keyboard(texts, preference.enabled),
    )


def build_router() -> Router:
    router = admin_router("digest")
    router.message.register(digest_command, Command("digest"))
    router.callback_query.register(digest_from_menu, ConsoleMenu.filter(F.command == "digest"))
    router.callback_query.register(
        send_now_pressed, DigestAction.filter(F.action == "now"), flags=ANSWER_AFTER
    )
    router.callback_query.register(switch_pressed, DigestAction.filter(F.action != "now"))
    return router
