"""`hsl-bot sandbox`: the whole bot on this machine, chatted with from the terminal.

The embedded database (or DATABASE_URL), demo data when the school tables are empty, the
Telegram stand-in on 127.0.0.1, and the real bot polling it. You are the first admin: type
messages and commands; type a button's number to press it. ``--script FILE`` (or a pipe on
stdin) replays lines and prints the transcript, which makes a reproducible demo for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.db.migrations import Migrator
from bot.db.pool import open_pool
from bot.db.queries import QUERIES
from bot.logs import log_to_file

SANDBOX_TOKEN = "1234567:sandbox-console"
SANDBOX_ADMIN = 1
QUIET_S = 0.8
FIRST_REPLY_S = 10.0
MAX_WAIT_S = 20.0
DEMO = {"users": 400, "events": 8000, "days": 90, "seed": 7}


@dataclass
class Button:
    message_id: int
    label: str
    callback_data: str | None
    url: str | None


@dataclass
class ChatPrinter:
    """Turns the stand-in's record of a chat into readable terminal lines."""

    standin: object
    chat_id: int
    files_dir: Path
    shown_versions: dict[int, int] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)

    def signature(self) -> tuple[int, int, int]:
        messages = self.standin.transcript(self.chat_id)  # type: ignore[attr-defined]
        edits = sum(len(m.edits) for m in messages)
        deleted = sum(1 for m in messages if m.deleted)
        return len(messages), edits, deleted

    def new_lines(self) -> list[str]:
        """Lines for every message sent or changed since the last call."""
        lines: list[str] = []
        for message in self.standin.transcript(self.chat_id):  # type: ignore[attr-defined]
            version = len(message.edits) + (1000 if message.deleted else 0)
            seen = self.shown_versions.get(message.message_id)
            if seen == version:
                continue
            self.shown_versions[message.message_id] = version
            if message.deleted:
                lines.append(f"bot> (message {message.message_id} deleted)")
                continue
            prefix = "bot>" if seen is None else "bot> (edited)"
            lines.extend(self._render(message, prefix))
        return lines

    def _render(self, message: object, prefix: str) -> list[str]:
        lines = []
        media = getattr(message, "media", None)
        if media is not None:
            path = self._save(message)
            lines.append(f"{prefix} [{message.kind}] saved to {path}")  # type: ignore[attr-defined]
            prefix = "    "
        text = message.shown_text  # type: ignore[attr-defined]
        for index, line in enumerate((text or "").splitlines() or [""]):
            lines.append(f"{prefix if index == 0 else '    '} {line}".rstrip())
        for row in message.buttons:  # type: ignore[attr-defined]
            cells = []
            for label, data in row:
                is_url = data is not None and data.startswith(("http://", "https://"))
                self.buttons.append(
                    Button(
                        message.message_id,  # type: ignore[attr-defined]
                        label,
                        None if is_url else data,
                        data if is_url else None,
                    )
                )
                number = len(self.buttons)
                cells.append(f"[{number}] {label}" + (f" ({data})" if is_url else ""))
            lines.append("     " + "  ".join(cells))
        return lines

    def _save(self, message: object) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        content = message.photo_bytes or message.document_bytes or b""  # type: ignore[attr-defined]
        name = message.document_name or f"photo-{message.message_id}.png"  # type: ignore[attr-defined]
        path = self.files_dir / f"{message.message_id}-{Path(name).name}"  # type: ignore[attr-defined]
        path.write_bytes(content)
        return path


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


async def _settle(printer: ChatPrinter) -> None:
    """Wait until the bot has gone quiet for a moment, then print what it said."""
    started = time.monotonic()
    last = printer.signature()
    last_change = started
    while time.monotonic() - started < MAX_WAIT_S:
        await asyncio.sleep(0.1)
        current = printer.signature()
        if current != last:
            last, last_change = current, time.monotonic()
            continue
        quiet_for = time.monotonic() - last_change
        replied = last_change > started
        # After a reply, a short silence ends the turn; with no reply yet, wait longer (the
        # first chart of a run loads matplotlib and may build its font cache).
        if (replied and quiet_for >= QUIET_S) or (not replied and quiet_for >= FIRST_REPLY_S):
            break
    for line in printer.new_lines():
        print(line, flush=True)


async def sandbox_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run database, stand-in and bot locally; chat with it from the terminal."""
    from bot.app import running
    from bot.sandbox.standin import StandIn

    if not args.verbose:
        log_to_file(settings.data_dir / "sandbox" / "hsl-bot.log")
    admin_id = settings.admin_ids[0] if settings.admin_ids else SANDBOX_ADMIN
    async with open_pool(settings.dsn, settings.data_dir) as pool:
        await _prepare_database(pool)
        standin = StandIn(rate_limit=30.0)
        await standin.start()
        standin.add_bot(SANDBOX_TOKEN, "hsl_sandbox_bot")
        standin.create_user(admin_id, first_name="Admin", username="admin")
        scripted = args.script is not None or not sys.stdin.isatty()
        local = settings.model_copy(
            update={
                "bot_token": SecretStr(SANDBOX_TOKEN),
                "broadcast_bot_token": None,
                "admin_ids": (admin_id, *settings.admin_ids[1:]),
                "telegram_api_url": standin.url,
                "webhook_url": None,
                # A replayed script must print the same transcript at any hour: no digest
                # arriving on its own in the middle of it (/digest still sends one).
                "digest_time": "" if scripted else settings.digest_time,
            }
        )
        printer = ChatPrinter(standin, admin_id, settings.data_dir / "sandbox")
        print(
            f"sandbox: you are admin {admin_id}; type /start, or a button's number to press it.",
            flush=True,
        )
        try:
            async with running(local, pool):
                async for line in _lines(args.script):
                    await _say(standin, printer, admin_id, line, echo=scripted)
        finally:
            await standin.stop()
    return 0


async def _prepare_database(pool: Any) -> None:
    """Migrate; an empty school gets the demo data."""
    async with pool.acquire() as connection:
        await Migrator(connection).upgrade()
        if not await connection.fetchval(*QUERIES.school_has_data()):
            from bot.seed import SeedOptions, seed_school

            print("sandbox: filling the empty database with demo data…", flush=True)
            await seed_school(connection, SeedOptions(**DEMO))


async def _say(
    standin: Any, printer: ChatPrinter, admin_id: int, line: str, *, echo: bool
) -> None:
    """One line from the admin: a button's number presses it, anything else is sent."""
    text = line.strip()
    if not text or text.startswith("#"):
        return
    if echo:
        print(f"you> {text}", flush=True)
    if text.isdigit() and 0 < int(text) <= len(printer.buttons):
        button = printer.buttons[int(text) - 1]
        if button.callback_data is None:
            print(f"     (a link: {button.url})")
            return
        try:
            await standin.press_button(admin_id, button.message_id, button.callback_data)
        except ValueError:  # the message was edited since: that button is no longer there
            print("     (that button is gone: the message changed since)")
            return
    else:
        await standin.send_message(admin_id, text)
    await _settle(printer)
