"""Telegram's limits whatever the school's data (issue #13 §5): callback data carries ids, long
lists page within one message's limits, an edited draft's old preview is stale, lengths are
code points, and "Retry failed" asks first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from bot.analytics.models import Stream
from bot.broadcast import Audience, Content, Draft
from bot.broadcast.delivery import Delivery
from bot.limits import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_CHARS,
    MAX_INLINE_BUTTONS,
    MAX_TEXT_CHARS,
)
from bot.telegram.analytics.callbacks import CoursesPage, StreamPage
from bot.telegram.broadcast.callbacks import (
    AudienceMenu,
    AudiencePick,
    Control,
    DraftAction,
    HistoryAt,
    ScheduledAt,
    by_ref,
    new_draft_key,
    short_ref,
)
from tests.support import ADMIN_ID
from tests.test_broadcast_support import (
    Person,
    add_person,
    add_plain_users,
    button,
    choose_audience,
    compose,
    expect,
    finish_compose,
    press,
    received,
    send_now,
    statuses,
    wait_finished,
)

LONG_STREAM = "Осенний поток вечерняя группа"  # 56 bytes in UTF-8: over the old budget
STREAMS = [f"{LONG_STREAM} №{n:02d}" for n in range(1, 31)]
COURSES = ["Vibe coding", "Vibe coding EXTRA"]  # add_streams: stream n is in course 1 + n % 2
LESSONS = [f"Бесплатный урок «Вайб-кодинг» №{n:03d}" for n in range(1, 301)]
FIRST_STUDENT = 810000
FIRST_REGISTRANT = 820000


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


async def add_streams(pool: asyncpg.Pool, standin: Any) -> None:
    """One paid student per long-named stream (two courses), each reachable."""
    rows = [
        (FIRST_STUDENT + n, f"student{n}", 1 + n % 2, stream, 2)
        for n, stream in enumerate(STREAMS)
    ]
    await pool.executemany(
        "INSERT INTO bookings (user_id, username, course_id, course_stream, confirmed)"
        " VALUES ($1, $2, $3, $4, $5)",
        rows,
    )
    for user_id, *_ in rows:
        standin.create_user(user_id)


async def add_lessons(pool: asyncpg.Pool, standin: Any) -> None:
    """One registrant per lesson type, each reachable."""
    rows = [
        (FIRST_REGISTRANT + n, f"lead{n}", f"lead{n}@example.com", lesson)
        for n, lesson in enumerate(LESSONS)
    ]
    await pool.executemany(
        "INSERT INTO free_lesson_registrations (user_id, username, email, lesson_type,"
        " lesson_date) VALUES ($1, $2, $3, $4, current_date)",
        rows,
    )
    for user_id, *_ in rows:
        standin.create_user(user_id)


def over_the_limits(standin: Any) -> list[str]:
    """Every version of every message the admin got that breaks one of Telegram's limits."""
    problems = []
    for message in standin.transcript(ADMIN_ID):
        for version in [*message.edits, message]:
            text = version.plain_text if version.kind == "text" else version.plain_caption
            limit = MAX_TEXT_CHARS if version.kind == "text" else MAX_CAPTION_CHARS
            if len(text or "") > limit:
                problems.append(f"#{message.message_id}: {len(text)} characters")
            rows = (version.reply_markup or {}).get("inline_keyboard", [])
            buttons = [b for row in rows for b in row]
            if len(buttons) > MAX_INLINE_BUTTONS:
                problems.append(f"#{message.message_id}: {len(buttons)} buttons")
            for b in buttons:
                if len(b.get("callback_data", "").encode()) > MAX_CALLBACK_DATA_BYTES:
                    problems.append(f"#{message.message_id}: {b['callback_data']!r}")
        if "Something went wrong" in message.shown_text:
            problems.append(f"#{message.message_id}: an apology")
    return problems


def labels(message: Any) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def every_page(standin: Any, message: Any) -> list[tuple[str, list[str]]]:
    """Press ▶ until there is none; each page's text and button labels, in order."""
    pages = []
    while True:
        pages.append((message.shown_text, labels(message)))
        forward = [t for t in labels(message) if t.endswith("▶")]
        if not forward:
            return pages
        before = (message.shown_text, message.reply_markup)
        await press(standin, message, forward[0])
        await standin.wait_for(
            lambda: (message.shown_text, message.reply_markup) != before  # noqa: B023
        )


async def back_to_first_page(standin: Any, message: Any) -> None:
    while back := [t for t in labels(message) if t.startswith("◀")]:
        before = message.reply_markup
        await press(standin, message, back[0])
        await standin.wait_for(lambda: message.reply_markup != before)  # noqa: B023


# 1. callback data carries ids; 2. the audience lists page ------------------------------------


def test_callback_data_fits_whatever_the_names() -> None:
    name = "Осенний поток: вечерняя группа " * 30
    stream = Stream(course_id=2**31, stream=name, counts=(), last_day=None, current=False)
    packed = [
        AudiencePick(kind="individual", ref=short_ref(name)),
        AudienceMenu(menu="students", page=10**9),
        AudienceMenu(menu="lessons", page=10**9),
        DraftAction(draft=new_draft_key(), action="no_buttons", at=2**40),
        Control(broadcast_id=2**31, action="unschedule"),
        HistoryAt(page=10**9),
        ScheduledAt(page=10**9),
        CoursesPage(page=10**9),
        StreamPage(key=stream.key, page=10**9),
    ]
    assert all(len(data.pack().encode()) <= MAX_CALLBACK_DATA_BYTES for data in packed)
    assert by_ref(["3rd_stream", name], short_ref(name)) == name
    assert by_ref(["3rd_stream"], short_ref(name)) is None


async def test_every_long_cyrillic_stream_is_offered_and_reaches_its_students(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_streams(pool, standin)
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    assert not [t for t in labels(menu) if t.startswith("🎓 ")]  # they are a sub-menu's
    await press(standin, menu, "Students of a stream")
    await standin.wait_for(lambda: f"🎓 {STREAMS[-1]} · {COURSES[1]}" in labels(menu))
    pages = await every_page(standin, menu)
    # each course's stream is its own audience (issue #16 §4): the label names the course;
    # newest first (they opened at once here: the higher number is the newer)
    offered = [t for _, page in pages for t in page if t.startswith("🎓 ")]
    assert offered == [f"🎓 {s} · {COURSES[n % 2]}" for n, s in reversed(list(enumerate(STREAMS)))]
    assert len(pages) > 1
    # the oldest stream, on the last page, is the one pressed
    await press(standin, menu, f"🎓 {STREAMS[0]} ")
    summary = await expect(standin, "Recipients:")
    assert f"students of {STREAMS[0]}" in summary.shown_text
    assert "Recipients: 1" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Для вечерней группы")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {FIRST_STUDENT}
    group = await pool.fetchval("SELECT recipient_group FROM message_history WHERE id = $1", bid)
    assert group == STREAMS[0]
    assert over_the_limits(standin) == []


async def test_the_booked_submenu_pages_through_every_stream(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_streams(pool, standin)
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    await press(standin, menu, "Booked a stream")
    await standin.wait_for(lambda: f"📝 {STREAMS[-1]} · {COURSES[1]}" in labels(menu))
    pages = await every_page(standin, menu)
    offered = [t for _, page in pages for t in page if t.startswith(f"📝 {LONG_STREAM}")]
    assert offered == [f"📝 {s} · {COURSES[n % 2]}" for n, s in reversed(list(enumerate(STREAMS)))]
    await back_to_first_page(standin, menu)
    await press(standin, menu, f"📝 {STREAMS[-1]} · ")
    summary = await expect(standin, "Recipients:")
    assert f"booked {STREAMS[-1]}" in summary.shown_text and "Recipients: 1" in summary.shown_text
    assert over_the_limits(standin) == []


async def test_three_hundred_lesson_types_page_and_each_can_be_chosen(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_lessons(pool, standin)
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    await press(standin, menu, "Free-lesson sign-ups")
    await standin.wait_for(lambda: "All free lessons" in labels(menu))
    pages = await every_page(standin, menu)
    offered = [t for _, page in pages for t in page if t.startswith("Lesson: ")]
    assert offered == [f"Lesson: {lesson}" for lesson in LESSONS]
    await press(standin, menu, f"Lesson: {LESSONS[-1]}")
    summary = await expect(standin, "Recipients:")
    assert f"registrants of {LESSONS[-1]}" in summary.shown_text
    assert "Recipients: 1" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Урок завтра")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {FIRST_REGISTRANT + len(LESSONS) - 1}
    assert over_the_limits(standin) == []


async def test_a_stream_gone_since_the_menu_was_shown_says_so(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_streams(pool, standin)
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    await press(standin, menu, "Students of a stream")
    await standin.wait_for(lambda: f"🎓 {STREAMS[-1]} · {COURSES[1]}" in labels(menu))
    await pool.execute("DELETE FROM bookings WHERE course_stream = $1", STREAMS[-1])
    answer = await standin.wait_for_callback_answer(
        await press(standin, menu, f"🎓 {STREAMS[-1]} ")
    )
    assert answer.get("show_alert") and "no longer" in answer["text"]
    # the flow is still at the audience: another stream works
    await press(standin, menu, f"🎓 {STREAMS[-2]} ")
    summary = await expect(standin, "Recipients:")
    assert f"students of {STREAMS[-2]}" in summary.shown_text


async def test_courses_page_long_stream_lists_and_open_each_stream(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_streams(pool, standin)
    await standin.send_message(ADMIN_ID, "/courses")
    courses = await expect(standin, "Courses and streams")
    pages = await every_page(standin, courses)
    assert len(pages) > 1
    shown = [line for text, _ in pages for line in text.splitlines() if LONG_STREAM in line]
    assert sorted(line.split(":")[0].removesuffix(" (current)") for line in shown) == STREAMS
    buttons = [t for _, page in pages for t in page if LONG_STREAM in t]
    assert sorted(t.split(" · ")[-1] for t in buttons) == STREAMS
    # a stream's button on the last page opens its people
    data = button(courses, STREAMS[-1])
    await standin.press_button(ADMIN_ID, courses.message_id, data)
    people = await expect(standin, "Booked it: 1 person,")
    assert STREAMS[-1] in people.shown_text and "student29" in people.shown_text
    assert over_the_limits(standin) == []


async def schedule_many(app: Any, count: int, at: datetime) -> list[int]:
    """``count`` broadcasts scheduled through the service, each to a long-named stream."""
    ids = []
    for n in range(count):
        draft = Draft(
            key=f"limits{n}",
            author_id=ADMIN_ID,
            audience=Audience("stream", stream=STREAMS[n % len(STREAMS)]),
            content=Content("text", f"Напоминание №{n}: " + "длинный текст рассылки " * 40),
        )
        created = await app.services.broadcasts.schedule(draft, at + timedelta(minutes=n))
        ids.append(created.broadcast_id)
    return ids


async def test_scheduled_and_history_page_through_every_broadcast(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await schedule_many(bot_app, 40, datetime.now(UTC) + timedelta(days=2))
    await standin.send_message(ADMIN_ID, "/scheduled")
    listing = await expect(standin, "Scheduled")
    pages = await every_page(standin, listing)
    assert len(pages) > 1
    listed = [t for _, page in pages for t in page if t.startswith("Cancel #")]
    assert listed == [f"Cancel #{i}" for i in ids]
    # cancelling one on the last page keeps the list paged, without it
    await press(standin, listing, f"Cancel #{ids[-1]}")
    # it asks first, in the list's message; Yes cancels
    await standin.wait_for(lambda: "Nobody will get it" in listing.shown_text)
    await press(standin, listing, f"Yes, cancel #{ids[-1]}")
    await standin.wait_for(lambda: "Nobody will get it" not in listing.shown_text)
    assert f"#{ids[-1]} " not in listing.shown_text
    assert f"#{ids[-2]} " in listing.shown_text
    await back_to_first_page(standin, listing)
    left = [t for _, page in await every_page(standin, listing) for t in page if "Cancel #" in t]
    assert left == [f"Cancel #{i}" for i in ids[:-1]]

    await pool.execute("UPDATE message_history SET status = 'done'")
    await standin.send_message(ADMIN_ID, "/history")
    history = await expect(standin, "Broadcast history")
    pages = await every_page(standin, history)
    opened = {t for _, page in pages for t in page if t.startswith("#")}
    assert opened == {f"#{i}" for i in ids}
    assert over_the_limits(standin) == []


# 3. an edited draft's old preview is stale ----------------------------------------------


async def test_an_old_preview_after_edit_is_stale_and_sends_nothing(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 830000, 3)
    old = await compose(standin, "Everyone", "First draft")
    await press(standin, old, "Edit")
    await expect(standin, "Send the message")
    await standin.send_message(ADMIN_ID, "Second draft, never previewed")
    ask = await expect(standin, "Add URL buttons?")
    for label in ("Send now", "Schedule", "Test to me"):
        answer = await standin.wait_for_callback_answer(await press(standin, old, label))
        assert answer.get("show_alert") and "out of date" in answer["text"]
    assert await pool.fetchval("SELECT count(*) FROM message_history") == 0
    # the newest preview is the one that sends
    await press(standin, ask, "No buttons")
    new = await expect(standin, "Preview")
    bid = await send_now(standin, new)
    await wait_finished(pool, bid)
    for user_id in ids:
        assert received(standin, user_id, "Second draft, never previewed") == 1
        assert received(standin, user_id, "First draft") == 0


# 4. lengths in code points ------------------------------------------------------------------


async def test_4096_emoji_go_out_whole_and_4097_are_refused(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 840000, 2)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "😀" * 4097)
    refused = await expect(standin, "Too long")
    assert "4,097 characters" in refused.shown_text and "4,096" in refused.shown_text
    text = "😀" * 4095 + "!"  # 8191 UTF-16 units, 4096 code points
    await standin.send_message(ADMIN_ID, text)
    bid = await send_now(standin, await finish_compose(standin))
    row = await wait_finished(pool, bid)
    assert row["successful_deliveries"] == len(ids)
    for user_id in ids:
        assert received(standin, user_id, text) == 1


# 5. "Retry failed" asks first -----------------------------------------------------------


async def test_retry_failed_asks_first_and_counts_the_outcome_unknown(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(850001))  # gets it
    await add_person(pool, standin, Person(850002))  # gets it, but the answer is lost
    await add_person(pool, standin, Person(850003), blocked=True)  # not retried
    await pool.execute(  # a school user Telegram has never seen: chat not found
        "INSERT INTO events (user_id, event_type, created_at) VALUES (850004, 'start_command',"
        " now())"
    )
    review = await compose(standin, "Everyone", "Twice?")
    standin.inject_fault("lost_response", chat_id=850002)
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    outcome = await statuses(pool, bid)
    assert outcome[850002] == ("failed", "outcome unknown")
    assert outcome[850004][0] == "failed"
    await standin.send_message(ADMIN_ID, "/history")
    listing = await expect(standin, "Broadcast history")
    await press(standin, listing, f"#{bid}")
    details = await expect(standin, "Created:")
    await press(standin, details, "Retry failed")
    question = await expect(standin, "Retry broadcast")
    assert "goes to again: 2" in question.shown_text
    assert "outcome unknown: 1" in question.shown_text
    assert labels(question) == ["Yes, retry", "« Back"]
    # asking re-sends nothing
    assert (await statuses(pool, bid)) == outcome
    standin.create_user(850004)  # they started the bot meanwhile
    await press(standin, question, "Yes, retry")
    await standin.wait_for(lambda: received(standin, 850004, "Twice?") == 1)
    await standin.wait_for(lambda: received(standin, 850002, "Twice?") == 2)
    await wait_finished(pool, bid)
    assert received(standin, 850001, "Twice?") == 1
    assert received(standin, 850003, "Twice?") == 0
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'broadcast_retry'")
