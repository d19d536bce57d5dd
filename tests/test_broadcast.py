"""Broadcasts end to end: the flow, audiences, confirmation, delivery outcomes, control."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from bot.broadcast.delivery import Delivery
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
    sent_matches_counter,
    statuses,
    wait_finished,
)

SCHOOL = [
    Person(200001, "alice", streams=(("3rd_stream", 2),), lessons=("cursor_lesson",)),
    Person(200002, "bob", streams=(("3rd_stream", 0), ("4th_stream", 2))),
    Person(200003, "carol", streams=(("4th_stream", 2), ("4th_stream", 2))),
    Person(200004, "dave", streams=(("3rd_stream", -1),), lessons=("vibecoding_lesson",)),
    Person(200005, None, lessons=("cursor_lesson", "claude_code_lesson")),
    Person(200006, "erin"),
    Person(200007, "frank", streams=(("3rd_stream", 1),)),
]
BLOCKED_ID = 200008  # a school user who is in blocked_users
STUDENTS = "Students of a stream"  # the sub-menu of each course's stream's students


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # The leader never polls during a test: every start, resume, retry and deletion must wake
    # the sender itself, and a schedule must start at its moment.
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


@pytest.fixture
async def school(pool: asyncpg.Pool, standin: Any) -> list[Person]:
    for person in SCHOOL:
        await add_person(pool, standin, person)
    blocked = Person(BLOCKED_ID, "gone", streams=(("3rd_stream", 2),))
    await add_person(pool, standin, blocked)
    await pool.execute(
        "INSERT INTO blocked_users (user_id, reason) VALUES ($1, 'blocked')", BLOCKED_ID
    )
    return SCHOOL


async def expected_audience(pool: asyncpg.Pool, kind: str, value: str | None = None) -> set[int]:
    """The audience computed independently of the bot's SQL function."""
    users = {
        r["user_id"]
        for r in await pool.fetch("SELECT user_id FROM users WHERE first_seen_at IS NOT NULL")
    }
    bookings = await pool.fetch("SELECT user_id, course_stream, confirmed FROM bookings")
    lessons = await pool.fetch("SELECT user_id, lesson_type FROM free_lesson_registrations")
    blocked = {r["user_id"] for r in await pool.fetch("SELECT user_id FROM blocked_users")}
    if kind == "everyone":
        result = users
    elif kind == "stream":
        result = {
            b["user_id"] for b in bookings if b["course_stream"] == value and b["confirmed"] == 2
        }
    elif kind == "booked":
        result = {
            b["user_id"] for b in bookings if b["course_stream"] == value and b["confirmed"] != -1
        }
    elif kind == "all_but_paid":
        result = users - {b["user_id"] for b in bookings if b["confirmed"] == 2}
    elif kind == "awaiting":
        result = {b["user_id"] for b in bookings if b["confirmed"] in (0, 1)}
    else:
        result = {r["user_id"] for r in lessons if value is None or r["lesson_type"] == value}
    return result - blocked


AUDIENCES = [
    ("Everyone", None, "everyone", None),
    ("🎓 stream 3 · Vibe coding", STUDENTS, "stream", "3rd_stream"),
    ("🎓 stream 4 · Vibe coding", STUDENTS, "stream", "4th_stream"),
    ("📝 stream 3 · Vibe coding", "Booked a stream", "booked", "3rd_stream"),
    ("Everyone but the paid", None, "all_but_paid", None),
    ("Awaiting payment", None, "awaiting", None),
    ("All free lessons", "Free-lesson", "lessons", None),
    ("Lesson: Cursor lesson", "Free-lesson", "lessons", "cursor_lesson"),
]


@pytest.mark.parametrize(("label", "submenu", "kind", "value"), AUDIENCES)
async def test_every_audience_matches_an_independent_computation(
    standin: Any,
    bot_app: Any,
    pool: asyncpg.Pool,
    school: list[Person],
    label: str,
    submenu: str | None,
    kind: str,
    value: str | None,
) -> None:
    text = f"Hello {kind} {value}"
    review = await compose(standin, label, text, submenu=submenu)
    bid = await send_now(standin, review)
    row = await wait_finished(pool, bid)
    expected = await expected_audience(pool, kind, value)
    assert set(await statuses(pool, bid)) == expected
    assert row["total_recipients"] == len(expected) == row["successful_deliveries"]
    for user_id in expected:
        assert received(standin, user_id, text) == 1
    assert received(standin, BLOCKED_ID, text) == 0
    history = await pool.fetchrow(
        "SELECT recipient_type, recipient_group, excluded_blocked FROM message_history"
        " WHERE id = $1",
        bid,
    )
    assert history["recipient_type"] == "group"
    if kind == "stream":
        assert history["recipient_group"] == value
    if kind == "everyone" or value == "3rd_stream":  # the blocked user is a 3rd_stream student
        assert history["excluded_blocked"] == 1


async def test_blocked_and_duplicates_are_counted_in_the_summary(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, school: list[Person]
) -> None:
    summary = await choose_audience(standin, "🎓 stream 4 · Vibe coding", STUDENTS)
    # carol booked 4th_stream twice and paid twice: one recipient, one duplicate
    assert "Recipients: 2" in summary.shown_text
    assert "duplicates removed: 1" in summary.shown_text
    summary = await choose_audience(standin, "🎓 stream 3 · Vibe coding", STUDENTS)
    assert "Recipients: 1" in summary.shown_text
    assert "excluded as blocked: 1" in summary.shown_text


async def test_individual_list_keeps_known_and_lists_unknown(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, school: list[Person]
) -> None:
    await standin.send_message(ADMIN_ID, "/broadcast")
    menu = await expect(standin, "Who should get it?")
    await press(standin, menu, "Individual recipients")
    await expect(standin, "Paste the recipients")
    await standin.send_message(ADMIN_ID, "200001, @bob 999999 @nobody_here 200001\n@Carol")
    summary = await expect(standin, "Recipients:")
    assert "999999" in summary.shown_text and "@nobody_here" in summary.shown_text
    assert "Recipients: 3" in summary.shown_text and "duplicates removed: 1" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Just for you")
    review = await finish_compose(standin)
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {200001, 200002, 200003}
    row = await pool.fetchrow(
        "SELECT recipient_type, recipient_group FROM message_history WHERE id = $1", bid
    )
    assert row["recipient_type"] == "individual" and row["recipient_group"] is None


async def test_html_error_is_caught_when_the_text_arrives(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, school: list[Person]
) -> None:
    """Issue #16 §3: explained at once, with the place, and the text shown back to fix."""
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "Hello\n<b>unclosed")
    error = await expect(standin, "The formatting is broken")
    assert "unclosed tag <b> on line 2" in error.shown_text
    assert "can't parse entities" not in error.shown_text
    kept = await expect(standin, "<b>unclosed")
    assert kept.shown_text == "Hello\n<b>unclosed"  # as typed, to copy
    assert not any("Add URL buttons?" in m.shown_text for m in standin.transcript(ADMIN_ID))
    await standin.send_message(ADMIN_ID, "<b>closed</b> now")
    review = await finish_compose(standin)
    assert "Send now" in str(review.buttons)
    assert await pool.fetchval("SELECT count(*) FROM message_history") == 0


async def test_over_long_text_is_refused_at_once(
    standin: Any, bot_app: Any, school: list[Person]
) -> None:
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "x" * 4097)
    refused = await expect(standin, "Too long")
    # the count with its noun, as the admin's locale writes numbers (issue #16 §5)
    assert "4,097 characters" in refused.shown_text and "4,096" in refused.shown_text


async def test_url_buttons_reach_recipients(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, school: list[Person]
) -> None:
    review = await compose(
        standin,
        "🎓 stream 4 · Vibe coding",
        "With a button",
        submenu=STUDENTS,
        buttons="Open the course | https://example.com/course\nFAQ | https://example.com/faq",
    )
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    copy = standin.transcript(200003)[-1]
    assert copy.shown_text == "With a button"
    assert copy.buttons == [
        [("Open the course", "https://example.com/course")],
        [("FAQ", "https://example.com/faq")],
    ]


async def test_double_confirm_creates_one_broadcast(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, school: list[Person]
) -> None:
    review = await compose(standin, "Everyone", "Only once")
    data = next(d for row in review.buttons for t, d in row if "Send now" in t)
    first = await standin.press_button(ADMIN_ID, review.message_id, data)
    second = await standin.press_button(ADMIN_ID, review.message_id, data)
    answers = [await standin.wait_for_callback_answer(q) for q in (first, second)]
    bid = await pool.fetchval("SELECT id FROM message_history")
    await wait_finished(pool, bid)
    assert await pool.fetchval("SELECT count(*) FROM message_history") == 1
    assert any("Already created" in (a.get("text") or "") for a in answers)
    # a stale press later still answers what happened
    third = await standin.press_button(ADMIN_ID, review.message_id, data)
    assert "Already created" in (await standin.wait_for_callback_answer(third))["text"]
    for person in SCHOOL:
        assert received(standin, person.user_id, "Only once") == 1
    assert standin.duplicate_deliveries() == 0


async def test_403s_record_who_cannot_be_reached_and_400_chat_not_found_fails(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(300001), blocked=True)
    await add_person(pool, standin, Person(300002), deactivated=True)
    await add_person(pool, standin, Person(300003), started=False)
    await add_person(pool, standin, Person(300004))
    # in the school's tables, but Telegram never saw the id
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES (300005, 'start_command',"
        " now())"
    )
    review = await compose(standin, "Everyone", "Outcomes")
    bid = await send_now(standin, review)
    row = await wait_finished(pool, bid)
    assert await statuses(pool, bid) == {
        300001: ("failed", "blocked"),
        300002: ("failed", "deactivated"),
        300003: ("failed", "never started"),
        300004: ("sent", None),
        300005: ("failed", "chat not found"),
    }
    blocked = {r["user_id"]: r["reason"] for r in await pool.fetch("SELECT * FROM blocked_users")}
    assert blocked == {300001: "blocked", 300002: "deactivated", 300003: "never started"}
    assert row["successful_deliveries"] == 1
    report = await expect(standin, "finished")
    assert "Delivered: 1 of 5" in report.shown_text
    assert "Blocked the bot or deleted the account: 2" in report.shown_text


async def test_429_storm_is_honoured_and_nothing_is_lost(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    from bot.app import running

    ids = await add_plain_users(pool, standin, 400000, 60)
    standin.set_limits(rate_limit=10, chat_burst=None)  # the bot believes 40/s is fine
    async with running(make_settings(broadcast_rate=40), pool):
        review = await compose(standin, "Everyone", "Storm")
        bid = await send_now(standin, review)
        row = await wait_finished(pool, bid, timeout=30)
    assert standin.too_many_requests_served > 0
    assert row["successful_deliveries"] == len(ids)
    assert all(received(standin, i, "Storm") == 1 for i in ids)
    assert standin.duplicate_deliveries() == 0


async def test_5xx_are_not_retried_but_end_outcome_unknown(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """SPEC §6: a 5xx may come after delivery; only an admin's Retry failed sends again."""
    ids = await add_plain_users(pool, standin, 410000, 40)
    review = await compose(standin, "Everyone", "Through errors")
    bid = await send_now(standin, review)
    standin.set_faults(error_rate=0.3, seed=7)  # the console's own replies are through
    row = await wait_finished(pool, bid, timeout=30)
    standin.set_faults()
    outcome = await statuses(pool, bid)
    unknown = [u for u, (_, r) in outcome.items() if r == "outcome unknown"]
    # every 5xx a recipient got is one "outcome unknown" (the admin's report may get one too)
    assert 0 < len(unknown) <= standin.faults_served["server_error"]
    assert row["successful_deliveries"] == len(ids) - len(unknown)
    assert all(received(standin, i, "Through errors") == (0 if i in unknown else 1) for i in ids)


async def test_dropped_responses_end_outcome_unknown_and_are_not_resent(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 420000, 40)
    review = await compose(standin, "Everyone", "Lost answers")
    bid = await send_now(standin, review)
    standin.set_faults(drop_after_delivery_rate=0.3, seed=3)
    await wait_finished(pool, bid, timeout=30)
    standin.set_faults()
    outcome = await statuses(pool, bid)
    unknown = [u for u, (s, r) in outcome.items() if r == "outcome unknown"]
    assert unknown, "some responses should have been dropped"
    assert all(outcome[u][0] in ("sent", "failed") for u in ids)
    for user_id in ids:
        assert received(standin, user_id, "Lost answers") == 1  # delivered once, never again
    assert standin.duplicate_deliveries() == 0
    assert await sent_matches_counter(pool, bid)


async def test_pause_resume_and_cancel(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    from bot.app import running

    await add_plain_users(pool, standin, 430000, 60)
    async with running(make_settings(broadcast_rate=10), pool) as app:
        base = standin.delivered_count()
        review = await compose(standin, "Everyone", "Slowly")
        bid = await send_now(standin, review)
        card = card_of(standin, bid)
        await standin.wait_for(lambda: standin.delivered_count() >= base + 3, timeout=10)
        await press(standin, card, "Pause")
        await standin.wait_for(lambda: "paused" in card.shown_text, timeout=5)
        # quiescent: the sending task has ended (its in-flight requests settled), no claims
        delivery = app.services.broadcasts.delivery
        await standin.wait_for(lambda: not delivery.is_sending(bid), timeout=10)
        frozen = standin.delivered_count()
        claimed = await pool.fetchval(
            "SELECT count(*) FROM message_recipients WHERE message_id = $1"
            " AND delivery_status = 'pending' AND claimed_by IS NOT NULL",
            bid,
        )
        assert claimed == 0, "nothing is in flight while paused"
        assert await sent_matches_counter(pool, bid)
        await press(standin, card, "Resume")
        await standin.wait_for(lambda: standin.delivered_count() > frozen + 3, timeout=5)
        await standin.wait_for(lambda: "sending" in card.shown_text, timeout=5)
        await press(standin, card, "Cancel")
        question = await expect(standin, f"Cancel broadcast #{bid}?")
        await press(standin, question, "Yes, cancel")
        row = await wait_finished(pool, bid)
    assert row["status"] == "cancelled"
    outcome = await statuses(pool, bid)
    assert all(s in ("sent", "failed") for s, _ in outcome.values())
    cancelled = [u for u, (s, r) in outcome.items() if r == "cancelled"]
    assert cancelled and len(cancelled) < 60
    assert await sent_matches_counter(pool, bid)
    actions = {
        r["action"]
        for r in await pool.fetch("SELECT action FROM audit_log WHERE admin_id = $1", ADMIN_ID)
    }
    assert {
        "broadcast_create",
        "broadcast_send",
        "broadcast_pause",
        "broadcast_resume",
        "broadcast_cancel",
    } <= actions
