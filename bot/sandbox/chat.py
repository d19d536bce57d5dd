"""The sandbox's chat, seen from the terminal: what the bots say, printed as lines, and what
the admin types, turned into messages, button presses and files.

The admin's chat holds messages from both bots: the console bot's (``bot>``) and the course
bot's (``course bot>``: broadcasts and "Test to me" arrive there, as in Telegram).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.db.queries import QUERIES
from bot.sandbox.demo import CONSOLE_TOKEN, COURSE_TOKEN

QUIET_S = 0.8
MAX_WAIT_S = 20.0
WAIT_COMMAND = "/wait"
MAX_BROADCAST_WAIT_S = 300.0
FILE_COMMANDS = {"/photo": "photo", "/document": "document", "/video": "video"}
SPEAKERS = {CONSOLE_TOKEN: "bot>", COURSE_TOKEN: "course bot>"}


@dataclass
class Button:
    token: str
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
    # (bot token, message id) -> the version shown: message ids are numbered per bot and chat
    shown_versions: dict[tuple[str, int], int] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)
    # presses whose answer (Telegram's popup note or alert) has not been printed yet
    presses: list[tuple[str, str]] = field(default_factory=list)  # (bot token, query id)

    def pressed(self, token: str, query_id: str) -> None:
        """Remember a press, so the bot's answer to it is printed once it comes."""
        self.presses.append((token, query_id))

    def answer_lines(self) -> list[str]:
        """The answers to presses that came since the last call: a note (the popup that
        fades) or an alert (the box the admin must close); a silent answer prints nothing."""
        answers = self.standin.callback_answers  # type: ignore[attr-defined]
        lines, waiting = [], []
        for token, query_id in self.presses:
            answer = answers.get(query_id)
            if answer is None:
                waiting.append((token, query_id))
            elif answer.get("text"):
                kind = "(alert)" if answer.get("show_alert") else "(note)"
                lines.append(f"{SPEAKERS.get(token, 'bot>')} {kind} {answer['text']}")
        self.presses = waiting
        return lines

    def signature(self) -> tuple[int, int, int]:
        messages = self.standin.transcript(self.chat_id)  # type: ignore[attr-defined]
        edits = sum(len(m.edits) for m in messages)
        deleted = sum(1 for m in messages if m.deleted)
        return len(messages), edits, deleted

    def new_lines(self) -> list[str]:
        """Lines for the answers to presses, then every message sent or changed, since the
        last call (an answer shows at once on the phone, so it comes first)."""
        lines: list[str] = self.answer_lines()
        for message in self.standin.transcript(self.chat_id):  # type: ignore[attr-defined]
            version = len(message.edits) + (1000 if message.deleted else 0)
            key = (message.token, message.message_id)
            seen = self.shown_versions.get(key)
            if seen == version:
                continue
            self.shown_versions[key] = version
            speaker = SPEAKERS.get(message.token, "bot>")
            if message.deleted:
                lines.append(f"{speaker} (message {message.message_id} deleted)")
                continue
            prefix = speaker if seen is None else f"{speaker} (edited)"
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
                        message.token,  # type: ignore[attr-defined]
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
        content = message.media.data  # type: ignore[attr-defined]
        name = message.media.file_name or f"{message.kind}-{message.message_id}.png"  # type: ignore[attr-defined]
        bot = "course-" if message.token == COURSE_TOKEN else ""  # type: ignore[attr-defined]
        path = self.files_dir / f"{bot}{message.message_id}-{Path(name).name}"  # type: ignore[attr-defined]
        path.write_bytes(content)
        return path


class Handled:
    """The updates the bot has finished handling, so a turn ends when the bot is done with
    what the admin did (its replies, edits, the answer to a press: a silent answer too)
    rather than after a long silence. An outer middleware of the dispatcher's updates, around
    the handlers and their middlewares (aiogram's error handling is outside it: a note from
    the error handler comes just after, and the quiet moment that ends a turn catches it)."""

    def __init__(self) -> None:
        self._done: set[int] = set()
        self._changed = asyncio.Event()

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            self._done.add(event.update_id)
            self._changed.set()

    async def wait(self, update_id: int) -> None:
        """Until the bot has handled the update (its handler returned or failed)."""
        while update_id not in self._done:
            self._changed.clear()
            await self._changed.wait()


async def settle(printer: ChatPrinter, handled: Awaitable[None] | None = None) -> None:
    """Wait until the bot has handled what the admin did (``handled``), then until it has
    gone quiet for a moment (work it started, such as a broadcast's card, may still speak);
    then print what it said."""
    if handled is not None:
        # the first chart of a run loads matplotlib and may build its font cache: be patient
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handled, MAX_WAIT_S)
    started = time.monotonic()
    last = printer.signature()
    last_change = started
    while time.monotonic() - started < MAX_WAIT_S:
        await asyncio.sleep(0.1)
        current = printer.signature()
        if current != last:
            last, last_change = current, time.monotonic()
        elif time.monotonic() - last_change >= QUIET_S:
            break
    for line in printer.new_lines():
        print(line, flush=True)


@dataclass
class Chat:
    """The admin's side of the chat with the console bot."""

    standin: Any
    printer: ChatPrinter
    admin_id: int
    app: Any
    script: Path | None
    handled: Handled = field(default_factory=Handled)

    def __post_init__(self) -> None:
        # outside the handlers and their middlewares; added while polling: the dispatcher
        # builds its middleware chain for every update
        self.app.dispatcher.update.outer_middleware(self.handled)

    async def say(self, line: str, *, echo: bool) -> None:
        """One line from the admin: a button's number presses it, a file command sends the
        file, anything else is sent as text."""
        text = line.strip()
        if not text or text.startswith("#"):
            return
        if echo:
            print(f"you> {text}", flush=True)
        command, _, rest = text.partition(" ")
        update_id: int | None = None
        if command == WAIT_COMMAND:
            await self._wait_for_broadcasts()
        elif command in FILE_COMMANDS:
            update_id = await self._send_file(FILE_COMMANDS[command], rest.strip())
            if update_id is None:
                return
        elif text.isdigit() and 0 < int(text) <= len(self.printer.buttons):
            if await self._asking_for_ids():
                update_id = await self._send_text(text)
            else:
                update_id = await self._press(self.printer.buttons[int(text) - 1])
                if update_id is None:
                    return
        else:
            update_id = await self._send_text(text)
        await settle(self.printer, None if update_id is None else self.handled.wait(update_id))

    async def _send_text(self, text: str) -> int:
        update = await self.standin.send_message(self.admin_id, text, token=CONSOLE_TOKEN)
        return int(update["update_id"])

    async def _wait_for_broadcasts(self) -> None:
        """Until no broadcast is being sent or deleted, and the reports of those that were
        have gone out (a script's way to see one end)."""
        delivery = self.app.services.broadcasts.delivery
        seen: set[int] = set()
        started = time.monotonic()
        while time.monotonic() - started < MAX_BROADCAST_WAIT_S:
            active = {row["id"] for row in await self.app.pool.fetch(*QUERIES.broadcast_active())}
            seen |= active
            # the sending task sends the report after the broadcast is marked finished
            if not active and not any(delivery.is_sending(bid) for bid in seen):
                break
            await asyncio.sleep(0.2)
        else:
            print("     (still sending; /wait again to keep waiting)", flush=True)

    async def _press(self, button: Button) -> int | None:
        """Press the button; the update id of the press, None when nothing was pressed."""
        if button.callback_data is None:
            print(f"     (a link: {button.url})", flush=True)
            return None
        try:
            query_id = await self.standin.press_button(
                self.admin_id, button.message_id, button.callback_data, token=button.token
            )
        except ValueError:  # the message was edited since: that button is no longer there
            print("     (that button is gone: the message changed since)", flush=True)
            return None
        self.printer.pressed(button.token, query_id)
        return int(self.standin.callback_queries[query_id]["update"]["update_id"])

    async def _asking_for_ids(self) -> bool:
        """Whether the bot waits for a list of user ids, where a number is an id."""
        from bot.telegram.broadcast.states import Compose

        context = self.app.dispatcher.fsm.get_context(
            self.app.console_bot, self.admin_id, self.admin_id
        )
        return bool(await context.get_state() == Compose.pasting_recipients.state)

    async def _send_file(self, kind: str, argument: str) -> int | None:
        """Send the file at the path (a caption may follow it) as a photo, document or video;
        the update id, None when there is no such file."""
        name, _, caption = argument.partition(" ")
        path = self._find(name)
        if path is None:
            print(f"     (no file at {name or '…'}: /{kind} PATH [caption])", flush=True)
            return None
        data = await asyncio.to_thread(path.read_bytes)
        media: dict[str, Any] = {"photo": data} if kind == "photo" else {kind: (path.name, data)}
        update = await self.standin.send_message(
            self.admin_id, token=CONSOLE_TOKEN, caption=caption.strip() or None, **media
        )
        return int(update["update_id"])

    def _find(self, name: str) -> Path | None:
        """The path as given, else beside the script that names it."""
        if not name:
            return None
        path = Path(name).expanduser()
        candidates = [path]
        if not path.is_absolute() and self.script is not None:
            candidates.append(self.script.parent / path)
        return next((p for p in candidates if p.is_file()), None)
