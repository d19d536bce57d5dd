"""Helpers of the broadcast tests: a small school, the flow driven through the stand-in."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from tests.support import ADMIN_ID

_email = itertools.count()


@dataclass
class Person:
    user_id: int
    username: str | None = None
    streams: tuple[tuple[str, int], ...] = ()  # (stream, confirmed)
    lessons: tuple[str, ...] = ()


async def add_person(
    pool: asyncpg.Pool, standin: Any, person: Person, **standin_flags: Any
) -> None:
    """A school user (rows in the school's tables) who exists in the stand-in."""
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, 'start_command', now())",
        person.user_id,
    )
    for stream, confirmed in person.streams:
        await pool.execute(
            "INSERT INTO bookings (user_id, username, course_id, course_stream, confirmed)"
            " VALUES ($1, $2, 1, $3, $4)",
            person.user_id,
            person.username,
            stream,
            confirmed,
        )
    for lesson in person.lessons:
        await pool.execute(
            "INSERT INTO free_lesson_registrations (user_id, username, email, lesson_type,"
            " lesson_date) VALUES ($1, $2, $3, $4, current_date)",
            person.user_id,
            person.username,
            f"u{next(_email)}@example.com",
            lesson,
        )
    if person.username:
        await pool.execute(
            "UPDATE users SET username = $2 WHERE user_id = $1", person.user_id, person.username
        )
    standin.create_user(person.user_id, username=person.username, **standin_flags)


async def add_plain_users(
    pool: asyncpg.Pool, standin: Any, first_id: int, count: int
) -> list[int]:
    """Many school users at once (one event each), all reachable in the stand-in."""
    ids = list(range(first_id, first_id + count))
    await pool.executemany(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, 'start_command', now())",
        [(i,) for i in ids],
    )
    for i in ids:
        standin.create_user(i)
    return ids


def button(message: Any, label: str) -> str:
    """The callback data of the button whose text contains ``label``."""
    for row in message.buttons:
        for text, data in row:
            if label in text:
                return str(data)
    raise AssertionError(f"no button {label!r} in {message.buttons}")


async def press(standin: Any, message: Any, label: str, user_id: int = ADMIN_ID) -> str:
    return await standin.press_button(user_id, message.message_id, button(message, label))


async def expect(
    standin: Any, fragment: str, timeout: float = 5.0, user_id: int = ADMIN_ID
) -> Any:
    return await standin.wait_for_message(
        user_id, timeout=timeout, predicate=lambda m: fragment in m.shown_text
    )


# The audience menu's question and the summary's first word, in each language of the flow.
AUDIENCE_WORDS = {
    "en": ("Who should get it?", "Recipients:"),
    "ru": ("Кому отправить?", "Получателей:"),
}


async def choose_audience(
    standin: Any, label: str, submenu: str | None = None, *, language: str = "en"
) -> Any:
    """/broadcast, then the audience button; returns the audience summary reply."""
    question, summary = AUDIENCE_WORDS[language]
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, question)
    if submenu is not None:
        await press(standin, menu, submenu)
        await standin.wait_for(lambda: any(label in t for r in menu.buttons for t, _ in r))
    await press(standin, menu, label)
    return await expect(standin, summary)


async def compose(
    standin: Any,
    label: str,
    text: str,
    *,
    submenu: str | None = None,
    buttons: str | None = None,
) -> Any:
    """Run the flow up to the review card (returned)."""
    await choose_audience(standin, label, submenu)
    await standin.send_message(ADMIN_ID, text)
    return await finish_compose(standin, buttons)


async def finish_compose(standin: Any, buttons: str | None = None) -> Any:
    ask = await expect(standin, "Add URL buttons?")
    if buttons is None:
        await press(standin, ask, "No buttons")
    else:
        await standin.send_message(ADMIN_ID, buttons)
    return await expect(standin, "Preview")


async def send_now(standin: Any, review: Any) -> int:
    """Press Send now; return the broadcast id from the confirmation."""
    await press(standin, review, "Send now")
    started = await expect(standin, "started:")
    bid = int(started.shown_text.split("#")[1].split(" ")[0])
    # "Progress is on the card below": the card comes after the line that points to it
    await expect(standin, f"📣 Broadcast #{bid} ")
    return bid


async def wait_finished(pool: asyncpg.Pool, bid: int, timeout: float = 20.0) -> asyncpg.Record:
    deadline = time.monotonic() + timeout
    while True:
        row = await pool.fetchrow(
            "SELECT status, finished_at, total_recipients, successful_deliveries"
            " FROM message_history WHERE id = $1",
            bid,
        )
        if row is not None and row["finished_at"] is not None:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"broadcast {bid} not finished: {row}")
        await asyncio.sleep(0.05)


async def statuses(pool: asyncpg.Pool, bid: int) -> dict[int, tuple[str, str | None]]:
    rows = await pool.fetch(
        "SELECT user_id, delivery_status, failure_reason FROM message_recipients"
        " WHERE message_id = $1",
        bid,
    )
    return {r["user_id"]: (r["delivery_status"], r["failure_reason"]) for r in rows}


async def sent_matches_counter(pool: asyncpg.Pool, bid: int) -> bool:
    """successful_deliveries equals the count of sent rows, read in one snapshot."""
    return bool(
        await pool.fetchval(
            "SELECT coalesce(h.successful_deliveries, 0) = (SELECT count(*)"
            " FROM message_recipients r"
            " WHERE r.message_id = h.id AND r.delivery_status = 'sent')"
            " FROM message_history h WHERE h.id = $1",
            bid,
        )
    )


def received(standin: Any, user_id: int, text: str, token: str | None = None) -> int:
    """How many copies of a text this user got."""
    return sum(1 for m in standin.transcript(user_id, token=token) if m.shown_text == text)


def card_of(standin: Any, bid: int) -> Any:
    """The live control card of a broadcast in the admin's chat."""
    for message in standin.transcript(ADMIN_ID):
        if f"📣 Broadcast #{bid} " in message.shown_text:
            return message
    raise AssertionError(f"no card for broadcast {bid}")


async def assert_exactly_once(pool: asyncpg.Pool, standin: Any, bid: int, text: str) -> None:
    rows = await pool.fetch(
        "SELECT user_id, delivery_status, failure_reason FROM message_recipients"
        " WHERE message_id = $1",
        bid,
    )
    assert rows and all(r["delivery_status"] in ("sent", "failed") for r in rows)
    assert standin.duplicate_deliveries() == 0
    for row in rows:
        copies = sum(1 for m in standin.transcript(row["user_id"]) if m.shown_text == text)
        if row["delivery_status"] == "sent":
            assert copies == 1
        elif row["failure_reason"] == "outcome unknown":
            assert copies <= 1
        else:
            assert copies == 0
    assert await sent_matches_counter(pool, bid)
