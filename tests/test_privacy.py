"""A person's data, erased on request (/forget), and opt-in retention (RETENTION_DAYS).

Erasure runs on a seeded school, with what the real course bot adds on top (its events carry
the person's username, first name and e-mail in ``details``), broadcasts, audit rows and
conversation state: every figure the console shows is the same before and after, and no
text, varchar or jsonb column of any table holds the person's name, username, e-mail or phone
number afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.analytics import SchoolAnalytics
from bot.app import running
from bot.config import ConfigError, load_settings
from bot.privacy import (
    TABLES,
    PrivacyService,
    RetentionScheduler,
    RetentionService,
    parse_target,
)
from bot.privacy import retention as retention_module
from bot.seed import SeedOptions, seed_school
from tests.support import ADMIN_ID, SECOND_ADMIN_ID
from tests.test_broadcast_support import Person, add_person, expect, press

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
SEED = SeedOptions(users=400, events=6000, days=45, seed=7)
PHONE = "+7 999 123-45-67"


class FrozenSchool(SchoolAnalytics):
    """The analytics service with its clock stopped, so "today" cannot move mid-test."""

    def now(self) -> datetime:
        return NOW.astimezone(self.tz)


@dataclasses.dataclass(frozen=True)
class Someone:
    user_id: int
    username: str
    first_name: str
    email: str

    @property
    def traces(self) -> tuple[str, ...]:
        return (self.username, self.first_name, self.email, PHONE)


# --- the seeded school and the person -------------------------------------------------------


async def seed(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await seed_school(connection, SEED, now=NOW)


async def pick_person(pool: asyncpg.Pool) -> Someone:
    """A seeded person with a booking and a sign-up whose name, username and e-mail appear in
    nobody else's rows (so finding them anywhere afterwards means erasure missed them)."""
    row = await pool.fetchrow(
        """
        WITH people AS (
            SELECT u.user_id, u.username, u.first_name, f.email
            FROM users u
            JOIN LATERAL (SELECT email FROM free_lesson_registrations r
                          WHERE r.user_id = u.user_id LIMIT 1) f ON TRUE
            WHERE u.username IS NOT NULL AND u.first_name LIKE '% %'
              AND EXISTS (SELECT 1 FROM bookings b
                          WHERE b.user_id = u.user_id AND b.first_name = u.first_name
                            AND b.username = u.username)
        )
        SELECT p.* FROM people p
        WHERE NOT EXISTS (
            SELECT 1 FROM users o
            WHERE o.user_id <> p.user_id
              AND (strpos(lower(coalesce(o.username, '')), lower(p.username)) > 0
                   OR strpos(lower(coalesce(o.first_name, '')), lower(p.first_name)) > 0)
        ) AND NOT EXISTS (
            SELECT 1 FROM free_lesson_registrations o
            WHERE o.user_id <> p.user_id
              AND (strpos(lower(o.email), lower(p.username)) > 0
                   OR strpos(lower(o.email), lower(p.email)) > 0)
        )
        ORDER BY p.user_id
        LIMIT 1
        """
    )
    assert row is not None, "the seed has nobody suitable"
    return Someone(row["user_id"], row["username"], row["first_name"], row["email"])


async def leave_traces(pool: asyncpg.Pool, person: Someone) -> None:
    """What the rest of the system writes about a person, beyond the seed."""
    # The course bot adds username and first_name to every event's details, the e-mail to
    # free_lesson_registered, and a shared contact carries a phone number.
    await pool.execute(
        "UPDATE events SET details = coalesce(details, '{}') || jsonb_build_object("
        " 'username', $2::text, 'first_name', $3::text) WHERE user_id = $1",
        person.user_id,
        person.username,
        person.first_name,
    )
    await pool.execute(
        "UPDATE events SET details = details || jsonb_build_object('email', $2::text,"
        " 'registration_id', 17) WHERE user_id = $1 AND event_type = 'free_lesson_registered'",
        person.user_id,
        person.email,
    )
    await pool.execute(
        "INSERT INTO events (user_id, event_type, details, created_at) VALUES ($1,"
        " 'unknown_callback', jsonb_build_object('callback_data', 'share_contact',"
        " 'contact', jsonb_build_object('phone_number', $2::text, 'first_name', $3::text),"
        " 'note', 'from @' || $4::text), $5)",
        person.user_id,
        PHONE,
        person.first_name,
        person.username,
        NOW - timedelta(days=2),
    )
    # a finished broadcast that reached them, with its frozen username
    message_id = await pool.fetchval(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at, recipient_type, recipient_group, status) VALUES ('Новый поток', 2, 2,"
        " $1, 'group', 'everyone', 'done') RETURNING id",
        NOW - timedelta(days=3),
    )
    await pool.executemany(
        "INSERT INTO message_recipients (message_id, user_id, username, delivery_status,"
        " telegram_message_id) VALUES ($1, $2, $3, 'sent', 1)",
        [(message_id, person.user_id, person.username), (message_id, 1, "someone_else")],
    )
    # they wrote to the console bot (and were refused); an admin looked them up by username
    await pool.execute(
        "INSERT INTO audit_log (admin_id, action, details) VALUES ($1, 'denied_command',"
        " '{\"command\": \"stats\"}'), ($2, 'lookup', jsonb_build_object('query', '@' || $3,"
        " 'found', jsonb_build_array($4::text, 7)))",
        person.user_id,
        ADMIN_ID,
        person.username,
        person.first_name,
    )
    # their own conversation state, and an admin's that mentions them
    await pool.execute(
        "INSERT INTO fsm_state (key, state, data) VALUES ($1, NULL, jsonb_build_object("
        " 'name', $3::text)), ($2, 'Broadcast:writing_text', jsonb_build_object('pasted',"
        " '@' || $4::text, 'draft', 'abc'))",
        f"fsm:1000001:{person.user_id}:{person.user_id}:default",
        f"fsm:1000001:{ADMIN_ID}:{ADMIN_ID}:default",
        person.first_name,
        person.username,
    )


async def text_columns(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        " AND c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')"
        " ORDER BY 1, 2"
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


async def find_anywhere(pool: asyncpg.Pool, needles: tuple[str, ...]) -> dict[str, int]:
    """``table.column`` → rows whose text holds any needle (case-insensitive), for every text,
    varchar and jsonb column of every table in the public schema."""
    found: dict[str, int] = {}
    # lowered by the server on both sides: its ctype decides (C lowers no Cyrillic)
    lowered = list(needles)
    async with pool.acquire() as conn:
        columns = await text_columns(conn)
        assert len(columns) > 30, columns
        for table, column in columns:
            # the server quotes the identifiers (format %I); the needles travel as parameters
            sql = await conn.fetchval(
                "SELECT format('SELECT count(*) FROM %I.%I WHERE EXISTS (SELECT 1 FROM"
                " unnest($1::text[]) n WHERE strpos(lower(%I::text), lower(n)) > 0)',"
                " 'public', $1::text, $2::text)",
                table,
                column,
            )
            n = await conn.fetchval(sql, lowered)
            if n:
                found[f"{table}.{column}"] = n
    return found


# --- figures --------------------------------------------------------------------------------


def anonymised(value: Any, user_id: int) -> Any:
    """``value`` with the names of ``user_id`` blanked wherever a dataclass carries them."""
    if isinstance(value, tuple | list):
        return type(value)(anonymised(v, user_id) for v in value)
    if isinstance(value, dict):
        return {k: anonymised(v, user_id) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: anonymised(getattr(value, f.name), user_id) for f in dataclasses.fields(value)
        }
        if changes.get("user_id") == user_id:
            changes.update({k: None for k in ("username", "first_name") if k in changes})
        return dataclasses.replace(value, **changes)
    return value


async def figures(school: SchoolAnalytics, person: Someone) -> dict[str, Any]:
    """Every figure the console shows, as SchoolAnalytics answers it."""
    streams = await school.streams()
    students = []
    for stream in streams:
        page = 0
        while (found := await school.students(stream.key, page)) is not None:
            students.append(found)
            page += 1
            if page >= found.pages:
                break
    answers = {
        "stats": await school.stats(),
        "growth_all": await school.growth(None),
        "growth_30": await school.growth(30),
        "daily": await school.daily(45),
        "events": await school.top_events(20, 45),
        "streams": streams,
        "students": students,
        "lessons": await school.lessons(),
        "funnel_7": await school.funnel(7),
        "funnel_45": await school.funnel(45),
        "retention": await school.retention(),
        "leads": await school.leads(),
        "card": await school.user_card(person.user_id),
        "daily_between": await school.daily_between(
            school.today() - timedelta(days=40), school.today()
        ),
    }
    return anonymised(answers, person.user_id)


ROLLUPS = (
    "analytics_new_users",
    "analytics_events",
    "analytics_bookings",
    "analytics_registrations",
    "analytics_user_weeks",
    "analytics_cohorts",
    "analytics_user_days",
    "analytics_user_steps",
    "analytics_program_viewers",
)


async def rollups(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """The derived tables, and everything but names in users and the school's rows."""
    queries = {table: f"SELECT * FROM {table} ORDER BY 1, 2" for table in ROLLUPS}
    queries |= {
        "users": "SELECT user_id, first_seen_at, last_seen_at, bot_seen_at FROM users ORDER BY 1",
        "bookings": "SELECT id, user_id, course_id, course_stream, confirmed, created_at,"
        " referral_code, discount_percent FROM bookings ORDER BY id",
        "registrations": "SELECT id, user_id, registered_at, notification_sent, lesson_type,"
        " lesson_date FROM free_lesson_registrations ORDER BY id",
        "events": "SELECT id, user_id, event_type, created_at, details -> 'course_id',"
        " details -> 'lesson_type', details -> 'registration_id', details -> 'callback_data'"
        " FROM events ORDER BY id",
        "recipients": "SELECT id, message_id, user_id, delivery_status FROM message_recipients"
        " ORDER BY id",
        "history": "SELECT id, total_recipients, successful_deliveries FROM message_history"
        " ORDER BY id",
    }
    return {name: [tuple(r) for r in await pool.fetch(sql)] for name, sql in queries.items()}


async def everything(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Every row of every table, as text (to show a second erasure changes nothing)."""
    async with pool.acquire() as conn:
        tables = sorted({table for table, _ in await text_columns(conn)})
        dump = {}
        for table in tables:
            sql = await conn.fetchval(
                "SELECT format('SELECT t::text FROM %I.%I t ORDER BY 1', 'public', $1::text)",
                table,
            )
            dump[table] = [r[0] for r in await conn.fetch(sql)]
        return dump


@pytest.fixture
async def seeded(pool: asyncpg.Pool) -> tuple[SchoolAnalytics, Someone]:
    await seed(pool)
    person = await pick_person(pool)
    await leave_traces(pool, person)
    school = FrozenSchool(pool, TZ)
    await school.prepare()
    return school, person


# --- erasure --------------------------------------------------------------------------------


async def test_forgetting_a_seeded_person_keeps_every_figure_and_leaves_no_trace(
    pool: asyncpg.Pool, seeded: tuple[SchoolAnalytics, Someone]
) -> None:
    school, person = seeded
    before = await figures(school, person)
    derived_before = await rollups(pool)
    found_before = await find_anywhere(pool, person.traces)
    for column in (
        "bookings.username",
        "bookings.first_name",
        "free_lesson_registrations.email",
        "events.details",
        "users.username",
        "message_recipients.username",
        "audit_log.details",
        "fsm_state.data",
    ):
        assert found_before.get(column), (column, found_before)  # the search does find them

    privacy = PrivacyService(pool)
    target = parse_target("@" + person.username.upper())
    assert target is not None
    preview = await privacy.preview(target)
    assert preview.user_ids == (person.user_id,)
    assert (preview.username, preview.first_name) == (person.username, person.first_name)
    assert preview.erasure is not None
    assert await find_anywhere(pool, person.traces) == found_before  # a preview changes nothing

    erasure = await privacy.forget(ADMIN_ID, person.user_id)

    assert erasure == preview.erasure
    counts = dict(erasure.rows)
    assert list(counts) == list(TABLES)
    own = {
        "bookings": "SELECT count(*) FROM bookings WHERE user_id = $1",
        "free_lesson_registrations": "SELECT count(*) FROM free_lesson_registrations"
        " WHERE user_id = $1",
        "events": "SELECT count(*) FROM events WHERE user_id = $1",
    }
    for table, sql in own.items():
        assert counts[table] == await pool.fetchval(sql, person.user_id), table
    assert counts["users"] == 1 and counts["message_recipients"] == 1
    assert counts["fsm_state"] == 2 and counts["audit_log"] == 1  # their state; the lookup

    assert await find_anywhere(pool, person.traces) == {}
    assert await figures(school, person) == before
    assert await rollups(pool) == derived_before
    await pool.execute("SELECT hsl_rebuild_analytics()")
    assert await rollups(pool) == derived_before  # the rollups agree with a rebuild

    # blanks: NULL, or '' where the school's column is NOT NULL
    assert await pool.fetchval(
        "SELECT bool_and(email = '' AND username IS NULL AND first_name IS NULL)"
        " FROM free_lesson_registrations WHERE user_id = $1",
        person.user_id,
    )
    assert await pool.fetchval(
        "SELECT bool_and(username IS NULL AND first_name IS NULL) FROM bookings"
        " WHERE user_id = $1",
        person.user_id,
    )
    # their own conversation state is gone; the admin's keeps its place without the mention
    assert await pool.fetchval("SELECT array_agg(key ORDER BY key) FROM fsm_state") == [
        f"fsm:1000001:{ADMIN_ID}:{ADMIN_ID}:default"
    ]
    assert await pool.fetchval("SELECT data FROM fsm_state") == {"draft": "abc"}
    # the shared contact went whole; the rest of that event's details stayed
    contact = await pool.fetchval(
        "SELECT details FROM events WHERE user_id = $1 AND event_type = 'unknown_callback'"
        " AND details ? 'callback_data' ORDER BY id DESC LIMIT 1",
        person.user_id,
    )
    assert contact == {"callback_data": "share_contact"}
    # the audit row: who, when, whose, how many — nothing personal
    audit = await pool.fetch("SELECT * FROM audit_log WHERE action = 'forget'")
    assert len(audit) == 1
    assert audit[0]["admin_id"] == ADMIN_ID
    assert audit[0]["details"] == {"user_id": person.user_id, "rows": counts}
    assert abs(audit[0]["created_at"] - datetime.now(UTC)) < timedelta(minutes=5)

    # a second time changes nothing, and says so
    snapshot = await everything(pool)
    again = await privacy.forget(SECOND_ADMIN_ID, person.user_id)
    assert again.total == 0
    assert await everything(pool) == snapshot
    preview = await privacy.preview(person.user_id)
    assert preview.erasure is not None and preview.erasure.total == 0
    assert (preview.username, preview.first_name) == (None, None)


async def test_erasure_blanks_only_that_person(
    pool: asyncpg.Pool, seeded: tuple[SchoolAnalytics, Someone]
) -> None:
    _, person = seeded
    others = (
        "SELECT user_id, username, first_name FROM users WHERE user_id <> $1 ORDER BY 1",
        "SELECT id, username, first_name FROM bookings WHERE user_id <> $1 ORDER BY 1",
        "SELECT id, username, first_name, email FROM free_lesson_registrations"
        " WHERE user_id <> $1 ORDER BY 1",
        "SELECT id, details FROM events WHERE user_id <> $1 ORDER BY 1",
        "SELECT id, username FROM message_recipients WHERE user_id <> $1 ORDER BY 1",
    )
    before = [await pool.fetch(sql, person.user_id) for sql in others]
    await PrivacyService(pool).forget(ADMIN_ID, person.user_id)
    assert [await pool.fetch(sql, person.user_id) for sql in others] == before


async def test_not_null_name_columns_become_empty_strings(pool: asyncpg.Pool) -> None:
    """A school database may declare more columns NOT NULL than hsl-bot's schema does."""
    await pool.execute("ALTER TABLE bookings ALTER COLUMN username SET NOT NULL")
    await pool.execute(
        "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream)"
        " VALUES (42, 'strict_school', 'Вера', 1, '8th_stream')"
    )
    erasure = await PrivacyService(pool).forget(ADMIN_ID, 42)
    assert dict(erasure.rows)["bookings"] == 1
    row = await pool.fetchrow("SELECT username, first_name FROM bookings WHERE user_id = 42")
    assert (row["username"], row["first_name"]) == ("", None)


async def test_username_used_by_several_people_lists_them(pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO bookings (user_id, username, course_id) VALUES (11, 'moved_on', 1),"
        " (12, 'Moved_On', 1)"
    )
    privacy = PrivacyService(pool)
    assert (await privacy.preview("moved_on")).user_ids == (11, 12)
    assert (await privacy.preview("nobody_here")).user_ids == ()


def test_forget_argument_is_an_id_or_a_username() -> None:
    assert parse_target(" 5 ") == 5
    assert parse_target("@anna_dev") == "anna_dev"
    assert parse_target("anna_dev") == "anna_dev"
    for bad in (None, "", "@", "5 6", "-5", "@a", "anna dev", "x" * 40, "1" * 20):
        assert parse_target(bad) is None, bad


# --- in the chat ----------------------------------------------------------------------------


FORGET_USAGE = "Usage: /forget <id | @username>\nFor example: /forget 4214380735"


async def test_admin_previews_and_confirms_erasure_in_the_chat(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(
        pool,
        standin,
        Person(5005, "maria_b", streams=(("8th_stream", 2),), lessons=("cursor_lesson",)),
    )
    await pool.execute("UPDATE users SET first_name = 'Мария <b>&</b> Co' WHERE user_id = 5005")

    await standin.send_message(ADMIN_ID, "/forget")
    assert (await expect(standin, "Usage")).plain_text == FORGET_USAGE
    await standin.send_message(ADMIN_ID, "/forget maria b")
    assert (await expect(standin, "Usage")).plain_text == FORGET_USAGE

    await standin.send_message(ADMIN_ID, "/forget @MARIA_B")
    preview = await expect(standin, "Erase this person's personal data?")
    assert preview.plain_text == "\n".join(
        [
            "Erase this person's personal data?",
            "id 5005 · @maria_b · Мария <b>&</b> Co",
            "",
            "Names, usernames and e-mails become empty, personal fields leave the events."
            " Rows affected:",
            "• bookings: 1",
            "• free-lesson registrations: 1",
            "• user record: 1",
            "",
            "Ids, dates, statuses and every figure stay as they are. This cannot be undone.",
        ]
    )
    assert [[label for label, _ in row] for row in preview.buttons] == [["🗑 Erase", "Cancel"]]
    assert all(len(data.encode()) <= 64 and "maria" not in data for _, data in preview.buttons[0])

    await press(standin, preview, "Erase")
    await standin.wait_for(lambda: "erased" in preview.plain_text, timeout=10)
    assert preview.plain_text == "\n".join(
        [
            "✅ Personal data of id 5005 erased.",
            "• bookings: 1",
            "• free-lesson registrations: 1",
            "• user record: 1",
            "",
            "Every figure is unchanged. The audit log records who erased it and when"
            " (without the data).",
        ]
    )
    assert not preview.buttons
    assert await pool.fetchval("SELECT username FROM users WHERE user_id = 5005") is None
    details = await pool.fetchval("SELECT details FROM audit_log WHERE action = 'forget'")
    touched = ("bookings", "free_lesson_registrations", "users")
    assert details == {"user_id": 5005, "rows": {t: int(t in touched) for t in TABLES}}

    await standin.send_message(ADMIN_ID, "/forget 5005")
    reply = await expect(standin, "nothing to erase")
    assert reply.plain_text == (
        "No names, usernames or e-mails are stored for id 5005: nothing to erase."
    )
    assert not reply.buttons
    await standin.send_message(ADMIN_ID, "/forget @maria_b")
    reply = await expect(standin, "Nobody")
    assert reply.plain_text == (
        "Nobody with the username @maria_b was found. Give the id: /forget <id>"
    )


async def test_cancel_changes_nothing_and_a_stale_confirm_says_already_erased(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(6006, "ivan_x", streams=(("8th_stream", 0),)))
    previews = []
    for _ in range(3):
        await standin.send_message(ADMIN_ID, "/forget 6006")
        previews.append(await expect(standin, "Erase this person's personal data?"))
    cancelled, confirmed, stale = previews

    await press(standin, cancelled, "Cancel")
    await standin.wait_for(lambda: "Cancelled" in cancelled.plain_text, timeout=10)
    assert cancelled.plain_text == "Cancelled: nothing was changed for id 6006."
    assert not cancelled.buttons
    assert await pool.fetchval("SELECT username FROM bookings WHERE user_id = 6006") == "ivan_x"

    await press(standin, confirmed, "Erase")
    await standin.wait_for(lambda: "erased" in confirmed.plain_text, timeout=10)
    await press(standin, stale, "Erase")
    await standin.wait_for(lambda: "already gone" in stale.plain_text, timeout=10)
    assert stale.plain_text == "The personal data of id 6006 is already gone: nothing changed."
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'forget'") == 1


async def test_forget_speaks_russian(standin: Any, make_settings: Any, pool: asyncpg.Pool) -> None:
    await add_person(pool, standin, Person(7007, "olga_k", lessons=("cursor_lesson",)))
    async with running(make_settings(language="ru"), pool):
        await standin.send_message(ADMIN_ID, "/forget @olga_k")
        preview = await expect(standin, "Удалить персональные данные?")
        assert "• записи на бесплатные уроки: 1" in preview.plain_text
        await press(standin, preview, "Удалить данные")
        await standin.wait_for(lambda: "удалены" in preview.plain_text, timeout=10)
        await standin.send_message(ADMIN_ID, "/forget")
        assert (await expect(standin, "Использование")).plain_text == (
            "Использование: /forget <id | @username>\nНапример: /forget 4214380735"
        )


# --- retention ------------------------------------------------------------------------------


async def add_broadcast(
    pool: asyncpg.Pool, status: str, age: timedelta, recipients: int, now: datetime
) -> int:
    at = now - age
    message_id: int = await pool.fetchval(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at, created_at, status) VALUES ('hi', $1, $2, $3, $3, $4) RETURNING id",
        recipients,
        recipients - 1,
        at,
        status,
    )
    await pool.executemany(
        "INSERT INTO message_recipients (message_id, user_id, username, delivery_status,"
        " created_at) VALUES ($1, $2, $3, $4, $5)",
        [
            (message_id, 100 + i, f"user{i}", "failed" if i == 0 else "sent", at)
            for i in range(recipients)
        ],
    )
    return message_id


async def add_audit(pool: asyncpg.Pool, age: timedelta, now: datetime) -> None:
    await pool.execute(
        "INSERT INTO audit_log (admin_id, action, created_at) VALUES ($1, 'stats', $2)",
        ADMIN_ID,
        now - age,
    )


async def recipients_by_broadcast(pool: asyncpg.Pool) -> dict[int, int]:
    rows = await pool.fetch(
        "SELECT h.id, count(r.id) AS n FROM message_history h"
        " LEFT JOIN message_recipients r ON r.message_id = h.id GROUP BY h.id"
    )
    return {r["id"]: r["n"] for r in rows}


async def test_retention_deletes_old_recipients_and_audit_rows_keeping_totals(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_module, "PURGE_BATCH", 3)  # several batches each
    now = datetime(2026, 6, 1, 12, 0, tzinfo=TZ)
    old_done = await add_broadcast(pool, "done", timedelta(days=40), 7, now)
    old_cancelled = await add_broadcast(pool, "cancelled", timedelta(days=31), 4, now)
    old_sending = await add_broadcast(pool, "sending", timedelta(days=40), 5, now)
    old_paused = await add_broadcast(pool, "paused", timedelta(days=40), 2, now)
    recent = await add_broadcast(pool, "done", timedelta(days=29), 6, now)
    for days in (400, 45, 31, 29, 1):
        await add_audit(pool, timedelta(days=days), now)
    totals = await pool.fetch(
        "SELECT id, total_recipients, successful_deliveries FROM message_history ORDER BY id"
    )

    assert await RetentionService(pool, None, TZ).purge(now) is None  # unset: keep everything
    assert sum((await recipients_by_broadcast(pool)).values()) == 24

    purged = await RetentionService(pool, 30, TZ).purge(now)

    assert purged is not None
    assert (purged.recipients, purged.audit) == (11, 3)
    assert purged.cutoff == now - timedelta(days=30)
    assert await recipients_by_broadcast(pool) == {
        old_done: 0,
        old_cancelled: 0,
        old_sending: 5,  # still delivering: its rows are its queue
        old_paused: 2,
        recent: 6,
    }
    ages = await pool.fetch("SELECT $1 - created_at AS age FROM audit_log ORDER BY 1", now)
    assert [r["age"] for r in ages] == [timedelta(days=1), timedelta(days=29)]
    assert (
        await pool.fetch(
            "SELECT id, total_recipients, successful_deliveries FROM message_history ORDER BY id"
        )
        == totals
    )

    # the next night, with the clock moved on: the rows that aged past the limit go
    later = await RetentionService(pool, 30, TZ).purge(now + timedelta(days=2))
    assert later is not None and (later.recipients, later.audit) == (6, 1)
    again = await RetentionService(pool, 30, TZ).purge(now + timedelta(days=2))
    assert again is not None and (again.recipients, again.audit) == (0, 0)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until ``check()`` holds (polled; no fixed sleep decides anything)."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the state never came")
        await asyncio.sleep(0.05)


async def test_the_leader_purges_when_retention_is_set(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    now = datetime.now(TZ)
    await add_broadcast(pool, "done", timedelta(days=10), 3, now)
    await add_audit(pool, timedelta(days=10), now)

    async with running(make_settings(retention_days="30"), pool) as app:
        scheduler = app.services.retention_scheduler
        await eventually(lambda: _purged(scheduler))
    assert await pool.fetchval("SELECT count(*) FROM message_recipients") == 3
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'stats'") == 1

    async with running(make_settings(retention_days="7"), pool) as app:
        scheduler = app.services.retention_scheduler
        await eventually(lambda: _purged(scheduler))
        job = scheduler._scheduler.get_job("retention-purge")
        assert (job.next_run_time.hour, job.next_run_time.minute) == (3, 30)
    assert await pool.fetchval("SELECT count(*) FROM message_recipients") == 0
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'stats'") == 0
    assert await pool.fetchval("SELECT successful_deliveries FROM message_history") == 2


async def _purged(scheduler: RetentionScheduler) -> bool:
    return scheduler.purges > 0


async def test_retention_scheduler_does_nothing_when_unset(pool: asyncpg.Pool) -> None:
    scheduler = RetentionScheduler(RetentionService(pool, None, TZ))
    await scheduler.start()
    assert scheduler._scheduler is None and not scheduler._runs
    await scheduler.stop()


@pytest.mark.parametrize("value", ["0", "-1", "thirty", "1.5", "100000"])
def test_bad_retention_days_is_one_clear_line(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(retention_days=value, admin_ids="1")
    assert str(error.value).startswith("RETENTION_DAYS: ")
    assert "\n" not in str(error.value)


def test_retention_days_is_optional() -> None:
    assert load_settings(admin_ids="1", retention_days="").retention_days is None
    assert load_settings(admin_ids="1", retention_days=" 90 ").retention_days == 90
