"""The daily digest: content, schedule, opt-outs and the exactly-once promise."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.digest import DigestService
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID, bot_env, until_leading

MSK = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 11, 20)
NINE = datetime(2026, 11, 20, 9, 0, tzinfo=MSK)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


# (user_id, event_type, local time)
EVENTS = [
    (1, "start_command", at(19, 10)),
    (1, "payment_approved", at(19, 12)),
    (2, "start_command", at(19, 23, 30)),  # 20:30 UTC: still the 19th in Moscow
    (2, "lesson_link_clicked", at(19, 16)),
    (3, "start_command", at(20, 0, 30)),  # the 19th in UTC, the 20th in Moscow
    (4, "start_command", at(18, 12)),
    (5, "start_command", at(12, 12)),
    (5, "view_program", at(19, 13)),
]
# (user_id, confirmed, local time)
BOOKINGS = [(1, 2, at(19, 11)), (4, -1, at(18, 13)), (2, 0, at(19, 17))]
REGISTRATIONS = [(2, "cursor_lesson", at(19, 15)), (4, "claude_code_lesson", at(12, 9))]


async def load_school(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, $2, $3)", EVENTS
    )
    await pool.executemany(
        "INSERT INTO bookings (user_id, confirmed, created_at, course_id, course_stream)"
        " VALUES ($1, $2, $3, 1, '8th_stream')",
        BOOKINGS,
    )
    await pool.executemany(
        "INSERT INTO free_lesson_registrations (user_id, email, lesson_type, registered_at,"
        " lesson_date) VALUES ($1, 'x@example.com', $2, $3, $4)",
        [(user, lesson, moment, moment.date()) for user, lesson, moment in REGISTRATIONS],
    )
    await pool.execute(
        "INSERT INTO blocked_users (user_id, blocked_at, reason) VALUES (9, $1, 'blocked')",
        at(19, 13),
    )
    await pool.execute(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at) VALUES ('hi', 10, 8, $1)",
        at(19, 14),
    )


def expected_day(day: date) -> dict[str, int]:
    """The digest's figures for one local day, computed from the rows above."""
    seen: dict[int, datetime] = {}
    for user, _, moment in EVENTS:
        seen[user] = min(seen.get(user, moment), moment)
    for user, _, moment in BOOKINGS:
        seen[user] = min(seen.get(user, moment), moment)
    for user, _, moment in REGISTRATIONS:
        seen[user] = min(seen.get(user, moment), moment)
    on = [e for e in EVENTS if e[2].astimezone(MSK).date() == day]
    return {
        "new_users": sum(1 for moment in seen.values() if moment.astimezone(MSK).date() == day),
        "bookings": sum(1 for b in BOOKINGS if b[2].date() == day),
        "events": len(on),
        "payments": sum(1 for e in on if e[1] == "payment_approved"),
        "attendance": sum(1 for e in on if e[1] == "lesson_link_clicked"),
        "registrations": sum(1 for r in REGISTRATIONS if r[2].date() == day),
        # as of the end of that day, where the digest's chart ends
        "total_users": sum(1 for moment in seen.values() if moment.astimezone(MSK).date() <= day),
    }


def line(label: str, now: int, before: int, week: int) -> str:
    def signed(value: int) -> str:
        return f"+{value}" if value > 0 else str(value)

    return f"{label}: {now} ({signed(now - before)} · {signed(now - week)})"


def digest_service(app: Any, digest_time: str = "09:00") -> DigestService:
    """The app's own digest service, with DIGEST_TIME 09:00 (or ``digest_time``).

    The app itself runs with the digest schedule off, so the real clock never sends one
    behind the test's back; the tests drive ``tick`` at fixed moments instead.
    """
    services = app.services
    service = DigestService(
        app.pool,
        services.school,
        app.settings.model_copy(update={"digest_time": digest_time}),
        services.records,
    )
    service.attach(services.digest.presenter)
    service.term = app.leadership  # its claims are fenced by the app's term of leadership
    return service


async def photos_to(standin: Any, admin: int) -> list[Any]:
    return [m for m in standin.transcript(admin, token=CONSOLE_TOKEN) if m.kind == "photo"]


async def test_digest_reports_yesterday_against_day_before_and_week_before(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await load_school(pool)
    outcomes = await digest_service(bot_app).tick(NINE)
    assert sorted(outcomes) == [(ADMIN_ID, TODAY, "sent"), (SECOND_ADMIN_ID, TODAY, "sent")]

    photo = await standin.wait_for_message(ADMIN_ID)
    details = await standin.wait_for_message(ADMIN_ID)
    assert photo.kind == "photo" and photo.photo_bytes.startswith(b"\x89PNG")
    y, b, w = (expected_day(date(2026, 11, d)) for d in (19, 18, 12))
    assert "Daily digest for 19.11.2026" in photo.plain_caption
    assert f"{y['total_users']} in total" in photo.plain_caption
    text = details.plain_text
    for label, field in [
        ("New users", "new_users"),
        ("Bookings", "bookings"),
        ("Confirmed payments", "payments"),
        ("Free-lesson registrations", "registrations"),
        ("Lesson attendance", "attendance"),
        ("Events", "events"),
    ]:
        assert line(label, y[field], b[field], w[field]) in text, (label, text)
    assert "created 1 · in review 0 · paid 1 · cancelled 0" in text
    assert line("Found by broadcasts to have blocked the course bot", 1, 0, 0) in text
    assert "1 broadcast: delivered 8 of 10 (80.0%)" in text


async def test_digest_total_is_where_its_chart_ends(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """The headline's total is the last point of the chart under it (the end of the reported
    day), not the live total: user 3 arrived on the 20th, after the day the digest reports."""
    await load_school(pool)
    stats = await bot_app.services.school.stats()
    digest = await digest_service(bot_app).build(TODAY)
    assert digest.growth.days[-1].day == date(2026, 11, 19)
    assert digest.total_users == digest.growth.days[-1].total == 4
    assert expected_day(date(2026, 11, 19))["total_users"] == 4
    assert stats.users.total == expected_day(TODAY)["total_users"] == 5
    daily = await bot_app.services.school.daily_between(date(2026, 11, 19), date(2026, 11, 19))
    assert digest.yesterday.new_users == daily.rows[0].new_users


async def test_digest_leaves_out_blocking_while_nothing_was_found(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """No broadcast found anyone blocking on the three days compared: no line of zeros that
    reads as "nobody blocked the bot"."""
    await load_school(pool)
    await pool.execute("DELETE FROM blocked_users")
    digest = await digest_service(bot_app).build(TODAY)
    assert (digest.yesterday.blocked, digest.day_before.blocked, digest.week_before.blocked) == (
        0,
        0,
        0,
    )
    await digest_service(bot_app).send(ADMIN_ID, digest)
    await standin.wait_for_message(ADMIN_ID)
    details = await standin.wait_for_message(ADMIN_ID)
    assert "New users" in details.plain_text
    assert "blocked" not in details.plain_text.lower()


async def test_the_job_firing_twice_sends_once(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    service = digest_service(bot_app)
    first = await service.tick(NINE)
    again = await service.tick(NINE + timedelta(seconds=20))
    assert (ADMIN_ID, TODAY, "sent") in first
    assert again == []
    # tick() returns once its sends are answered: what the stand-in holds now is final
    assert len(await photos_to(standin, ADMIN_ID)) == 1
    rows = await pool.fetch(
        "SELECT status FROM digest_deliveries WHERE admin_id = $1 AND day = $2", ADMIN_ID, TODAY
    )
    assert [r["status"] for r in rows] == ["sent"]


async def test_two_schedulers_on_one_database_send_one_digest_per_admin(
    standin: Any, make_settings: Any, pool: asyncpg.Pool, db_dsn: str
) -> None:
    from bot.app import running

    other_pool = await asyncpg.create_pool(db_dsn, min_size=1, max_size=3)
    try:
        async with running(make_settings(), pool) as first:
            async with running(make_settings(), other_pool) as second:
                await until_leading(first, second)
                results = await asyncio.gather(
                    digest_service(first).tick(NINE), digest_service(second).tick(NINE)
                )
        assert sum(len(r) for r in results) == 2
        for admin in (ADMIN_ID, SECOND_ADMIN_ID):
            assert len(await photos_to(standin, admin)) == 1
    finally:
        await other_pool.close()


async def test_opted_out_admin_gets_nothing_and_own_time_is_kept(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await standin.send_message(ADMIN_ID, "/digest off")
    assert "off" in (await standin.wait_for_message(ADMIN_ID)).plain_text
    await standin.send_message(SECOND_ADMIN_ID, "/digest 08:30")
    reply = await standin.wait_for_message(SECOND_ADMIN_ID)
    assert "every day at 08:30 (Europe/Moscow)" in reply.plain_text

    service = digest_service(bot_app)
    early = await service.tick(datetime(2026, 11, 20, 8, 30, tzinfo=MSK))
    assert early == [(SECOND_ADMIN_ID, TODAY, "sent")]
    assert await service.tick(NINE) == []  # the first admin opted out
    assert await photos_to(standin, ADMIN_ID) == []

    await standin.send_message(ADMIN_ID, "/digest on")
    # The app runs with DIGEST_TIME empty, so it asks for a time of the admin's own.
    assert "DIGEST_TIME is empty" in (await standin.wait_for_message(ADMIN_ID)).plain_text
    next_day = await service.tick(NINE + timedelta(days=1))
    assert sorted(next_day) == [
        (ADMIN_ID, TODAY + timedelta(days=1), "sent"),
        (SECOND_ADMIN_ID, TODAY + timedelta(days=1), "sent"),  # its 08:30, half an hour late
    ]


async def test_late_within_six_hours_is_sent_with_a_note(standin: Any, bot_app: Any) -> None:
    service = digest_service(bot_app)
    outcomes = await service.tick(NINE + timedelta(hours=2, minutes=15))
    assert (ADMIN_ID, TODAY, "sent") in outcomes
    photo = await standin.wait_for_message(ADMIN_ID)
    assert "This digest is 2 hours 15 minutes late" in photo.plain_caption


async def test_a_time_picked_after_it_passed_today_starts_tomorrow_not_late(
    standin: Any, bot_app: Any
) -> None:
    """The bot runs all day; at 12:25 the admin picks 09:00: no "late, the bot was down"
    digest today — the first one comes at the next 09:00, on time."""
    service = digest_service(bot_app, digest_time="")  # no time for anyone yet
    assert await service.tick(at(20, 12, 24)) == []  # the bot is running, ticking
    await standin.send_message(ADMIN_ID, "/digest 09:00")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert "every day at 09:00 (Europe/Moscow)" in reply.plain_text
    for minute in (25, 26, 40):
        assert await service.tick(at(20, 12, minute)) == []
    assert await photos_to(standin, ADMIN_ID) == []

    assert await service.tick(NINE + timedelta(days=1)) == [
        (ADMIN_ID, TODAY + timedelta(days=1), "sent")
    ]
    photo = await standin.wait_for_message(ADMIN_ID, predicate=is_photo)
    assert "Daily digest for 20.11.2026" in photo.plain_caption
    assert "late" not in photo.plain_caption and "offline" not in photo.plain_caption


async def test_turning_the_digest_on_after_its_time_starts_tomorrow_not_late(
    standin: Any, bot_app: Any
) -> None:
    await standin.send_message(ADMIN_ID, "/digest off")
    await standin.wait_for_message(ADMIN_ID)
    service = digest_service(bot_app)
    assert (ADMIN_ID, TODAY, "sent") not in await service.tick(NINE)
    await service.tick(at(20, 12, 0))
    await standin.send_message(ADMIN_ID, "/digest on")
    await standin.wait_for_message(ADMIN_ID)
    assert await service.tick(at(20, 12, 1)) == []
    assert await photos_to(standin, ADMIN_ID) == []
    assert (ADMIN_ID, TODAY + timedelta(days=1), "sent") in await service.tick(
        NINE + timedelta(days=1)
    )
    photo = await standin.wait_for_message(ADMIN_ID, predicate=is_photo)
    assert "late" not in photo.plain_caption


async def test_late_only_when_no_tick_ran_at_the_time(standin: Any, bot_app: Any) -> None:
    """Running until 08:30, down at 09:00, back at 10:00: that digest is late, and says so."""
    service = digest_service(bot_app)
    assert await service.tick(at(20, 8, 30)) == []
    assert (ADMIN_ID, TODAY, "sent") in await service.tick(at(20, 10, 0))
    photo = await standin.wait_for_message(ADMIN_ID, predicate=is_photo)
    assert "This digest is 1 hour late: the bot was offline" in photo.plain_caption


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "On for you, but it will never be sent: no time is set (DIGEST_TIME is empty)."),
        ("ru", "Для вас включена, но приходить не будет: время не задано (DIGEST_TIME пуст)."),
    ],
)
async def test_digest_without_any_time_says_it_will_never_come_and_how_to_set_one(
    standin: Any, make_settings: Any, pool: asyncpg.Pool, language: str, expected: str
) -> None:
    from bot.app import running

    async with running(make_settings(language=language, digest_time=""), pool):
        await standin.send_message(ADMIN_ID, "/digest")
        text = (await standin.wait_for_message(ADMIN_ID)).plain_text
    assert expected in text
    assert "/digest 08:30" in text.split(expected, 1)[1].splitlines()[0]


async def test_later_than_six_hours_is_skipped_and_mentioned_next_time(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    service = digest_service(bot_app)
    outcomes = await service.tick(NINE + timedelta(hours=7))
    assert (ADMIN_ID, TODAY, "skipped") in outcomes
    assert await photos_to(standin, ADMIN_ID) == []
    await service.tick(NINE + timedelta(days=1))
    photo = await standin.wait_for_message(ADMIN_ID)
    assert "Digests for 20.11.2026 were skipped" in photo.plain_caption


async def test_admin_who_blocked_the_bot_does_not_stop_the_others(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    standin.users[ADMIN_ID].block(CONSOLE_TOKEN)
    outcomes = await digest_service(bot_app).tick(NINE)
    assert sorted(outcomes) == [(ADMIN_ID, TODAY, "failed"), (SECOND_ADMIN_ID, TODAY, "sent")]
    assert len(await photos_to(standin, SECOND_ADMIN_ID)) == 1
    audit = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE admin_id = $1 AND action = 'digest_failed'", ADMIN_ID
    )
    assert audit == 1


async def test_digest_command_sends_now_and_rejects_bad_arguments(
    standin: Any, bot_app: Any
) -> None:
    await standin.send_message(ADMIN_ID, "/digest now")
    assert (await standin.wait_for_message(ADMIN_ID)).plain_text == "Preparing the digest…"
    photo = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert photo.kind == "photo"
    await standin.wait_for_message(ADMIN_ID)
    await standin.send_message(ADMIN_ID, "/digest 25:61")
    assert (await standin.wait_for_message(ADMIN_ID)).plain_text.startswith("Usage: /digest")


@pytest.mark.parametrize("digest_time", ["09:00"])
async def test_leader_catches_up_at_start(
    standin: Any, make_settings: Any, pool: asyncpg.Pool, digest_time: str
) -> None:
    """Starting the scheduler runs one tick at once, so a digest due earlier goes out."""
    from bot.app import running

    now = datetime.now(MSK)
    due = (now - timedelta(minutes=30)).strftime("%H:%M")
    async with running(make_settings(digest_time=due), pool):
        photo = await standin.wait_for_message(ADMIN_ID, timeout=20)
    assert photo.kind == "photo"
    assert "late" in photo.plain_caption


def digest_a_minute_ago() -> str:
    return (datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(minutes=1)).strftime("%H:%M")


async def start_run(
    standin: Any, db_dsn: str, tmp_path: Path, log: Path | None = None
) -> asyncio.subprocess.Process:
    """`hsl-bot run` whose digest was due a minute ago: it sends it as soon as it leads.
    With ``log``, what it logs (INFO and up) is written there."""
    extra = {"LOG_LEVEL": "INFO"} if log is not None else {}
    env = bot_env(db_dsn, standin.url, tmp_path, DIGEST_TIME=digest_a_minute_ago(), **extra)
    out = log.open("wb") if log is not None else asyncio.subprocess.DEVNULL
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=out,
        )
    finally:
        if not isinstance(out, int):
            out.close()


async def test_sigterm_while_the_digest_is_being_sent_waits_for_it(
    standin: Any, db_dsn: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    # the chart takes a while: it is held until the process is stopping (released below)
    standin.set_faults(latency=30.0, methods=["sendPhoto"])
    log = tmp_path / "run.log"
    process = await start_run(standin, db_dsn, tmp_path, log)
    try:
        await standin.wait_for(lambda: standin.delayed_requests > 0, timeout=60)
        process.send_signal(signal.SIGTERM)
        # the leader steps down to stop while the digest is still being sent: let it through
        await standin.wait_for(lambda: "stepping down as leader" in log.read_text(), timeout=30)
        assert standin.delayed_requests > 0
        standin.set_faults()
        code = await asyncio.wait_for(process.wait(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0
    rows = await pool.fetch("SELECT admin_id, status FROM digest_deliveries ORDER BY admin_id")
    assert [(r["admin_id"], r["status"]) for r in rows] == [
        (ADMIN_ID, "sent"),
        (SECOND_ADMIN_ID, "sent"),
    ]
    for admin in (ADMIN_ID, SECOND_ADMIN_ID):
        assert len(await photos_to(standin, admin)) == 1


async def test_a_digest_cut_short_by_kill_9_is_not_resent_but_the_next_one_says_so(
    standin: Any, db_dsn: str, pool: asyncpg.Pool, tmp_path: Path, make_settings: Any
) -> None:
    standin.set_faults(latency=30.0, methods=["sendPhoto"])  # it never gets through
    process = await start_run(standin, db_dsn, tmp_path)
    try:
        await standin.wait_for(lambda: standin.delayed_requests > 0, timeout=60)
    finally:
        process.kill()
        await process.wait()
    standin.set_faults()
    stuck = await pool.fetch("SELECT day, status FROM digest_deliveries")
    assert stuck and all(r["status"] == "sending" for r in stuck)
    day = stuck[0]["day"]
    from bot.app import running

    async with running(make_settings(), pool) as app:
        await until_leading(app)
        service = digest_service(app)
        next_morning = datetime.combine(day + timedelta(days=1), time(9, 0), MSK)
        outcomes = await service.tick(next_morning)
        assert (ADMIN_ID, day, "sent") not in outcomes  # that day is not sent again
        note = f"digest of {day.strftime('%d.%m.%Y')} may not have arrived"
        photo = await standin.wait_for_message(
            ADMIN_ID, predicate=lambda m: is_photo(m) and note in (m.plain_caption or "")
        )
    assert f"Daily digest for {day.strftime('%d.%m.%Y')}" in photo.plain_caption
    statuses = {r["day"]: r["status"] for r in await pool.fetch("SELECT * FROM digest_deliveries")}
    assert statuses[day] == "sending"  # still unknown, never re-sent


def is_photo(message: Any) -> bool:
    return bool(message.kind == "photo")
