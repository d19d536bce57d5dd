"""The /broadcast audience screen as the admin reads it (issue #16: "audiences mean what they
say"): a short first screen whose legend explains only its own buttons, and each course's
stream's students in a sub-menu of their own, newest stream first."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from bot.broadcast.delivery import Delivery
from tests.support import ADMIN_ID
from tests.test_broadcast_support import (
    expect,
    finish_compose,
    press,
    send_now,
    statuses,
    wait_finished,
)

# (user, course, stream, confirmed, opened so many days ago): each stream opens with its first
# booking; 10th_stream is newer than 9th_stream though "9th" sorts after "10th" as text.
BOOKINGS = [
    (930001, 1, "3rd_stream", 2, 300),
    (930002, 2, "mentoring", 2, 400),
    (930003, 1, "9th_stream", 2, 60),
    (930004, 2, "9th_stream", 2, 50),
    (930005, 1, "10th_stream", 2, 20),  # paid for the other course's stream 10
    (930006, 2, "10th_stream", 2, 10),
    (930007, 2, "10th_stream", 2, 9),
    (930007, 2, "10th_stream", 2, 8),  # paid twice: one recipient
    (930008, 2, "10th_stream", 1, 7),  # proof uploaded, not paid yet: not a student
    (930009, 2, "10th_stream", -1, 6),  # cancelled
    (930010, 1, "3rd_stream", 2, 0),  # a late booking does not make an old stream new
]
NEWEST_FIRST = [
    "🎓 stream 10 · Vibe coding EXTRA",
    "🎓 stream 10 · Vibe coding",
    "🎓 stream 9 · Vibe coding EXTRA",
    "🎓 stream 9 · Vibe coding",
    "🎓 stream 3 · Vibe coding",
    "🎓 mentoring · Vibe coding EXTRA",
]
NEWEST_FIRST_RU = [
    "🎓 10-й поток · Вайб кодинг EXTRA",
    "🎓 10-й поток · Вайб кодинг",
    "🎓 9-й поток · Вайб кодинг EXTRA",
    "🎓 9-й поток · Вайб кодинг",
    "🎓 3-й поток · Вайб кодинг",
    "🎓 менторинг · Вайб кодинг EXTRA",
]


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


@pytest.fixture
async def streams(pool: asyncpg.Pool, standin: Any) -> None:
    """Bookings of two courses' streams, each opened on its own day; everyone reachable."""
    await pool.executemany(
        "INSERT INTO bookings (user_id, username, course_id, course_stream, confirmed,"
        " created_at) VALUES ($1, $2, $3, $4, $5, now() - make_interval(days => $6))",
        [(u, f"student{u}", c, s, status, days) for u, c, s, status, days in BOOKINGS],
    )
    for user_id in sorted({b[0] for b in BOOKINGS}):
        standin.create_user(user_id)


def labels(message: Any) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def test_students_of_a_stream_are_a_submenu_newest_first(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, streams: None
) -> None:
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    main_text, main_buttons = menu.shown_text, labels(menu)
    # the first screen: no wall of streams, and a legend only for the buttons on it
    assert not [t for t in main_buttons if t.startswith("🎓")]
    assert "Students of a stream…" in main_buttons
    assert "🎓" not in main_text
    assert "“Awaiting payment” — has an open booking" in main_text
    assert "“Everyone but the paid” — everyone without a paid booking" in main_text
    assert {"Awaiting payment", "Everyone but the paid"} <= set(main_buttons)

    await press(standin, menu, "Students of a stream")
    await standin.wait_for(lambda: any(t.startswith("🎓") for t in labels(menu)))
    assert "🎓 — a stream's students: paid for that course and stream" in menu.shown_text
    assert "Awaiting payment" not in menu.shown_text  # not a button of this page
    assert [t for t in labels(menu) if t.startswith("🎓")] == NEWEST_FIRST
    assert labels(menu)[-1] == "« Back"

    await press(standin, menu, "« Back")
    await standin.wait_for(lambda: labels(menu) == main_buttons)
    assert menu.shown_text == main_text

    await press(standin, menu, "Students of a stream")
    await standin.wait_for(lambda: NEWEST_FIRST[0] in labels(menu))
    await press(standin, menu, NEWEST_FIRST[0])
    summary = await expect(standin, "Recipients:")
    students = {
        r["user_id"]
        for r in await pool.fetch(
            "SELECT user_id FROM bookings"
            " WHERE course_id = 2 AND course_stream = '10th_stream' AND confirmed = 2"
        )
    }
    assert students == {930006, 930007}  # this course's paid ones, not the other course's
    assert "Audience: students of stream 10 · Vibe coding EXTRA" in summary.shown_text
    assert f"Recipients: {len(students)} ·" in summary.shown_text
    assert "duplicates removed: 1" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Stream 10, EXTRA")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == students


async def test_the_students_submenu_in_russian(
    standin: Any, make_settings: Any, pool: asyncpg.Pool, streams: None
) -> None:
    from bot.app import running

    async with running(make_settings(language="ru"), pool):
        await standin.send_message(ADMIN_ID, "/broadcast")
        menu = await expect(standin, "Кому отправить?")
        main_text, main_buttons = menu.shown_text, labels(menu)
        assert "🎓" not in main_text and "«Ждут оплаты» — есть открытая бронь" in main_text
        assert not [t for t in main_buttons if t.startswith("🎓")]
        await press(standin, menu, "Студенты потока…")
        await standin.wait_for(lambda: any(t.startswith("🎓") for t in labels(menu)))
        assert "🎓 — студенты потока: оплатили этот курс и поток" in menu.shown_text
        assert [t for t in labels(menu) if t.startswith("🎓")] == NEWEST_FIRST_RU
        await press(standin, menu, "« Назад")
        await standin.wait_for(lambda: labels(menu) == main_buttons)
        assert menu.shown_text == main_text
