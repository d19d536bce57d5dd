"""`hsl-bot sandbox`: the whole bot on this machine, chatted with from the terminal.

The embedded database (or DATABASE_URL), demo data when the school tables are empty, the
Telegram stand-in on 127.0.0.1 with the school's people in it (bot/sandbox/demo.py), and the
real bot polling it, sending broadcasts through a course bot as a deployment does. You are the
first admin: type messages and commands; type a button's number to press it — except while
the bot asks for user ids, when a number is what you meant to send. ``/photo PATH`` and
``/document PATH`` (a caption may follow) send a file; ``/wait`` waits until the broadcasts
being sent have finished. ``--script FILE`` (or a pipe on stdin) replays lines and prints the
transcript, which makes a reproducible demo for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.db.migrations import Migrator
from bot.db.pool import open_pool
from bot.db.queries import QUERIES
from bot.logs import log_to_file
from bot.sandbox.chat import Chat, ChatPrinter
from bot.sandbox.demo import (
    CONSOLE_TOKEN,
    COURSE_TOKEN,
    COURSE_USERNAME,
    Population,
    join_school,
    populate,
)
from bot.telegram.core.language import client_language
from bot.web.sandbox import local_dashboard

SANDBOX_ADMIN = 1
DEMO = {"users": 400, "events": 8000, "days": 90, "seed": 7}


async def _lines(script: Path | None) -> AsyncIterator[str]:
    if script is not None:
        text = await asyncio.to_thread(script.read_text, encoding="utf-8")
        for line in text.splitlines():
            yield line
        return
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = await asyncio.to_thread(input, "you> " if interactive else "")
        except EOFError:
            return
        yield line


async def sandbox_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run database, stand-in and bot locally; chat with it from the terminal."""
    from bot.app import running
    from bot.sandbox.standin import StandIn

    if not args.verbose:
        log_to_file(settings.data_dir / "sandbox" / "hsl-bot.log")
    admin_id = settings.admin_ids[0] if settings.admin_ids else SANDBOX_ADMIN
    async with open_pool(settings.dsn, settings.data_dir) as pool:
        await _prepare_database(pool, admin_id)
        standin = StandIn(rate_limit=30.0)
        await standin.start()
        async with pool.acquire() as connection:
            language = args.language or system_language()
            population = await populate(standin, connection, admin_id, language)
        scripted = args.script is not None or not sys.stdin.isatty()
        local = settings.model_copy(
            update={
                "bot_token": SecretStr(CONSOLE_TOKEN),
                # broadcasts go out through the course bot, the one the students started
                "broadcast_bot_token": SecretStr(COURSE_TOKEN),
                "admin_ids": (admin_id, *settings.admin_ids[1:]),
                "telegram_api_url": standin.url,
                "webhook_url": None,
                # A replayed script must print the same transcript at any hour: no digest
                # arriving on its own in the middle of it (/digest still sends one).
                "digest_time": "" if scripted else settings.digest_time,
            }
        )
        printer = ChatPrinter(standin, admin_id, settings.data_dir / "sandbox")
        for line in welcome(admin_id, population, language, settings.language):
            print(line, flush=True)
        try:
            async with (
                running(local, pool) as app,
                local_dashboard(local, app.services, admin_id, enabled=not scripted) as link,
            ):
                if link:
                    print(f"sandbox: the admin dashboard (valid for an hour): {link}", flush=True)
                chat = Chat(standin, printer, admin_id, app, args.script)
                async for line in _lines(args.script):
                    await chat.say(line, echo=scripted)
        finally:
            await standin.stop()
    return 0


def system_language() -> str:
    """The language of this machine's locale (LC_ALL, LC_MESSAGES, LANG), as a Telegram
    client would report it: ``ru`` for ru_RU.UTF-8; ``en`` when unset or C/POSIX."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split("_")[0].split(".")[0].lower()
            return code if code.isalpha() and len(code) in (2, 3) else "en"
    return "en"


LANGUAGE_NAMES = {"ru": "Russian", "uk": "Ukrainian", "be": "Belarusian", "en": "English"}


def welcome(
    admin_id: int, population: Population, language: str = "en", forced: str | None = None
) -> list[str]:
    """What the sandbox is, who is in it, which language, how to press buttons, send files."""
    you = f"admin {admin_id}" + (
        ", and a user of the school" if population.admin_in_school else ""
    )
    people = (
        f"{population.started} started it, {population.blocked} blocked it, "
        f"{population.never_started} never started it, {population.deactivated} deleted the "
        "account"
    )
    client = LANGUAGE_NAMES.get(language, language)
    if forced:
        speech = f"the bot answers in {LANGUAGE_NAMES[forced]} (LANGUAGE={forced})"
    else:
        other = "en" if client_language(language) == "ru" else "ru"
        speech = (
            f"your Telegram is in {client}, so the bot answers in it "
            f"(--language {other} for {LANGUAGE_NAMES[other]})"
        )
    return [
        f"sandbox: you are {you}. Broadcasts go out through the course bot "
        f"@{COURSE_USERNAME} ({people}).",
        f"sandbox: {speech}.",
        "sandbox: type /start. A number presses the button shown as [N] — except while the bot "
        "asks for user ids, when it is sent as text. /photo PATH or /document PATH (a caption "
        "may follow) sends a file; /wait waits for the broadcasts being sent.",
    ]


async def _prepare_database(pool: Any, admin_id: int) -> None:
    """Migrate; an empty school gets the demo data, with the admin as one of its users."""
    async with pool.acquire() as connection:
        await Migrator(connection).upgrade()
        if not await connection.fetchval(*QUERIES.school_has_data()):
            from bot.seed import SeedOptions, seed_school

            print("sandbox: filling the empty database with demo data…", flush=True)
            await seed_school(connection, SeedOptions(**DEMO))
            await join_school(connection, admin_id)
