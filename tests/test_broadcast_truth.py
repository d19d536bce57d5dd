"""Issue #16 §3–5 in the broadcast console: screens that tell the truth, audiences that mean
what they say, Russian plurals — read in the chat as the admin reads them."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.broadcast.control_card import Pace, next_pace, time_left
from bot.broadcast.delivery import Delivery
from bot.telegram.broadcast.html_check import html_problem
from bot.telegram.broadcast.when import parse_when
from bot.telegram.texts import Texts
from tests.support import ADMIN_ID
from tests.test_broadcast_support import (
    Person,
    add_person,
    add_plain_users,
    card_of,
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

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


# §3 the final state says what happened ----------------------------------------------------


async def test_a_total_failure_says_delivered_to_nobody_with_the_reasons(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(910001), blocked=True)
    # in the school's tables, but Telegram never saw these ids
    for user_id in (910002, 910003):
        await pool.execute(
            "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, 'start_command',"
            " now())",
            user_id,
        )
    bid = await send_now(standin, await compose(standin, "Everyone", "Into the void"))
    await wait_finished(pool, bid)
    report = await expect(standin, f"Broadcast #{bid} finished")
    assert "delivered to nobody" in report.shown_text
    assert "✅" not in report.shown_text and "delivered to everyone" not in report.shown_text
    assert "Delivered: 0 of 3" in report.shown_text
    assert "chat not found: 2" in report.shown_text and "blocked the bot: 1" in report.shown_text
    card = card_of(standin, bid)
    await standin.wait_for(lambda: "delivered to nobody" in card.shown_text)
    assert "0.0% delivered" in card.shown_text


async def test_everyone_reached_says_so(standin: Any, bot_app: Any, pool: asyncpg.Pool) -> None:
    await add_plain_users(pool, standin, 911000, 3)
    bid = await send_now(standin, await compose(standin, "Everyone", "All good"))
    await wait_finished(pool, bid)
    report = await expect(standin, f"Broadcast #{bid} finished")
    assert report.shown_text.startswith("✅")
    assert (
        "delivered to everyone" in report.shown_text and "Delivered: 3 of 3" in report.shown_text
    )
    assert "Not delivered" not in report.shown_text


async def test_a_partial_delivery_is_not_a_tick(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 912000, 2)
    await add_person(pool, standin, Person(912100), deactivated=True)
    bid = await send_now(standin, await compose(standin, "Everyone", "Most of you"))
    await wait_finished(pool, bid)
    report = await expect(standin, f"Broadcast #{bid} finished")
    assert report.shown_text.startswith("⚠️") and "delivered to some" in report.shown_text
    assert "Delivered: 2 of 3" in report.shown_text
    assert "Not delivered: 1" in report.shown_text and "account deleted: 1" in report.shown_text


async def test_cancelling_asks_first_and_the_cancelled_are_not_errors(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    from bot.app import running

    await add_plain_users(pool, standin, 913000, 40)
    async with running(make_settings(broadcast_rate=5), pool):
        base = standin.delivered_count()
        bid = await send_now(standin, await compose(standin, "Everyone", "Slow news"))
        card = card_of(standin, bid)
        await standin.wait_for(lambda: standin.delivered_count() >= base + 2, timeout=10)
        await press(standin, card, "Cancel")
        question = await expect(standin, f"Cancel broadcast #{bid}?")
        assert "they won't get it" in question.shown_text
        # "No" keeps it going: nothing was cancelled
        await press(standin, question, "No, keep sending")
        await standin.wait_for(lambda: "goes on" in question.shown_text)
        assert await pool.fetchval("SELECT status FROM message_history WHERE id = $1", bid) in (
            "sending",
            "done",
        )
        await press(standin, card, "Cancel")
        question = await expect(standin, f"Cancel broadcast #{bid}?")
        await press(standin, question, "Yes, cancel")
        row = await wait_finished(pool, bid)
        report = await expect(standin, f"Broadcast #{bid} cancelled")
    assert row["status"] == "cancelled"
    outcome = await statuses(pool, bid)
    sent = sum(1 for s, _ in outcome.values() if s == "sent")
    cancelled = sum(1 for _, r in outcome.values() if r == "cancelled")
    assert cancelled > 0
    assert f"Delivered: {sent} of 40 · cancelled: {cancelled}" in report.shown_text
    assert "Not delivered" not in report.shown_text  # cancelled recipients are not failures
    await standin.wait_for(lambda: "cancelled" in card.shown_text.split("\n")[0])
    assert "failed: 0" in card.shown_text and f"cancelled: {cancelled}" in card.shown_text
    assert "100.0%" not in card.shown_text  # the bar shows what was delivered
    assert f"{100 * sent / 40:.1f}% delivered" in card.shown_text


async def test_send_now_names_whom_and_the_card_comes_after_the_line_pointing_to_it(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 914000, 4)
    review = await compose(standin, "Everyone", "Count us")
    labels = [t for row in review.buttons for t, _ in row]
    assert "🚀 Send now to 4 recipients" in labels
    bid = await send_now(standin, review)
    chat = [m.shown_text for m in standin.transcript(ADMIN_ID)]
    started = next(i for i, t in enumerate(chat) if f"#{bid} started: 4 recipients" in t)
    card = next(i for i, t in enumerate(chat) if t.startswith(f"📣 Broadcast #{bid} "))
    assert started < card and "card below" in chat[started]


async def test_test_to_me_confirms_in_the_chat(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 915000, 1)
    review = await compose(standin, "Everyone", "Try me")
    await press(standin, review, "Test to me")
    await expect(standin, "Test sent to you")
    assert received(standin, ADMIN_ID, "Try me") == 2  # the preview and the test


# §3 bad HTML at once; Edit shows the text and keeps the buttons ---------------------------


async def test_edit_shows_the_current_text_and_keeps_the_url_buttons(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 916000, 2)
    review = await compose(
        standin, "Everyone", "<b>Old</b> text", buttons="Course | https://example.com/c"
    )
    await press(standin, review, "Edit")
    shown = await expect(standin, "<b>Old</b> text")  # as typed, tags and all, to copy
    assert shown.shown_text == "<b>Old</b> text"
    await standin.send_message(ADMIN_ID, "<b>New</b> text")
    ask = await expect(standin, "Keep the buttons")
    assert "Course — https://example.com/c" in ask.shown_text
    await press(standin, ask, "Keep the buttons")
    new = await expect(standin, "Preview")
    bid = await send_now(standin, new)
    await wait_finished(pool, bid)
    copy = standin.transcript(ids[0])[-1]
    assert copy.shown_text == "New text"
    assert copy.buttons == [[("Course", "https://example.com/c")]]


def test_the_html_check_names_the_problem_and_the_line() -> None:
    assert html_problem("<b>fine</b> & <i>ok</i>") is None
    assert html_problem('<a href="https://x.io">link</a>') is None
    unclosed = html_problem("line one\n<b>bold")
    assert unclosed is not None and (unclosed.kind, unclosed.tag, unclosed.line) == (
        "unclosed",
        "b",
        2,
    )
    problem = html_problem("<div>x</div>")
    assert problem is not None and problem.kind == "unsupported"
    problem = html_problem("5 < 6")
    assert problem is not None and problem.kind == "bare_lt"
    problem = html_problem("<b><i>x</b></i>")
    assert problem is not None and problem.kind == "mismatch"
    texts = Texts("ru", MOSCOW)
    from bot.telegram.broadcast.views import html_problem_text

    assert "незакрытый тег &lt;b&gt; в строке 1" in html_problem_text(
        texts,
        html_problem("<b>x"),  # type: ignore[arg-type]
    )


async def test_bad_html_in_russian_is_explained_with_its_place(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    from bot.app import running

    await add_plain_users(pool, standin, 917000, 1)
    async with running(make_settings(language="ru"), pool):
        await choose_audience(standin, "Все пользователи", language="ru")
        await standin.send_message(ADMIN_ID, "<b>Привет")
        error = await expect(standin, "Ошибка в разметке")
        assert "незакрытый тег <b> в строке 1" in error.shown_text
        await expect(standin, "<b>Привет")


# §3 scheduling: the formats it suggests, and editing until it starts ---------------------


def test_scheduling_accepts_what_it_suggests() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=MOSCOW)
    assert parse_when("30.11.2026 19:00", now) == datetime(2026, 11, 30, 19, 0, tzinfo=MOSCOW)
    assert parse_when("19:00", now) == datetime(2026, 11, 30, 19, 0, tzinfo=MOSCOW)
    assert parse_when("10:00", now) == datetime(2026, 12, 1, 10, 0, tzinfo=MOSCOW)  # passed
    for tomorrow in ("завтра 10:00", "tomorrow 10:00", "Завтра в 10:00"):
        assert parse_when(tomorrow, now) == datetime(2026, 12, 1, 10, 0, tzinfo=MOSCOW)
    assert parse_when("2026-12-01 10:00", now) == datetime(2026, 12, 1, 10, 0, tzinfo=MOSCOW)
    assert parse_when("2026-12-01T07:00:00+00:00", now) == datetime(
        2026, 12, 1, 10, 0, tzinfo=MOSCOW
    )
    for nonsense in ("soon", "31.02.2026 10:00", "25:00", ""):
        assert parse_when(nonsense, now) is None


async def test_a_typed_time_in_the_buttons_format_schedules_and_can_be_edited(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 918000, 2)
    review = await compose(standin, "Everyone", "<b>First</b> version")
    await press(standin, review, "Schedule")
    await expect(standin, "When should it go out?")
    at = (datetime.now(MOSCOW) + timedelta(days=2)).replace(hour=19, minute=0, second=0)
    await standin.send_message(ADMIN_ID, at.strftime("%d.%m.%Y %H:%M"))
    scheduled = await expect(standin, "is scheduled for")
    assert at.strftime("%d.%m.%Y 19:00") in scheduled.shown_text
    bid = int(scheduled.shown_text.split("#")[1].split(" ")[0])
    await standin.send_message(ADMIN_ID, "/scheduled")
    listing = await expect(standin, f"#{bid} ")
    # a plain snippet, never raw tags
    assert "First version" in listing.shown_text and "&lt;b&gt;" not in listing.text
    await press(standin, listing, f"Edit #{bid}")
    await expect(standin, "<b>First</b> version")
    await standin.send_message(ADMIN_ID, "<b>Second")
    await expect(standin, "unclosed tag <b>")
    await standin.send_message(ADMIN_ID, "<b>Second</b> version")
    await expect(standin, f"Broadcast #{bid} is updated")
    row = await pool.fetchrow(
        "SELECT message_text, status FROM message_history WHERE id = $1", bid
    )
    assert row["message_text"] == "<b>Second</b> version" and row["status"] == "scheduled"


# §4 audiences ------------------------------------------------------------------------------


async def test_awaiting_payment_and_everyone_but_the_paid_are_different_audiences(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(919001, streams=(("8th_stream", 0),)))  # created
    await add_person(pool, standin, Person(919002, streams=(("8th_stream", 1),)))  # proof
    await add_person(pool, standin, Person(919003, streams=(("8th_stream", 2),)))  # paid
    await add_person(pool, standin, Person(919004, streams=(("8th_stream", -1),)))  # cancelled
    await add_person(pool, standin, Person(919005))  # only pressed /start
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    assert "“Awaiting payment” — has an open booking" in menu.shown_text
    assert "“Everyone but the paid” — everyone without a paid booking" in menu.shown_text
    await press(standin, menu, "Awaiting payment")
    summary = await expect(standin, "Recipients:")
    assert "Recipients: 2" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Pay please")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {919001, 919002}
    await press(standin, await expect_menu(standin), "Everyone but the paid")
    summary = await expect(standin, "everyone but the paid")
    assert "Recipients: 4" in summary.shown_text


async def expect_menu(standin: Any) -> Any:
    """/broadcast again: the new audience menu."""
    await standin.send_message(ADMIN_ID, "/broadcast")
    return await expect(standin, "Who should get it?")


async def test_a_streams_audience_is_per_course(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(920001, streams=(("8th_stream", 2),)))  # course 1
    await add_person(pool, standin, Person(920002))
    await pool.execute(
        "INSERT INTO bookings (user_id, course_id, course_stream, confirmed)"
        " VALUES (920002, 2, '8th_stream', 2)"
    )
    summary = await choose_audience(
        standin, "🎓 stream 8 · Vibe coding EXTRA", submenu="Students of a stream"
    )
    assert "students of stream 8 · Vibe coding EXTRA" in summary.shown_text
    assert "Recipients: 1" in summary.shown_text
    await standin.send_message(ADMIN_ID, "EXTRA only")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {920002}


async def test_free_lesson_registrants_by_upcoming_date(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 921000, 3)
    today = datetime.now(MOSCOW).date()
    soon, later = today + timedelta(days=2), today + timedelta(days=9)
    for user_id, day in ((921000, soon), (921001, soon), (921002, later)):
        await pool.execute(
            "INSERT INTO free_lesson_registrations (user_id, email, lesson_type, lesson_date)"
            " VALUES ($1, $2, 'cursor_lesson', $3)",
            user_id,
            f"{user_id}@example.com",
            day,
        )
    label = f"📅 {soon.strftime('%d.%m')} · Cursor lesson (2)"
    summary = await choose_audience(standin, label, submenu="Free-lesson")
    assert f"registrants of Cursor lesson on {soon.strftime('%d.%m.%Y')}" in summary.shown_text
    assert "Recipients: 2" in summary.shown_text
    await standin.send_message(ADMIN_ID, "See you soon")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {921000, 921001}


# §5 plurals and names in the broadcast feature -------------------------------------------


def test_the_send_button_and_started_line_agree_with_their_number() -> None:
    from bot.broadcast import Created
    from bot.telegram.broadcast.keyboards import review_keyboard
    from bot.telegram.broadcast.views import started_text

    ru, en = Texts("ru", MOSCOW), Texts("en", MOSCOW)
    expected_ru = {
        1: "получателю",
        2: "получателям",
        5: "получателям",
        11: "получателям",
        21: "получателю",
        22: "получателям",
        25: "получателям",
        101: "получателю",
    }
    for n, word in expected_ru.items():
        label = review_keyboard(ru, "k", n).inline_keyboard[0][0].text
        assert label == f"🚀 Отправить {n} {word}"
        english = review_keyboard(en, "k", n).inline_keyboard[0][0].text
        assert english == f"🚀 Send now to {n} {'recipient' if n == 1 else 'recipients'}"
    started = {1: "1 получатель", 2: "2 получателя", 5: "5 получателей", 21: "21 получатель"}
    for n, phrase in started.items():
        assert f"запущена: {phrase} (" in started_text(ru, Created(7, True, "sending", n))
    assert "started: 1 recipient (" in started_text(en, Created(7, True, "sending", 1))


async def test_history_names_authors_and_shows_plain_snippets(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 922000, 1)
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, 'start_command', now())",
        ADMIN_ID,
    )
    await pool.execute("UPDATE users SET first_name = 'Анна' WHERE user_id = $1", ADMIN_ID)
    bid = await send_now(standin, await compose(standin, "Everyone", "<b>Big</b> &amp; bold"))
    await wait_finished(pool, bid)
    await standin.send_message(ADMIN_ID, "/history")
    history = await expect(standin, "Broadcast history")
    assert f"#{bid} · " in history.shown_text and " · Анна · " in history.shown_text
    assert "Big & bold" in history.shown_text
    assert "&lt;b&gt;" not in history.text and "<b>Big" not in history.text
    assert str(ADMIN_ID) not in history.shown_text


async def test_a_retry_reports_its_own_run(standin: Any, bot_app: Any, pool: asyncpg.Pool) -> None:
    await add_plain_users(pool, standin, 923000, 1)
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES (923100, 'start_command',"
        " now())"
    )
    bid = await send_now(standin, await compose(standin, "Everyone", "Second chance"))
    await wait_finished(pool, bid)
    first = await expect(standin, f"Broadcast #{bid} finished")
    assert "delivered to some" in first.shown_text and "Duration:" in first.shown_text
    standin.create_user(923100)  # Telegram knows them now
    await press(standin, first, "Details")
    details = await expect(standin, "Created:")
    await press(standin, details, "Retry failed")
    question = await expect(standin, f"Retry broadcast #{bid}?")
    await press(standin, question, "Yes, retry")
    second = await expect(standin, "delivered to everyone", timeout=10)
    assert "Delivered: 2 of 2" in second.shown_text
    assert "Retry took:" in second.shown_text and "average" in second.shown_text
    assert await pool.fetchval(
        "SELECT run_started_at > started_at FROM message_history WHERE id = $1", bid
    )


# §3 "~ time left" does not jump on pause and resume ---------------------------------------

STALE_AFTER_S = 10.0  # a card refreshed every 2 s: looks 10 s apart are not compared


def looks(pace: Pace, *seen: tuple[float, int, bool]) -> Pace:
    """The pace after looks at a broadcast: (monotonic seconds, settled, sending)."""
    for now, settled, sending in seen:
        pace = next_pace(pace, now, settled, sending=sending, stale_after_s=STALE_AFTER_S)
    return pace


def test_after_a_pause_time_left_is_what_is_left_at_the_sending_pace() -> None:
    # 1,000 recipients at 10 msg/s, the card looking every 2 s
    pace = looks(Pace(), (0, 0, True), (2, 20, True), (4, 40, True), (6, 60, True))
    assert pace.per_s == pytest.approx(10)
    before = time_left(1000 - 60, pace, planned_rate=25)
    # paused at 6.5 s (ten more settled) for ten minutes, looked at now and then
    pace = looks(pace, (7, 70, False), (300, 70, False), (606.5, 70, False))
    # resumed: the first look measures nothing and keeps the pace measured before the pause
    pace = looks(pace, (606.5, 70, True))
    after = time_left(1000 - 70, pace, planned_rate=25)
    assert after == pytest.approx((1000 - 70) / 10) and after is not None and before is not None
    assert after <= before
    # sending on at 10 msg/s: still 10, the ten minutes never counted
    pace = looks(pace, (608.5, 90, True), (610.5, 110, True))
    assert pace.per_s == pytest.approx(10)
    assert time_left(0, pace, planned_rate=25) is None


def test_a_pause_before_any_pace_was_measured_never_enters_it() -> None:
    # paused a second after the start, resumed ten minutes later
    pace = looks(Pace(), (0, 0, True), (1, 10, False), (601, 10, True))
    assert pace.per_s is None
    assert time_left(990, pace, planned_rate=25) == pytest.approx(990 / 25)  # the plan, so far
    pace = looks(pace, (603, 30, True))
    # 20 settled in 2 s of sending; the run's average since its start would say 30 / 603 s
    assert pace.per_s == pytest.approx(10)
    assert time_left(970, pace, planned_rate=25) == pytest.approx(97)


def test_looks_too_far_apart_are_not_compared() -> None:
    # a pause and a resume pressed on another instance, unseen here, between two looks
    pace = looks(Pace(), (0, 0, True), (2, 20, True), (302, 40, True))
    assert pace.per_s == pytest.approx(10)
    pace = looks(pace, (304, 60, True))
    assert pace.per_s == pytest.approx(10)


def test_the_pace_follows_a_slowdown_smoothly() -> None:
    pace = looks(Pace(), (0, 0, True), (2, 20, True))  # 10 msg/s
    pace = looks(pace, (4, 30, True))  # then 5 msg/s (Telegram asked to wait, say)
    assert pace.per_s is not None and 5 < pace.per_s < 10
    settled = 30
    for now in range(6, 122, 2):
        settled += 10
        pace = looks(pace, (now, settled, True))
    assert pace.per_s == pytest.approx(5, abs=0.01)


def test_a_slow_first_interval_is_soon_outweighed() -> None:
    pace = looks(Pace(), (0, 0, True), (0.3, 1, True))  # the first outcomes, barely written
    settled = 1
    for n in range(1, 11):  # then 3 s at 10 msg/s
        settled += 3
        pace = looks(pace, (0.3 + 0.3 * n, settled, True))
    assert pace.per_s == pytest.approx(31 / 3.3)  # the average over the sending time


LIVE_TAIL = re.compile(r"Rate: (—|[\d.]+) msg/s · time left: ~(?:(\d+) min )?(\d+) s")


def card_reading(text: str) -> tuple[int, float | None, int]:
    """Pending, the shown rate (None: not measured yet) and the shown time left in seconds."""
    tail = LIVE_TAIL.search(text)
    pending = re.search(r"pending: ([\d,]+)", text)
    assert tail is not None and pending is not None, text
    rate = None if tail.group(1) == "—" else float(tail.group(1))
    return (
        int(pending.group(1).replace(",", "")),
        rate,
        60 * int(tail.group(2) or 0) + int(tail.group(3)),
    )


@pytest.mark.parametrize(
    "card_every_s", [0.3, 3600.0], ids=["pace-measured-before-the-pause", "no-pace-yet"]
)
async def test_time_left_on_the_card_does_not_jump_on_pause_and_resume(
    standin: Any,
    make_settings: Any,
    pool: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
    card_every_s: float,
) -> None:
    from bot.app import running

    planned = 10  # BROADCAST_RATE: slow enough to pause mid-way
    monkeypatch.setattr(Delivery, "card_every_s", card_every_s)  # 3600: only forced edits
    ids = await add_plain_users(pool, standin, 924000, 60)
    async with running(make_settings(broadcast_rate=planned), pool):
        bid = await send_now(standin, await compose(standin, "Everyone", "Steady"))
        card = card_of(standin, bid)
        got = lambda: sum(received(standin, user_id, "Steady") for user_id in ids)  # noqa: E731
        await standin.wait_for(lambda: got() >= 5, timeout=10)
        if card_every_s < 1:
            await standin.wait_for(lambda: "Rate: —" not in card.shown_text, timeout=5)
        await press(standin, card, "Pause")
        await standin.wait_for(lambda: "Paused" in card.shown_text, timeout=5)
        await asyncio.sleep(2.0)  # paused for longer than it has been sending
        await press(standin, card, "Resume")

        def versions() -> list[str]:
            return [v.plain_text or "" for v in card.edits] + [card.shown_text]

        def after_resume() -> str | None:
            shown = versions()
            last_paused = max(i for i, t in enumerate(shown) if "Paused" in t)
            return next((t for t in shown[last_paused:] if "time left" in t), None)

        after = await standin.wait_for(after_resume, timeout=5)
        shown = versions()
        first_paused = next(i for i, t in enumerate(shown) if "Paused" in t)
        before = next(t for t in reversed(shown[:first_paused]) if "time left" in t)
        await wait_finished(pool, bid)
    pending_before, rate_before, left_before = card_reading(before)
    pending_after, rate_after, left_after = card_reading(after)
    assert pending_after <= pending_before
    if card_every_s < 1:
        assert rate_before is not None and rate_after is not None
    # what is left at the shown pace (the plan until one is measured); the shown seconds are
    # rounded (½ s), and so is the shown rate (0.05 msg/s: pending × 0.05 / rate² seconds)
    pace = rate_after or planned
    rounding = 0.5 + (pending_after * 0.05 / (pace - 0.05) ** 2 if rate_after else 0.0)
    assert abs(left_after - pending_after / pace) <= rounding
    # no jump: never more than before the pause, but for the rounding of two shown values
    assert left_after <= left_before + 1


async def test_a_paused_runs_duration_says_so_and_its_pace_is_over_sending_time(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    """Paused mid-way: the final card gives the run's duration, how much of it stood paused,
    and the average pace over the sending time only (computed here from the rows)."""
    from bot.app import running

    ids = await add_plain_users(pool, standin, 925000, 30)
    async with running(make_settings(broadcast_rate=10), pool):
        bid = await send_now(standin, await compose(standin, "Everyone", "Halting"))
        card = card_of(standin, bid)
        got = lambda: sum(received(standin, user_id, "Halting") for user_id in ids)  # noqa: E731
        await standin.wait_for(lambda: got() >= 5, timeout=10)
        await press(standin, card, "Pause")
        await standin.wait_for(lambda: "Paused" in card.shown_text, timeout=5)
        await asyncio.sleep(2.0)  # the pause lasts at least this long
        await press(standin, card, "Resume")
        await wait_finished(pool, bid)
        await standin.wait_for(lambda: "Duration:" in card.shown_text, timeout=10)
    shown = card.shown_text
    row = await pool.fetchrow(
        "SELECT started_at, finished_at FROM message_history WHERE id = $1", bid
    )
    marks = await pool.fetch(
        "SELECT action, created_at FROM audit_log WHERE details ->> 'broadcast_id' = $1"
        " AND action IN ('broadcast_pause', 'broadcast_resume') ORDER BY created_at, id",
        str(bid),
    )
    assert [m["action"] for m in marks] == ["broadcast_pause", "broadcast_resume"]
    paused = (marks[1]["created_at"] - marks[0]["created_at"]).total_seconds()
    assert paused >= 2.0
    assert f"(of which paused {round(paused)} s)" in shown, shown
    sending = (row["finished_at"] - row["started_at"]).total_seconds() - paused
    average = re.search(r"average ([\d.,]+) msg/s", shown)
    assert average is not None
    assert float(average.group(1).replace(",", "")) == round(30 / sending, 1)
