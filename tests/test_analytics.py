"""The analytics overview end to end: /stats, /growth, /daily, /events through the stand-in.

Expected figures come from tests/test_analytics_dataset.py (plain Python over the inserted
rows), compared with what the admin reads in the chat.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from bot import charts
from bot.telegram.texts.names import code_name
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID
from tests.test_analytics_dataset import BORIS, VERA, School, local_day, make_school


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def figure(label: str, total: int, today: int, week: int) -> str:
    """A /stats line as the admin reads it: only what moved is said."""
    moved = [f"today {signed(today)}"] if today else []
    moved += [f"7 days {signed(week)}"] if week else []
    return f"{label}: {total}" + (f" ({', '.join(moved)})" if moved else "")


async def ask(standin: Any, text: str, user: int = ADMIN_ID) -> Any:
    await standin.send_message(user, text)
    return await standin.wait_for_message(user, timeout=15)


@pytest.fixture
async def school(pool: asyncpg.Pool) -> School:
    data = make_school()
    await data.insert(pool)
    await pool.execute(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at, recipient_type) VALUES ('Скидка <b>50%</b> до пятницы', 12, 11,"
        " now() - interval '1 hour', 'group')"
    )
    return data


async def test_stats_counts_each_user_once_and_all_four_statuses(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/stats")
    text = reply.plain_text

    users = school.change([local_day(m) for m in school.first_seen().values()])
    assert figure("Users", *users) + "\n" in text + "\n"

    def status_days(*statuses: int) -> list[Any]:
        return [local_day(b.created_at) for b in school.bookings if b.confirmed in statuses]

    for label, statuses in [
        ("created, awaiting payment", (0,)),
        ("payment proof uploaded", (1,)),
        ("confirmed (paid)", (2,)),
        ("cancelled", (-1,)),
    ]:
        assert figure(label, *school.change(status_days(*statuses))) + "\n" in text, label
    # each figure once: the breakdown already says how many are paid and how many are open
    assert "Confirmed payments" not in text and "Active bookings" not in text

    regs = school.change([local_day(r.registered_at) for r in school.registrations])
    assert figure("Free-lesson sign-ups", *regs) + "\n" in text
    blocked = school.change([local_day(m) for _, m in school.blocked])
    reach = f"Course bot, as broadcasts found: {blocked[0]} blocked it"
    assert reach in text and "Blocked the bot" not in text
    # the snippet is what recipients read: plain text, never raw tags
    assert "“Скидка 50% до пятницы”" in text and "<b>" not in text
    assert "delivered 11 of 12" in text


async def test_stats_says_nothing_it_does_not_know_and_no_zero_changes(
    standin: Any, pool: asyncpg.Pool, bot_app: Any
) -> None:
    """A quiet month and no broadcast yet: no "(today 0, 7 days 0)" after every figure, and no
    "blocked: 0" — before a broadcast nobody knows who blocked the course bot."""
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at)"
        " VALUES (501, 'start_command', now() - interval '30 days')"
    )
    await pool.execute(
        "INSERT INTO bookings (user_id, confirmed, created_at, course_id, course_stream)"
        " VALUES (501, 2, now() - interval '30 days', 1, '8th_stream')"
    )
    text = (await ask(standin, "/stats")).plain_text
    assert "Users: 1\n" in text and "confirmed (paid): 1\n" in text, text
    assert "today" not in text and "7 days" not in text
    assert "Course bot" not in text and "blocked" not in text
    assert "No broadcasts yet." in text


async def test_growth_chart_counts_first_appearances_in_local_days(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/growth 30")
    assert reply.kind == "photo"
    assert png_size(reply.photo_bytes) == (1280, 720)
    new = school.new_users_per_day()
    first = school.today - timedelta(days=29)
    in_window = sum(n for day, n in new.items() if first <= day <= school.today)
    assert f"New in the period: {in_window} · total: {len(school.first_seen())}" in (
        reply.plain_caption
    )
    # Boris at 23:30 local and Vera at 00:30 local the next day: different local days.
    seen = school.first_seen()
    assert local_day(seen[VERA]) - local_day(seen[BORIS]) == timedelta(days=1)
    assert seen[VERA].astimezone(tz=None).utcoffset() is not None

    await standin.press_button(ADMIN_ID, reply.message_id, "growth:7")
    await standin.wait_for(lambda: reply.edits and "7 days" in reply.plain_caption, timeout=15)
    week = sum(n for day, n in new.items() if day > school.today - timedelta(days=7))
    assert f"New in the period: {week} ·" in reply.plain_caption
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    assert [text for row in reply.buttons for text, _ in row if "•" in text] == ["• 7 •"]

    await standin.press_button(ADMIN_ID, reply.message_id, "growth:0")
    await standin.wait_for(lambda: "all time" in reply.plain_caption, timeout=15)
    assert f"New in the period: {len(seen)} · total: {len(seen)}" in reply.plain_caption


async def test_daily_table_puts_events_on_their_local_day(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/daily 7")
    expected = school.daily(7)
    rows = {}
    starred = []
    for line in reply.plain_text.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0].count(".") == 1 and parts[1].isdigit():
            if parts[0].endswith("*"):  # today, still going
                starred.append(parts[0])
            rows[parts[0].rstrip("*")] = tuple(int(p) for p in parts[1:])
    assert rows == {day.strftime("%d.%m"): figures for day, figures in expected.items()}
    assert starred == [school.today.strftime("%d.%m") + "*"]
    assert "* today so far: the day isn't over." in reply.plain_text
    # Vera's 00:30 start (21:30 UTC the day before) is on her local day.
    vera_day = (school.today - timedelta(days=2)).strftime("%d.%m")
    assert rows[vera_day][0] >= 1


async def test_daily_beyond_two_weeks_is_a_chart_and_wide_windows_are_capped(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/daily 30")
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    expected = school.daily(30)
    events = sum(figures[2] for figures in expected.values())
    assert f"{events} events" in reply.plain_caption

    reply = await ask(standin, "/daily 5000")
    assert "capped at 365 days (5,000 asked)" in reply.plain_caption


async def test_top_events_with_counts_and_chart(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/events 3 30")
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    top = school.top_events(30)
    total = sum(n for _, n in top)
    for place, (event_type, n) in enumerate(top[:3], 1):
        name = code_name("event", event_type, "en")  # "viewed a programme", not view_program
        assert f"{place}. {name} — {n} ({100 * n / total:.1f}%)" in reply.plain_caption
    assert "4." not in reply.plain_caption
    assert f"Events in total: {total}" in reply.plain_caption


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("/growth soon", "Usage: /growth [days|all]\nFor example: /growth 90"),
        ("/daily -3", "Usage: /daily [days|all]\nFor example: /daily 14"),
        ("/events ten", "Usage: /events [how many] [days]\nFor example: /events 20 7"),
        ("/funnel 1 2", "Usage: /funnel [days]\nFor example: /funnel 30"),
        (
            "/export everything",
            "Usage: /export users|bookings|registrations|events [days] [csv]"
            "\nFor example: /export bookings 30",
        ),
        ("/user", "Usage: /user <id | @username | name>\nFor example: /user @anna"),
        ("/courses now", "Usage: /courses takes no arguments: just /courses"),
    ],
)
async def test_wrong_arguments_get_the_usage_line(
    standin: Any, bot_app: Any, command: str, usage: str
) -> None:
    reply = await ask(standin, command)
    assert reply.plain_text == usage


async def test_empty_school_draws_empty_charts_with_a_note(standin: Any, bot_app: Any) -> None:
    for command in ("/growth", "/daily 30", "/events", "/funnel", "/retention"):
        reply = await ask(standin, command)
        assert reply.kind == "photo", command
        assert png_size(reply.photo_bytes) == (1280, 720)
    reply = await ask(standin, "/stats")
    assert "Users: 0\n" in reply.plain_text and "today" not in reply.plain_text


async def test_chart_rendering_does_not_block_other_admins(
    standin: Any, school: School, bot_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = charts.growth_chart
    rendering = threading.Event()
    release = threading.Event()

    def slow_growth_chart(*args: Any) -> bytes:
        # held in its worker thread until /stats has been answered: were rendering on the
        # event loop, /stats could never be answered and the wait below would time out
        rendering.set()
        release.wait(timeout=60)
        return real(*args)

    monkeypatch.setattr(charts, "growth_chart", slow_growth_chart)
    await standin.send_message(ADMIN_ID, "/growth")
    assert await asyncio.to_thread(rendering.wait, 30)
    try:
        stats = await ask(standin, "/stats", user=SECOND_ADMIN_ID)
    finally:
        release.set()
    assert "School at a glance" in stats.plain_text
    chart = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert chart.kind == "photo" and chart.seq > stats.seq


async def test_console_buttons_open_analytics(standin: Any, school: School, bot_app: Any) -> None:
    console = await ask(standin, "/start")
    await standin.press_button(ADMIN_ID, console.message_id, "menu:stats")
    reply = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert "School at a glance" in reply.plain_text
    await standin.press_button(ADMIN_ID, console.message_id, "menu:daily")
    reply = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert "Day by day" in reply.plain_text


async def test_non_admin_gets_nothing_from_analytics(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    stranger = standin.create_user(424243, first_name="Stranger")
    reply = await ask(standin, "/stats", user=stranger.user_id)
    assert reply.plain_text == "This bot doesn't take messages."
    # A forged press of a growth button: no chart, no edit, only a silent answer.
    query_id = standin.new_callback_id()
    update = standin.push_update(
        CONSOLE_TOKEN,
        {
            "callback_query": {
                "id": query_id,
                "from": stranger.to_dict(),
                "chat_instance": "1",
                "data": "growth:7",
                "message": {
                    "message_id": reply.message_id,
                    "date": int(time.time()),
                    "chat": stranger.chat(),
                    "text": "x",
                },
            }
        },
    )
    standin.callback_queries[query_id] = {"token": CONSOLE_TOKEN, "update": update}
    await standin.wait_for_callback_answer(query_id, timeout=10)
    assert [m.kind for m in standin.transcript(stranger.user_id)] == ["text"]
    action = await pool.fetchval("SELECT action FROM audit_log WHERE admin_id = 424243 LIMIT 1")
    assert action in ("denied_command", "denied_callback")
