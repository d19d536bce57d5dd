"""The booking desk in the chat: from a person's /user card, move the booking, set its status,
referral code and discount — before → after, confirm, one transaction writing the booking, the
course bot's events and audit_log; /stats, /courses and /funnel follow; a stale card and a
stranger are refused. Driven end to end through the stand-in, as an admin would."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from bot.analytics.models import Stream
from bot.app import running
from bot.school import State
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID
from tests.test_broadcast_support import button, expect, press

MARIA, IVAN, OLGA, PETR = 5005, 5006, 5007, 5008
STRANGER = 424250


async def book(
    pool: asyncpg.Pool,
    user_id: int,
    username: str,
    stream: str,
    status: int,
    *,
    course: int = 1,
    code: str | None = None,
    discount: int = 0,
) -> int:
    booking_id: int = await pool.fetchval(
        "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream,"
        " confirmed, referral_code, discount_percent, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - interval '1 hour') RETURNING id",
        user_id,
        username,
        username.capitalize(),
        course,
        stream,
        status,
        code,
        discount,
    )
    return booking_id


async def journey(pool: asyncpg.Pool, user_id: int, *steps: str) -> None:
    """The course bot's events of a student's way to a booking (the funnel reads them)."""
    for minutes, step in enumerate(steps):
        await pool.execute(
            "INSERT INTO events (user_id, event_type, details, created_at)"
            " VALUES ($1, $2, $3, now() - interval '2 hours' + $4 * interval '1 minute')",
            user_id,
            step,
            json.dumps({"course_id": 1}),
            minutes,
        )


@pytest.fixture
async def school(pool: asyncpg.Pool, standin: Any) -> dict[str, int]:
    """Maria (payment proof uploaded, stream 8), Ivan (paid, stream 7), Olga (two bookings),
    Petr (no booking)."""
    full = ("start_command", "view_program", "booking_created", "payment_proof_uploaded")
    await journey(pool, MARIA, *full)
    await journey(pool, IVAN, *full, "payment_approved")
    await journey(pool, OLGA, "start_command", "view_program", "booking_created")
    await journey(pool, PETR, "start_command")
    ids = {
        "maria": await book(pool, MARIA, "maria_b", "8th_stream", 1),
        "ivan": await book(pool, IVAN, "ivan_k", "7th_stream", 2, code="SPRING", discount=10),
        "olga_old": await book(pool, OLGA, "olga_p", "6th_stream", -1),
        "olga": await book(pool, OLGA, "olga_p", "8th_stream", 0),
    }
    await pool.execute("UPDATE users SET username = 'petr_s' WHERE user_id = $1", PETR)
    return ids


async def ask(standin: Any, text: str, user: int = ADMIN_ID) -> Any:
    await standin.send_message(user, text)
    return await standin.wait_for_message(user, timeout=15)


async def figures(standin: Any) -> dict[str, str]:
    """What /stats, /courses and /funnel answer now."""
    return {command: (await ask(standin, command)).shown_text for command in FIGURES}


FIGURES = ("/stats", "/courses", "/funnel")


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """The lines that differ, pairwise (both answers keep their shape)."""
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new), (before, after)
    return [(o, n) for o, n in zip(old, new, strict=True) if o != n]


async def open_desk(standin: Any, user_id: int) -> Any:
    """/user <id>, then "Manage booking": the booking's card (or the choice of bookings)."""
    card = await ask(standin, f"/user {user_id}")
    await press(standin, card, "Manage booking")
    return await standin.wait_for_message(ADMIN_ID, timeout=15)


async def press_and_wait(standin: Any, message: Any, label: str, fragment: str) -> None:
    """Press a button of ``message`` and wait until the message shows ``fragment``."""
    edits = len(message.edits)
    await press(standin, message, label)
    await standin.wait_for(
        lambda: len(message.edits) > edits and fragment in message.shown_text, timeout=10
    )


async def booking_row(pool: asyncpg.Pool, booking_id: int) -> asyncpg.Record:
    row = await pool.fetchrow(
        "SELECT course_stream, confirmed, referral_code, discount_percent FROM bookings"
        " WHERE id = $1",
        booking_id,
    )
    assert row is not None
    return row


async def written_events(pool: asyncpg.Pool, after_id: int) -> list[tuple[int, str, Any]]:
    rows = await pool.fetch(
        "SELECT user_id, event_type, details FROM events WHERE id > $1 ORDER BY id", after_id
    )
    return [(r["user_id"], r["event_type"], r["details"]) for r in rows]


async def audits(pool: asyncpg.Pool) -> list[tuple[int, Any]]:
    rows = await pool.fetch(
        "SELECT admin_id, details FROM audit_log WHERE action = 'booking_edit' ORDER BY id"
    )
    return [(r["admin_id"], r["details"]) for r in rows]


def forge_on_message(standin: Any, user: Any, message_id: int, data: str) -> str:
    """A press with any data on a message of ``user``'s chat, as a tampering client sends it
    (``press_button`` only presses buttons a message has); return the query id."""
    query_id = standin.new_callback_id()
    update = standin.push_update(
        CONSOLE_TOKEN,
        {
            "callback_query": {
                "id": query_id,
                "from": user.to_dict(),
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": user.chat(),
                    "text": "x",
                },
            }
        },
    )
    standin.callback_queries[query_id] = {"token": CONSOLE_TOKEN, "update": update}
    return str(query_id)


def callback_data(message: Any) -> list[str]:
    return [str(data) for row in message.buttons for _, data in row]


CARD_MARIA = [
    "Booking #{id} · Vibe coding",
    "Maria_b @maria_b · id 5005",
    "Stream: stream 8",
    "Status: payment proof uploaded",
    "Referral code: none",
    "Discount: 0%",
]


def card_of(message: Any) -> list[str]:
    """The card's lines without the last one (the booking's creation time)."""
    lines = message.shown_text.splitlines()
    assert lines[-1].startswith(("Booked: ", "Создана: ")), lines
    return lines[:-1]


# --- status ---------------------------------------------------------------------------------


async def test_confirming_a_payment_from_the_user_card_moves_stats_courses_and_funnel(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    before = await figures(standin)
    last_event = await pool.fetchval("SELECT max(id) FROM events")

    desk = await open_desk(standin, MARIA)
    assert card_of(desk) == [line.format(id=booking) for line in CARD_MARIA]
    assert [[label for label, _ in row] for row in desk.buttons] == [
        ["🔀 Move to another stream"],
        ["🏷 Set status"],
        ["🎟 Referral code", "💯 Discount"],
    ]
    assert all(len(data.encode()) <= 64 for data in callback_data(desk))

    await press_and_wait(standin, desk, "Set status", "Which status?")
    assert [[label for label, _ in row] for row in desk.buttons] == [
        ["created, awaiting payment"],
        ["confirmed (paid)"],
        ["cancelled"],
        ["← Back"],
    ]
    await press_and_wait(standin, desk, "confirmed (paid)", "→")
    assert desk.shown_text == "\n".join(
        [
            f"Change booking #{booking}? · Vibe coding",
            "Maria_b @maria_b · id 5005",
            "",
            "Status: payment proof uploaded → confirmed (paid)",
            "",
            "The payment is recorded as approved by you: it counts in payments, the overview"
            " and the funnel.",
        ]
    )
    assert (await booking_row(pool, booking))["confirmed"] == 1  # nothing before the confirm
    assert await audits(pool) == []

    await press_and_wait(standin, desk, "Confirm", "Saved")
    assert card_of(desk) == [
        "✅ Saved.",
        "",
        *[
            line.format(id=booking).replace("payment proof uploaded", "confirmed (paid)")
            for line in CARD_MARIA
        ],
    ]
    assert (await booking_row(pool, booking))["confirmed"] == 2
    assert await written_events(pool, last_event) == [
        (MARIA, "booking_status_changed", {"booking_id": booking, "from": 1, "to": 2}),
        (
            MARIA,
            "payment_approved",
            {
                "booking_id": booking,
                "course_id": 1,
                "course_stream": "8th_stream",
                "approved_by": ADMIN_ID,
            },
        ),
    ]
    assert await audits(pool) == [
        (
            ADMIN_ID,
            {
                "booking_id": booking,
                "user_id": MARIA,
                "before": {
                    "course_stream": "8th_stream",
                    "confirmed": 1,
                    "referral_code": None,
                    "discount_percent": 0,
                },
                "after": {
                    "course_stream": "8th_stream",
                    "confirmed": 2,
                    "referral_code": None,
                    "discount_percent": 0,
                },
                "via": "chat",
            },
        )
    ]

    after = await figures(standin)
    assert changed_lines(before["/stats"], after["/stats"]) == [
        (
            "  • payment proof uploaded: 1 (today +1, 7 days +1)",
            "  • payment proof uploaded: 0",
        ),
        (
            "  • confirmed (paid): 1 (today +1, 7 days +1)",
            "  • confirmed (paid): 2 (today +2, 7 days +2)",
        ),
    ]
    assert changed_lines(before["/courses"], after["/courses"]) == [
        (
            "stream 8 (current): 2 bookings — conversion to paid 0.0%",
            "stream 8 (current): 2 bookings — conversion to paid 50.0%",
        ),
        (
            "   created, awaiting payment 1 · payment proof uploaded 1 · confirmed (paid) 0"
            " · cancelled 0",
            "   created, awaiting payment 1 · payment proof uploaded 0 · confirmed (paid) 1"
            " · cancelled 0",
        ),
    ]
    assert changed_lines(before["/funnel"], after["/funnel"]) == [
        (
            "5. Payment confirmed: 1 (50.0% of the previous)",
            "5. Payment confirmed: 2 (100.0% of the previous)",
        )
    ]


async def test_cancelling_takes_the_booking_out_of_the_active_figures(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    before = await figures(standin)
    last_event = await pool.fetchval("SELECT max(id) FROM events")
    desk = await open_desk(standin, MARIA)
    await press_and_wait(standin, desk, "Set status", "Which status?")
    await press_and_wait(standin, desk, "cancelled", "→")
    assert desk.shown_text.splitlines()[3:] == [
        "Status: payment proof uploaded → cancelled",
        "",
        "The booking no longer counts as active.",
    ]
    await press_and_wait(standin, desk, "Confirm", "Saved")
    # a cancelled booking is not moved: no Move button any more
    assert "🔀 Move to another stream" not in [label for row in desk.buttons for label, _ in row]
    assert await written_events(pool, last_event) == [
        (MARIA, "booking_status_changed", {"booking_id": booking, "from": 1, "to": -1}),
    ]
    after = await figures(standin)
    assert changed_lines(before["/stats"], after["/stats"]) == [
        (
            "  • payment proof uploaded: 1 (today +1, 7 days +1)",
            "  • payment proof uploaded: 0",
        ),
        (
            "  • cancelled: 1 (today +1, 7 days +1)",
            "  • cancelled: 2 (today +2, 7 days +2)",
        ),
    ]
    assert changed_lines(before["/courses"], after["/courses"]) == [
        (
            "   created, awaiting payment 1 · payment proof uploaded 1 · confirmed (paid) 0"
            " · cancelled 0",
            "   created, awaiting payment 1 · payment proof uploaded 0 · confirmed (paid) 0"
            " · cancelled 1",
        )
    ]
    # the funnel's last step counts confirmed bookings: a cancelled proof leaves it as it was
    assert changed_lines(before["/funnel"], after["/funnel"]) == []


# --- stream ---------------------------------------------------------------------------------


async def test_moving_a_booking_to_another_stream_of_its_course(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    before = await figures(standin)
    last_event = await pool.fetchval("SELECT max(id) FROM events")
    desk = await open_desk(standin, MARIA)
    await press_and_wait(standin, desk, "Move to another stream", "which stream")
    # the course's other streams, named and ordered as /courses shows them (a cancelled
    # booking's stream 6 is a stream of the course too); ids in the buttons, never its text
    assert [[label for label, _ in row] for row in desk.buttons] == [
        ["stream 6"],
        ["stream 7"],
        ["← Back"],
    ]
    assert not any("_stream" in data for data in callback_data(desk))
    await press_and_wait(standin, desk, "stream 7", "→")
    assert desk.shown_text.splitlines()[3:] == ["Stream: stream 8 → stream 7"]
    await press_and_wait(standin, desk, "Confirm", "Saved")
    assert card_of(desk)[2:] == [
        line.format(id=booking).replace("stream 8", "stream 7") for line in CARD_MARIA
    ]
    assert (await booking_row(pool, booking))["course_stream"] == "7th_stream"
    # SPEC names no course-bot event for a move: audit_log only
    assert await written_events(pool, last_event) == []
    ((admin, details),) = await audits(pool)
    assert admin == ADMIN_ID and details["before"]["course_stream"] == "8th_stream"
    assert details["after"]["course_stream"] == "7th_stream" and details["via"] == "chat"

    after = await figures(standin)
    assert changed_lines(before["/stats"], after["/stats"]) == []
    assert changed_lines(before["/funnel"], after["/funnel"]) == []
    moved = changed_lines(before["/courses"], after["/courses"])
    assert (
        "stream 7: 1 booking — conversion to paid 100.0%",
        "stream 7: 2 bookings — conversion to paid 50.0%",
    ) in moved
    assert (
        "stream 8 (current): 2 bookings — conversion to paid 0.0%",
        "stream 8 (current): 1 booking — conversion to paid 0.0%",
    ) in moved


async def test_back_and_cancel_change_nothing(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    desk = await open_desk(standin, MARIA)
    shown = card_of(desk)
    await press_and_wait(standin, desk, "Move to another stream", "which stream")
    await press_and_wait(standin, desk, "Back", "Booked:")
    assert card_of(desk) == shown
    await press_and_wait(standin, desk, "Set status", "Which status?")
    await press_and_wait(standin, desk, "created, awaiting payment", "→")
    await press_and_wait(standin, desk, "Cancel", "Booked:")
    assert card_of(desk) == shown
    assert (await booking_row(pool, school["maria"]))["confirmed"] == 1
    assert await audits(pool) == []


# --- typed values ---------------------------------------------------------------------------


async def test_referral_code_is_typed_checked_and_confirmed(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    last_event = await pool.fetchval("SELECT max(id) FROM events")
    desk = await open_desk(standin, MARIA)
    await press(standin, desk, "Referral code")
    prompt = await expect(standin, "Send the new referral code")
    assert prompt.shown_text == (
        f"Send the new referral code of booking #{booking} (now: none), up to 50 characters."
        " “-” removes the code. /cancel keeps it as it is."
    )
    too_long = await ask(standin, "X" * 51)
    assert too_long.shown_text == (
        "The code is longer than 50 characters (51). Send a shorter one, or /cancel."
    )
    same = await ask(standin, "-")
    assert same.shown_text == "That is already the value. Send another one, or /cancel."
    photo_id = standin.cursor()
    await standin.send_message(ADMIN_ID, None, photo=b"\x89PNG fake")
    not_text = await standin.wait_for_message(ADMIN_ID, after=photo_id, timeout=10)
    assert not_text.shown_text == "Send the value as text, or /cancel."

    preview = await ask(standin, "  <b>FRIEND&10</b> ")
    assert preview.shown_text.splitlines()[3:] == ["Referral code: none → <b>FRIEND&10</b>"]
    assert await booking_row(pool, booking) == ("8th_stream", 1, None, 0)
    await press_and_wait(standin, preview, "Confirm", "Saved")
    assert "Referral code: <b>FRIEND&10</b>" in preview.shown_text
    assert (await booking_row(pool, booking))["referral_code"] == "<b>FRIEND&10</b>"
    # the flow is over: a text now is no code
    reply = await ask(standin, "ANOTHER")
    assert "ANOTHER" not in reply.shown_text and "→" not in reply.shown_text
    assert (await booking_row(pool, booking))["referral_code"] == "<b>FRIEND&10</b>"
    assert await written_events(pool, last_event) == []  # no course-bot event names it
    ((_, details),) = await audits(pool)
    assert details["after"]["referral_code"] == "<b>FRIEND&10</b>"

    # "-" removes it again
    await press(standin, preview, "Referral code")
    await expect(standin, "Send the new referral code")
    removal = await ask(standin, "-")
    assert removal.shown_text.splitlines()[3:] == ["Referral code: <b>FRIEND&10</b> → none"]
    await press_and_wait(standin, removal, "Confirm", "Saved")
    assert (await booking_row(pool, booking))["referral_code"] is None


async def test_cancel_leaves_the_typing_and_changes_nothing(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    desk = await open_desk(standin, IVAN)
    await press(standin, desk, "Referral code")
    prompt = await expect(standin, "Send the new referral code")
    assert "(now: SPRING)" in prompt.shown_text
    cancelled = await ask(standin, "/cancel")
    assert "Cancelled" in cancelled.shown_text
    after_cancel = await ask(standin, "AUTUMN")
    assert "→" not in after_cancel.shown_text
    assert (await booking_row(pool, school["ivan"]))["referral_code"] == "SPRING"
    assert await audits(pool) == []


async def test_discount_is_typed_checked_and_confirmed(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["ivan"]
    desk = await open_desk(standin, IVAN)
    await press(standin, desk, "Discount")
    prompt = await expect(standin, "Send the discount")
    assert prompt.shown_text == (
        f"Send the discount of booking #{booking} in per cent: a whole number from 0 to 100"
        " (now: 10%). /cancel keeps it as it is."
    )
    for bad in ("150", "abc", "-5", "12.5", "<i>"):
        reply = await ask(standin, bad)
        assert reply.shown_text == (
            f"“{bad}” is not a discount: send a whole number from 0 to 100, or /cancel."
        )
    same = await ask(standin, "10")
    assert same.shown_text == "That is already the value. Send another one, or /cancel."
    preview = await ask(standin, "25 %")
    assert preview.shown_text.splitlines()[3:] == ["Discount: 10% → 25%"]
    await press_and_wait(standin, preview, "Confirm", "Saved")
    assert (await booking_row(pool, booking))["discount_percent"] == 25
    ((_, details),) = await audits(pool)
    assert (details["before"]["discount_percent"], details["after"]["discount_percent"]) == (
        10,
        25,
    )


# --- stale cards, strangers -------------------------------------------------------------------


async def test_a_stale_confirm_is_refused_with_the_current_values(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    desk = await open_desk(standin, MARIA)
    await press_and_wait(standin, desk, "Set status", "Which status?")
    await press_and_wait(standin, desk, "confirmed (paid)", "→")
    # meanwhile the course bot (or another admin) changes the booking
    await pool.execute(
        "UPDATE bookings SET discount_percent = 30, referral_code = 'LATE' WHERE id = $1", booking
    )
    last_event = await pool.fetchval("SELECT max(id) FROM events")

    await press_and_wait(standin, desk, "Confirm", "Not changed")
    assert card_of(desk) == [
        "⚠️ Not changed: the booking changed after it was shown. This is it now:",
        "",
        *[line.format(id=booking) for line in CARD_MARIA[:4]],
        "Referral code: LATE",
        "Discount: 30%",
    ]
    assert await booking_row(pool, booking) == ("8th_stream", 1, "LATE", 30)
    assert await written_events(pool, last_event) == []
    assert await audits(pool) == []
    # the refusal carries the current card's buttons: from there it works
    await press_and_wait(standin, desk, "Set status", "Which status?")
    await press_and_wait(standin, desk, "confirmed (paid)", "→")
    await press_and_wait(standin, desk, "Confirm", "Saved")
    assert await booking_row(pool, booking) == ("8th_stream", 2, "LATE", 30)


async def test_an_old_card_is_refused_when_another_admin_changed_the_booking(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    mine = await open_desk(standin, MARIA)
    card = await ask(standin, f"/user {MARIA}", user=SECOND_ADMIN_ID)
    await press(standin, card, "Manage booking", user_id=SECOND_ADMIN_ID)
    theirs = await standin.wait_for_message(SECOND_ADMIN_ID, timeout=15)
    await press(standin, theirs, "Discount", user_id=SECOND_ADMIN_ID)
    await expect(standin, "Send the discount", user_id=SECOND_ADMIN_ID)
    preview = await ask(standin, "5", user=SECOND_ADMIN_ID)
    await press(standin, preview, "Confirm", user_id=SECOND_ADMIN_ID)
    await standin.wait_for(lambda: "Saved" in preview.shown_text, timeout=10)

    await press_and_wait(standin, mine, "Set status", "Not changed")
    assert "Discount: 5%" in mine.shown_text
    assert (await booking_row(pool, booking))["confirmed"] == 1
    # a typed value for a card that went stale meanwhile is refused too
    await press(standin, mine, "Referral code")
    await expect(standin, "Send the new referral code")
    await pool.execute("UPDATE bookings SET confirmed = 0 WHERE id = $1", booking)
    refused = await ask(standin, "NEWCODE")
    assert refused.shown_text.startswith("⚠️ Not changed")
    assert "Status: created, awaiting payment" in refused.shown_text
    assert (await booking_row(pool, booking))["referral_code"] is None
    assert [details["via"] for _, details in await audits(pool)] == ["chat"]


async def test_a_strangers_forged_press_changes_nothing(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    desk = await open_desk(standin, MARIA)
    await press_and_wait(standin, desk, "Set status", "Which status?")
    await press_and_wait(standin, desk, "confirmed (paid)", "→")
    confirm = button(desk, "Confirm")
    shown = desk.shown_text
    stranger = standin.create_user(STRANGER, first_name="Stranger")
    # a press of the admin's own Confirm, as if on a message of the stranger's chat
    query_id = forge_on_message(standin, stranger, desk.message_id, confirm)
    await standin.wait_for_callback_answer(query_id, timeout=10)
    # and one with no message at all
    forged = standin.forge_press(STRANGER, f"bkuser:{MARIA}")
    await standin.wait_for_callback_answer(forged, timeout=10)

    assert (await booking_row(pool, booking))["confirmed"] == 1
    assert await audits(pool) == []
    assert desk.shown_text == shown
    assert standin.transcript(STRANGER) == []
    denied = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE admin_id = $1 AND action = 'denied_callback'",
        STRANGER,
    )
    assert denied == 2


# --- the /user card -------------------------------------------------------------------------


async def test_only_a_person_with_a_booking_gets_the_button_and_several_are_listed(
    standin: Any, school: dict[str, int], bot_app: Any, pool: asyncpg.Pool
) -> None:
    card = await ask(standin, f"/user {PETR}")
    assert "Manage booking" not in [label for row in card.buttons for label, _ in row]

    choice = await open_desk(standin, OLGA)
    assert choice.shown_text == "Olga_p @olga_p: 2 bookings. Which one?"
    assert [[label for label, _ in row] for row in choice.buttons] == [
        [f"#{school['olga']} · Vibe coding · stream 8 · created, awaiting payment"],
        [f"#{school['olga_old']} · Vibe coding · stream 6 · cancelled"],
    ]
    await press(standin, choice, "stream 6")
    cancelled = await expect(standin, f"Booking #{school['olga_old']}")
    assert "Status: cancelled" in cancelled.shown_text
    assert [[label for label, _ in row] for row in cancelled.buttons] == [
        ["🏷 Set status"],
        ["🎟 Referral code", "💯 Discount"],
    ]
    # a forged Move of the cancelled booking (its card offers none), well formed down to the
    # versions, is refused by the desk and the card says why
    shown = State("6th_stream", -1, None, 0)
    wanted = replace(shown, course_stream="8th_stream").version
    key = Stream(1, "8th_stream", (), None, False).key
    data = f"bkok:{school['olga_old']}:stream:{key}:{shown.version}:{wanted}"
    admin = standin.user(ADMIN_ID)
    await standin.wait_for_callback_answer(
        forge_on_message(standin, admin, cancelled.message_id, data), timeout=10
    )
    await standin.wait_for(lambda: "not moved" in cancelled.shown_text, timeout=10)
    assert cancelled.shown_text.startswith(
        "A cancelled booking is not moved: change its status first."
    )
    assert (await booking_row(pool, school["olga_old"]))["course_stream"] == "6th_stream"
    assert await audits(pool) == []


# --- Russian --------------------------------------------------------------------------------


async def test_the_desk_speaks_russian(
    standin: Any, school: dict[str, int], make_settings: Any, pool: asyncpg.Pool
) -> None:
    booking = school["maria"]
    async with running(make_settings(language="ru"), pool):
        card = await ask(standin, f"/user {MARIA}")
        await press(standin, card, "Изменить бронь")
        desk = await expect(standin, f"Бронь #{booking}")
        assert card_of(desk) == [
            f"Бронь #{booking} · Вайб кодинг",
            "Maria_b @maria_b · id 5005",
            "Поток: 8-й поток",
            "Статус: чек загружен, на проверке",
            "Реферальный код: нет",
            "Скидка: 0\u00a0%",
        ]
        await press_and_wait(standin, desk, "Перенести", "В какой поток")
        await press_and_wait(standin, desk, "7-й поток", "→")
        assert desk.shown_text.splitlines()[3:] == ["Поток: 8-й поток → 7-й поток"]
        await press_and_wait(standin, desk, "Подтвердить", "Сохранено")
        await press_and_wait(standin, desk, "Изменить статус", "Какой статус")
        await press_and_wait(standin, desk, "подтверждена (оплачена)", "→")
        assert desk.shown_text.splitlines()[3:] == [
            "Статус: чек загружен, на проверке → подтверждена (оплачена)",
            "",
            "Оплата будет записана как подтверждённая вами: она войдёт в оплаты, сводку и"
            " воронку.",
        ]
        await press_and_wait(standin, desk, "Подтвердить", "Сохранено")
        await press(standin, desk, "Скидка")
        await expect(standin, "Пришлите скидку")
        bad = await ask(standin, "сто")
        assert bad.shown_text == (
            "«сто» — не скидка: нужно целое число от 0 до 100. Пришлите ещё раз или /cancel."
        )
    assert await booking_row(pool, booking) == ("7th_stream", 2, None, 0)
