"""`hsl-bot sandbox` as the admin meets it: the demo school reachable through a course bot,
typed numbers that are ids, and files sent from the terminal.

Each test drives a real `hsl-bot sandbox` process through a pipe, a line at a time, and reads
the terminal as the admin would: buttons are found by their label in the printed keyboards.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import struct
import sys
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.sandbox.demo import course_states, join_school
from bot.seed import SeedOptions, seed_school
from tests.support import bot_env

HSL_BOT = [sys.executable, "-m", "bot"]
HANG_GUARD_S = 60  # only so a hang fails instead of blocking the suite
SANDBOX_ADMIN = 1  # the admin the sandbox plays when ADMIN_IDS is unset (terminal.py)


def png(width: int, height: int) -> bytes:
    """A small, valid PNG (one red pixel row repeated)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


BUTTON = re.compile(r"\[(\d+)\] (.*?)(?=  \[\d+\] |$)")


class Terminal:
    """The admin at the sandbox's terminal: types lines, reads what is printed."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.shown: list[str] = []  # every line printed so far
        self._read = 0  # lines already returned by ``until``

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()

    async def _next_line(self, waiting_for: str) -> None:
        assert self.process.stdout is not None
        try:
            raw = await asyncio.wait_for(self.process.stdout.readline(), HANG_GUARD_S)
        except TimeoutError:
            raise AssertionError(f"still no {waiting_for!r}:\n{self.screen()}") from None
        if not raw:
            raise AssertionError(f"the sandbox ended before {waiting_for!r}:\n{self.screen()}")
        self.shown.append(raw.decode().rstrip("\n"))

    async def until(self, text: str) -> str:
        """Read until a printed line contains ``text``; return everything new since last time."""
        while not any(text in line for line in self.shown[self._read :]):
            await self._next_line(text)
        end = next(i for i in range(self._read, len(self.shown)) if text in self.shown[i]) + 1
        # the rest of that turn may still be coming: it is read by the next ``until``
        new, self._read = self.shown[self._read : end], end
        return "\n".join(new)

    async def press(self, label: str, *, prefix: bool = False) -> None:
        """Type the number of the newest button labelled ``label`` (after any emoji), or
        whose label starts with it; wait for it to be printed first."""
        while (number := self._button(label, prefix)) is None:
            await self._next_line(f"[N] {label}")
        await self.type(number)

    def _button(self, label: str, prefix: bool) -> str | None:
        found = None
        for line in self.shown:
            for match in BUTTON.finditer(line):
                shown = re.sub(r"^\W+", "", match.group(2).strip())
                if shown == label or (prefix and shown.startswith(label)):
                    found = match.group(1)
        return found

    def screen(self) -> str:
        return "\n".join(self.shown)


@contextlib.asynccontextmanager
async def sandbox_terminal(db_dsn: str, tmp_path: Path) -> AsyncIterator[Terminal]:
    """`hsl-bot sandbox` on this database, once it has greeted the admin."""
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    terminal = Terminal(process)
    try:
        await terminal.until("type /start")
        yield terminal
        assert process.stdin is not None
        process.stdin.close()
        _, stderr = await asyncio.wait_for(process.communicate(), HANG_GUARD_S)
        assert process.returncode == 0, stderr.decode()[-2000:]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.fixture
async def terminal(db_dsn: str, tmp_path: Path) -> AsyncIterator[Terminal]:
    """The sandbox on an empty database: it makes its demo school first."""
    async with sandbox_terminal(db_dsn, tmp_path) as terminal:
        yield terminal


# The demo school made as the sandbox makes it (terminal.DEMO), a quarter of its size: a
# broadcast to everyone is paced like Telegram's (BROADCAST_RATE), 100 take 4 s, not 16 s.
SMALL_DEMO = SeedOptions(users=100, events=2000, days=90, seed=7)


@pytest.fixture
async def small_school_terminal(db_dsn: str, tmp_path: Path) -> AsyncIterator[Terminal]:
    """The sandbox on a smaller demo school, the admin one of its users."""
    connection = await asyncpg.connect(db_dsn)
    try:
        await seed_school(connection, SMALL_DEMO)
        await join_school(connection, SANDBOX_ADMIN)
    finally:
        await connection.close()
    async with sandbox_terminal(db_dsn, tmp_path) as terminal:
        yield terminal


def welcome_counts(terminal: Terminal) -> dict[str, int]:
    """The course bot's audience as the welcome line states it."""
    line = next(line for line in terminal.shown if "course bot" in line)
    found = re.search(
        r"\((\d+) started it, (\d+) blocked it, (\d+) never started it, (\d+) deleted", line
    )
    assert found, line
    started, blocked, never, deleted = map(int, found.groups())
    return {"started": started, "blocked": blocked, "never": never, "deleted": deleted}


async def start_broadcast_to_everyone(terminal: Terminal, text: str) -> None:
    await terminal.type("/broadcast")
    await terminal.until("Individual recipients")
    await terminal.press("Everyone")
    await terminal.until("Send the message")
    await terminal.type(text)
    await terminal.until("No buttons")
    await terminal.press("No buttons")
    await terminal.until("Test to me")


async def test_a_broadcast_reaches_the_demo_school_and_names_who_it_missed(
    small_school_terminal: Terminal,
) -> None:
    terminal = small_school_terminal
    counts = welcome_counts(terminal)
    assert "you are admin 1, and a user of the school" in terminal.screen()
    # nearly all started the course bot; a few blocked it or never started it; one is gone
    assert counts["started"] > 0.9 * sum(counts.values())
    assert counts["blocked"] >= 2 and counts["never"] >= 2 and counts["deleted"] == 1
    everyone = sum(counts.values())

    await start_broadcast_to_everyone(terminal, "Hello <b>school</b>")
    preview = terminal.screen().rsplit("you> ", 1)[1]
    assert f"Recipients: {everyone}" in preview

    await terminal.press("Test to me")
    # the test comes from the course bot, into the admin's own chat with it
    test = await terminal.until("course bot> Hello school")
    assert "chat not found" not in test

    await terminal.press("Send now", prefix=True)
    await terminal.until(f"started: {everyone} recipients")
    await terminal.type("/wait")
    await terminal.until("finished:")
    report = await terminal.until("Details")
    assert f"Delivered: {counts['started']} of {everyone}" in report, report
    assert f"blocked the bot: {counts['blocked']}" in report
    assert f"never started the bot: {counts['never']}" in report
    assert f"account deleted: {counts['deleted']}" in report
    assert "chat not found" not in terminal.screen()


async def test_the_bots_answer_to_a_press_is_printed_as_a_note(terminal: Terminal) -> None:
    """Telegram's popup after a press (answerCallbackQuery's text) shows in the transcript."""
    await start_broadcast_to_everyone(terminal, "Hello")
    await terminal.press("Test to me")
    note = await terminal.until("(note) The test message was sent to you by the broadcast bot.")
    assert "bot> (note) The test message was sent" in note.splitlines()[-1]
    await terminal.until("course bot> Hello")  # the test itself, in the course bot's chat
    await terminal.press("Everyone")  # a button of an earlier message: silently answered
    await terminal.type("/cancel")
    turn = await terminal.until("Cancelled")
    assert "(note)" not in turn and "(alert)" not in turn


def test_an_alert_is_marked_as_one_and_each_answer_printed_once(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from bot.sandbox.chat import ChatPrinter
    from bot.sandbox.demo import CONSOLE_TOKEN, COURSE_TOKEN

    answers: dict[str, dict[str, object]] = {}
    standin = SimpleNamespace(callback_answers=answers, transcript=lambda chat_id: [])
    printer = ChatPrinter(standin, 1, tmp_path)
    for query_id in ("1", "2", "3"):
        printer.pressed(CONSOLE_TOKEN, query_id)
    printer.pressed(COURSE_TOKEN, "4")
    answers["1"] = {"text": "Nothing to retry.", "show_alert": True}
    answers["2"] = {"text": None, "show_alert": False}  # a silent answer
    answers["4"] = {"text": "Paused.", "show_alert": False}
    assert printer.new_lines() == ["bot> (alert) Nothing to retry.", "course bot> (note) Paused."]
    assert printer.new_lines() == []  # "3" is still unanswered
    answers["3"] = {"text": "Resumed.", "show_alert": False}
    assert printer.new_lines() == ["bot> (note) Resumed."]


async def test_a_typed_number_in_a_recipient_list_is_an_id(terminal: Terminal) -> None:
    await terminal.type("/broadcast")
    await terminal.until("Individual recipients")
    assert "[5] " in terminal.screen()  # a button numbered 5 is on screen
    await terminal.press("Individual recipients")
    await terminal.until("Paste the recipients")

    await terminal.type("5")
    reply = await terminal.until("Paste another list")
    assert "Not found, left out (1): 5" in reply, reply  # an id; button [5] was not pressed
    assert "Audience:" not in reply

    # the admin is a school user: a one-person broadcast to themselves lands
    await terminal.type("1")
    assert "Recipients: 1 ·" in await terminal.until("Send the message")
    await terminal.type("Just for you")
    await terminal.until("No buttons")
    await terminal.press("No buttons")
    await terminal.until("Test to me")
    await terminal.press("Send now", prefix=True)
    await terminal.type("/wait")
    await terminal.until("finished:")
    report = await terminal.until("Details")
    assert "Delivered: 1 of 1" in report, report
    assert "course bot> Just for you" in terminal.screen()


async def test_a_photo_from_the_terminal_makes_a_media_broadcast_preview(
    terminal: Terminal, tmp_path: Path
) -> None:
    poster = png(4, 3)
    await asyncio.to_thread((tmp_path / "poster.png").write_bytes, poster)
    await terminal.type("/broadcast")
    await terminal.until("Individual recipients")
    await terminal.press("Everyone")
    await terminal.until("Send the message")
    await terminal.type("/photo poster.png Open day on <b>Friday</b>")
    await terminal.until("No buttons")
    await terminal.press("No buttons")
    preview = await terminal.until("Test to me")
    photo = re.search(r"bot> \[photo\] saved to (\S+)", preview)
    assert photo, preview
    saved = await asyncio.to_thread(Path(photo.group(1)).read_bytes)
    assert saved == poster  # the very file, as the bot sent it back in the preview
    assert "Open day on Friday" in preview

    await terminal.type("/document missing.pdf")
    assert "(no file at missing.pdf" in await terminal.until("no file at")


async def test_a_script_sends_a_photo_that_lies_beside_it(db_dsn: str, tmp_path: Path) -> None:
    """`--script FILE`: a file command's relative path is found next to the script too."""
    demo = tmp_path / "demo"
    demo.mkdir()
    poster = png(2, 2)
    await asyncio.to_thread((demo / "poster.png").write_bytes, poster)
    script = demo / "media.txt"
    lines = "/broadcast\n1\n/photo poster.png Look\nOpen | https://example.com/open\n"
    await asyncio.to_thread(script.write_text, lines, encoding="utf-8")
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        "--script",
        str(script),
        env=env,
        cwd=tmp_path,  # not the script's folder
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), HANG_GUARD_S * 3)
    text = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    preview = text.split("you> Open | https://example.com/open", 1)[1]
    assert "bot> [photo] saved to" in preview and "Look" in preview
    assert "Open (https://example.com/open)" in preview
    assert "no file at" not in text


def test_course_bot_states_are_the_same_on_every_run() -> None:
    people = list(range(1000, 1400))
    states = course_states(people)
    assert states == course_states(list(reversed(people)))
    tally = {state: list(states.values()).count(state) for state in set(states.values())}
    assert tally == {"started": 379, "blocked": 12, "never_started": 8, "deactivated": 1}


@pytest.mark.parametrize(
    ("locale", "flag", "answer", "hint"),
    [
        ("ru_RU.UTF-8", [], "Админ-консоль школы", "--language en for English"),
        ("C.UTF-8", [], "School admin console", "--language ru for Russian"),
        ("C.UTF-8", ["--language", "ru"], "Админ-консоль школы", "--language en"),
    ],
)
async def test_the_sandbox_speaks_the_admins_language(
    db_dsn: str, tmp_path: Path, locale: str, flag: list[str], answer: str, hint: str
) -> None:
    """Your Telegram's language is this machine's locale unless --language says otherwise;
    the welcome says which and how to switch (LANGUAGE unset: the bot follows the client)."""
    script = tmp_path / "hello.txt"
    await asyncio.to_thread(script.write_text, "/start\n", encoding="utf-8")
    env = bot_env(db_dsn, "http://127.0.0.1:9", tmp_path, ADMIN_IDS="", BOT_TOKEN="")
    env.update(LANGUAGE="", LANG=locale, LC_ALL="", LC_MESSAGES="")
    process = await asyncio.create_subprocess_exec(
        *HSL_BOT,
        "sandbox",
        "--script",
        str(script),
        *flag,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), HANG_GUARD_S * 3)
    text = stdout.decode()
    assert process.returncode == 0, stderr.decode()[-2000:]
    welcome = text.split("you> /start", 1)[0]
    assert hint in welcome, welcome
    assert answer in text.split("you> /start", 1)[1], text
