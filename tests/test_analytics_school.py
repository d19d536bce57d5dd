"""Courses, lessons, funnel, retention, leads, user cards, schema and exports, end to end."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.seed import SeedOptions, seed_school
from bot.telegram.texts.names import code_name
from tests.benchmarks.naive import Naive
from tests.support import ADMIN_ID
from tests.test_analytics import ask, png_size
from tests.test_analytics import school as school  # the fixture
from tests.test_analytics_dataset import (
    ANNA,
    BLOCKED,
    HOT,
    PAYER,
    VIEWER,
    School,
    local_day,
)

STATUS_NAMES = {
    0: "created, awaiting payment",
    1: "payment proof uploaded",
    2: "confirmed (paid)",
    -1: "cancelled",
}
COURSES = {1: "Vibe coding", 2: "Vibe coding EXTRA"}


def stream_title(code: str) -> str:
    """How the English console names a stream ("8th_stream" → "stream 8")."""
    number = code.split("_")[0].rstrip("stndrh")
    return f"stream {number}" if code.endswith("_stream") else code


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


async def test_courses_list_every_stream_with_all_statuses(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/courses")
    text = reply.plain_text
    for (course, stream), counts in school.streams().items():
        total = sum(counts.values())
        current = " (current)" if school.current_stream(course) == stream else ""
        conversion = pct(counts[2], total)
        name = stream_title(stream)
        line = f"{name}{current}: {total} bookings — conversion to paid {conversion}"
        assert line in text
        statuses = " · ".join(f"{STATUS_NAMES[s]} {counts[s]}" for s in (0, 1, 2, -1))
        assert statuses in text
    assert len([b for row in reply.buttons for b in row]) == len(school.streams())


async def read_all_pages(standin: Any, page: Any, marker: str) -> list[str]:
    """The rows (lines containing ``marker``) of a paged list, pressing Next to the end."""
    shown: list[str] = []
    while True:
        shown += [line for line in page.plain_text.splitlines() if marker in line]
        next_button = [d for row in page.buttons for t, d in row if t.startswith("Next")]
        if not next_button:
            return shown
        before = page.plain_text
        await standin.press_button(ADMIN_ID, page.message_id, next_button[0])
        await standin.wait_for(lambda: page.plain_text != before, timeout=10)  # noqa: B023


async def test_current_stream_lists_bookers_and_programme_viewers_apart(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """A stream's people are two lists that say what they list: those who booked it, the most
    recently active first, and (a switch away) those who only viewed the programme since the
    stream opened, the latest view first."""
    stream = school.current_stream(1)
    courses = await ask(standin, "/courses")
    data = next(
        d for row in courses.buttons for t, d in row if t.endswith(f"· {stream_title(stream)}")
    )
    await standin.press_button(ADMIN_ID, courses.message_id, data)
    page = await standin.wait_for_message(ADMIN_ID, timeout=10)

    bookers = {
        b.user_id: b.confirmed for b in school.bookings if (b.course_id, b.stream) == (1, stream)
    }
    opened = min(b.created_at for b in school.bookings if (b.course_id, b.stream) == (1, stream))
    viewed: dict[int, Any] = {}
    for e in school.events:
        if e.event_type == "view_program" and (e.details or {}).get("course_id") == 1:
            viewed[e.user_id] = max(viewed.get(e.user_id, e.created_at), e.created_at)
    viewers = {u: at for u, at in viewed.items() if at >= opened and u not in bookers}
    assert VIEWER in viewers and len(viewers) > 1 and len(bookers) > 1

    pages = -(-len(bookers) // 10)
    people = f"{len(bookers)} people" if len(bookers) != 1 else "1 person"
    assert f"Vibe coding · {stream_title(stream)}\nBooked it: {people}" in page.plain_text
    assert f"page 1/{pages}" in page.plain_text
    rows = await read_all_pages(standin, page, " — last active ")
    assert Counter(line.split(" — ")[1] for line in rows) == Counter(
        STATUS_NAMES[s] for s in bookers.values()
    )
    users = {
        r["user_id"]: r
        for r in await pool.fetch(
            "SELECT user_id, first_name, username, last_seen_at FROM users"
            " WHERE user_id = ANY($1)",
            [*bookers, *viewers],
        )
    }

    def name_of(user_id: int) -> str:
        """How the list names a person: first name and @username, or the id."""
        row = users[user_id]
        parts = [row["first_name"]] if row["first_name"] else []
        parts += [f"@{row['username']}"] if row["username"] else []
        return " ".join(parts) or f"id {user_id}"

    seen = {u: users[u]["last_seen_at"] for u in bookers}
    expected = sorted(bookers, key=lambda u: (-seen[u].timestamp(), u))
    assert [line.split(" — ")[0] for line in rows] == [
        f"{n}. {name_of(u)}" for n, u in enumerate(expected, 1)
    ]

    switch = [d for row in page.buttons for t, d in row if t.startswith("👀")]
    assert [t for row in page.buttons for t, _ in row if t.startswith("👀")] == [
        f"👀 Viewed the programme, no booking ({len(viewers)})"
    ]
    before = page.plain_text
    await standin.press_button(ADMIN_ID, page.message_id, switch[0])
    await standin.wait_for(lambda: page.plain_text != before, timeout=10)
    assert "Viewed the programme since the stream opened but didn't book:" in page.plain_text
    assert "awaiting" not in page.plain_text and "last active" not in page.plain_text
    rows = await read_all_pages(standin, page, " — viewed the programme ")
    latest_first = sorted(viewers, key=lambda u: (-viewers[u].timestamp(), u))
    assert [line.split(" — ")[0] for line in rows] == [
        f"{n}. {name_of(u)}" for n, u in enumerate(latest_first, 1)
    ]
    back = [d for row in page.buttons for t, d in row if t.startswith("🎓")]
    assert back, page.buttons
    await standin.press_button(ADMIN_ID, page.message_id, back[0])
    await standin.wait_for(lambda: "Booked it:" in page.plain_text, timeout=10)


async def test_lessons_registrations_attendance_and_later_bookings(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/lessons")
    first = school.today - timedelta(days=30)
    groups: dict[tuple[str, Any], list[Any]] = {}
    for r in school.registrations:
        if r.lesson_date >= first:
            groups.setdefault((r.lesson_type, r.lesson_date), []).append(r)
    assert groups
    for (lesson, day), regs in groups.items():
        attended = sum(
            1
            for r in regs
            if any(
                e.user_id == r.user_id
                and e.event_type == "lesson_link_clicked"
                and local_day(e.created_at) == day
                for e in school.events
            )
        )
        booked = sum(
            1
            for r in regs
            if any(
                b.user_id == r.user_id and b.created_at > r.registered_at for b in school.bookings
            )
        )
        n = len(regs)
        name = code_name("lesson", lesson, "en")  # "Cursor lesson", not cursor_lesson
        line = f"{day.strftime('%d.%m.%Y')} · {name}: signed up {n}"
        if day > school.today:  # nobody can have come yet: no "attended 0 (0.0%)"
            assert f"{line} · still to come" in reply.plain_text
            continue
        line += (
            f" · attended {attended} ({pct(attended, n)}) · booked later {booked} "
            f"({pct(booked, n)})"
        )
        assert line in reply.plain_text
    anna_day = (school.today - timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"{anna_day} · Cursor lesson: signed up" in reply.plain_text


async def test_funnel_counts_users_who_reached_every_earlier_step(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/funnel 30")
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    counts = school.funnel(30)
    names = [
        "Pressed /start",
        "Viewed the programme",
        "Made a booking",
        "Uploaded payment proof",
        "Payment confirmed",
    ]
    text = reply.plain_caption
    assert f"1. Pressed /start: {counts[0]}\n" in text + "\n"
    for n in range(1, 5):
        assert (
            f"{n + 1}. {names[n]}: {counts[n]} ({pct(counts[n], counts[n - 1])} of the previous)"
            in text
        )
    assert counts[4] >= 1  # Anna went all the way


async def test_retention_heat_map_of_weekly_cohorts(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/retention")
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    text = reply.plain_caption
    expected = school.retention()
    assert len(expected) == 12
    for cohort, (size, active) in expected.items():
        day = cohort.strftime("%d.%m.%Y")
        if size == 0:
            assert f"{day} — nobody" in text
            continue
        # each cohort's last week is this week, still going: "so far"
        shares = " · ".join(
            f"w{n}{' so far' if n == len(active) - 1 else ''} {pct(active[n], size)}"
            for n in (1, 2, 3, 4)
            if n < len(active)
        )
        people = "person" if size == 1 else "people"
        assert f"{day} — {size} {people}: {shares or 'first week in progress'}" in text


async def test_leads_scored_by_last_week_and_open_cards(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    reply = await ask(standin, "/leads")
    # the scores are a snapshot: the answer says when it was taken, in local time
    as_of = await pool.fetchval("SELECT as_of FROM analytics_leads_state")
    local = as_of.astimezone(ZoneInfo("Europe/Moscow")).strftime("%H:%M")
    assert reply.plain_text.endswith(f"As of {local}")
    leads = school.leads()
    tiers = Counter(tier for tier, _, _ in leads.values())
    assert f"Hot (≥ 20 events on ≥ 5 days): {tiers['hot']}" in reply.plain_text
    assert f"Warm (≥ 10 events on ≥ 3 days): {tiers['warm']}" in reply.plain_text
    assert f"Cool (≥ 5 events): {tiers['cool']}" in reply.plain_text
    assert PAYER not in leads and leads[HOT][0] == "hot"
    hot_button = next(d for row in reply.buttons for _, d in row if d == f"usercard:{HOT}")
    await standin.press_button(ADMIN_ID, reply.message_id, hot_button)
    card = await standin.wait_for_message(ADMIN_ID, timeout=10)
    assert f"id {HOT}" in card.plain_text


async def test_user_card_of_someone_in_all_three_tables(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    message_id = await pool.fetchval(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries)"
        " VALUES ('Привет & <до встречи>', 1, 1) RETURNING id"
    )
    await pool.execute(
        "INSERT INTO message_recipients (message_id, user_id, delivery_status)"
        " VALUES ($1, $2, 'sent')",
        message_id,
        ANNA,
    )
    card = await ask(standin, f"/user {ANNA}")
    text = card.plain_text
    assert "Анна @anna" in text and f"id {ANNA}" in text
    assert "Vibe coding · stream 8 — confirmed (paid)" in text
    assert "Cursor lesson on" in text and "cursor_lesson" not in text
    anna_events = [e for e in school.events if e.user_id == ANNA]
    assert f"Recent events ({len(anna_events)} of {len(anna_events)})" in text
    assert "“Привет & <до встречи>” — delivered" in text
    # a broadcast reached her: nothing known against the bot, and it says which bot
    assert "Broadcasts from the bot have reached them: not known to have blocked it." in text
    assert card.buttons == [
        [("✉️ Message this user", f"msguser:{ANNA}")],
        [("🛠 Manage booking", f"bkuser:{ANNA}")],  # she has a booking
    ]

    by_name = await ask(standin, "/user @ANNA")
    assert f"id {ANNA}" in by_name.plain_text
    blocked = await ask(standin, f"/user {BLOCKED}")
    assert "Blocked the bot (found out on" in blocked.plain_text


async def test_user_search_lists_matches_or_says_not_found(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/user Crowd2")
    named = {b.user_id for b in school.bookings} | {r.user_id for r in school.registrations}
    crowd = [u for u in named if 200 <= u < 240]  # all called Crowd2xx
    assert len(crowd) > 10
    assert reply.plain_text == (
        "More than 10 users match — here are the first 10, most recently active."
        " Refine the query if the one you want isn't here:"
    )
    assert len([b for row in reply.buttons for b in row]) == 10
    # as many as fit: the true count
    few = [u for u in crowd if 200 <= u < 210]  # Crowd20x
    assert 1 < len(few) <= 10
    reply = await ask(standin, "/user Crowd20")
    assert reply.plain_text == f"Several users match ({len(few)}); pick one:"

    missing = await ask(standin, "/user <nobody>")
    assert missing.plain_text == "User “<nobody>” not found."
    missing = await ask(standin, "/user 999999")
    assert missing.plain_text == "User “999999” not found."


async def test_schema_reports_tables_columns_and_indexes(
    standin: Any, school: School, bot_app: Any
) -> None:
    await standin.send_message(ADMIN_ID, "/schema")
    first = await standin.wait_for_message(ADMIN_ID, timeout=10)
    expected = [
        f"events — {len(school.events)} rows",
        f"bookings — {len(school.bookings)} rows",
        "idx_events_type_created_user (event_type, created_at) INCLUDE (user_id)",
        "event_type character varying(50)",
    ]

    def shown() -> str:
        return "\n".join(m.plain_text or "" for m in standin.transcript(ADMIN_ID))

    # the report comes in several messages: wait until every part we look for has arrived
    await standin.wait_for(lambda: all(part in shown() for part in expected), timeout=10)
    assert first.plain_text.startswith("Database:")
    assert len(standin.transcript(ADMIN_ID)) >= 2


async def test_export_streams_csv_with_bom(standin: Any, school: School, bot_app: Any) -> None:
    reply = await ask(standin, "/export bookings csv")
    assert reply.kind == "document" and reply.document_name.startswith("bookings-")
    data = reply.document_bytes
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == len(school.bookings)
    assert {r["first_name"] for r in rows if r["user_id"] == str(ANNA)} == {"Анна"}

    reply = await ask(standin, "/export events 7 csv")
    rows = list(csv.DictReader(io.StringIO(reply.document_bytes.decode("utf-8-sig"))))
    first = school.today - timedelta(days=6)
    assert len(rows) == sum(1 for e in school.events if local_day(e.created_at) >= first)
    assert f"{len(rows)} rows" in reply.plain_caption


async def test_an_export_over_the_limit_stops_while_streaming(
    school: School, bot_app: Any
) -> None:
    """Past the upload limit the export stops at once and leaves no file behind."""
    service = bot_app.services.school
    whole = await service.export("events", None)
    try:
        assert whole.size > 10_000 and not whole.too_big
    finally:
        whole.discard()
    capped = await service.export("events", None, max_bytes=whole.size // 4)
    assert capped.too_big
    assert capped.rows < len(school.events)  # it stopped early, not after writing it all
    assert not capped.path.exists()


async def test_funnel_lessons_and_stream_people_follow_live_changes(pool: asyncpg.Pool) -> None:
    """Migration 0080's rollups answer like the naive queries after the course bot writes."""
    async with pool.acquire() as conn:
        await seed_school(conn, SeedOptions(users=300, events=4000, days=60, seed=3))
    tz = ZoneInfo("Europe/Moscow")
    service, naive = SchoolAnalytics(pool, tz), Naive(pool, tz)

    async def same_answers() -> None:
        assert await service.funnel(30) == await naive.funnel(30)
        assert await service.funnel(7) == await naive.funnel(7)
        assert await service.lessons() == await naive.lessons()
        stream = next(s for s in await service.streams() if s.current)
        assert await service.students(stream.key, 0) == await naive.current_students()
        assert await service.students(stream.key, 0, viewers=True) == (
            await naive.current_students(viewers=True)
        )

    await same_answers()
    now = datetime.now(tz)
    today = now.date()
    newcomer, booker = 9_000_001, 9_000_002
    async with pool.acquire() as conn:
        stream = next(s for s in await service.streams() if s.current and s.course_id == 1)
        # a newcomer walks the whole funnel today and books the current stream
        for kind in ("start_command", "view_program", "booking_created", "payment_proof_uploaded"):
            await conn.execute(
                "INSERT INTO events (user_id, event_type, details, created_at)"
                " VALUES ($1, $2, $3::jsonb, $4)",
                newcomer,
                kind,
                {"course_id": 1},
                now,
            )
        await conn.execute(
            "INSERT INTO bookings (user_id, course_id, course_stream, confirmed, created_at)"
            " VALUES ($1, 1, $2, 2, $3)",
            newcomer,
            stream.stream,
            now,
        )
        # another views the programme, registers for today's lesson and attends it
        await conn.execute(
            "INSERT INTO events (user_id, event_type, details, created_at)"
            " VALUES ($1, 'view_program', $2::jsonb, $3)",
            booker,
            {"course_id": 1},
            now,
        )
        await conn.execute(
            "INSERT INTO free_lesson_registrations (user_id, email, lesson_type, lesson_date,"
            " registered_at) VALUES ($1, 'e', 'cursor_lesson', $2, $3)",
            booker,
            today,
            now - timedelta(hours=1),
        )
        await conn.execute(
            "INSERT INTO events (user_id, event_type, created_at)"
            " VALUES ($1, 'lesson_link_clicked', $2)",
            booker,
            now,
        )
    await same_answers()
    async with pool.acquire() as conn:
        # the rarer paths: a status change, a moved event, deletions
        await conn.execute("UPDATE bookings SET confirmed = -1 WHERE user_id = $1", newcomer)
        await conn.execute(
            "UPDATE events SET created_at = created_at - interval '40 days'"
            " WHERE user_id = $1 AND event_type = 'start_command'",
            newcomer,
        )
        await conn.execute(
            "DELETE FROM events WHERE user_id = $1 AND event_type = 'lesson_link_clicked'", booker
        )
    await same_answers()
