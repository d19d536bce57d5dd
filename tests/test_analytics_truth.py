"""The console says only what it knows, the way the admin reads it (defects found in the
sandbox): cancelled recipients are not failures, a broadcast's state is told, blocking is
dated by when it was found out and claimed only when known, charts start where the data does.

Read through the stand-in as the admin reads the chat (and the files as they open them).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
from openpyxl import load_workbook

from bot.app import running
from tests.support import ADMIN_ID, add_broadcast
from tests.test_analytics import ask
from tests.test_analytics import school as school  # the fixture
from tests.test_analytics_dataset import (
    ANNA,
    BLOCKED,
    BORIS,
    MSK,
    VIEWER,
    School,
    local_day,
)

CROWD = 206  # a Crowd2xx person of the dataset (events only)


def section(text: str, heading: str) -> list[str]:
    """The lines of a card's section, up to the blank line after it."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


async def test_a_cancelled_recipient_reads_cancelled_not_failed(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_broadcast(pool, "Сначала", "done", [(ANNA, "sent", None)], ago=timedelta(hours=2))
    await add_broadcast(
        pool, "Не дошло", "done", [(ANNA, "failed", "server error")], ago=timedelta(hours=1)
    )
    await add_broadcast(pool, "Пауза-тест 2", "cancelled", [(ANNA, "failed", "cancelled")])
    text = (await ask(standin, f"/user {ANNA}")).plain_text
    rows = section(text, "Broadcasts:")
    assert "Broadcasts received" not in text
    assert any(r.endswith("“Пауза-тест 2” — cancelled, not sent") for r in rows), rows
    assert any(r.endswith("“Не дошло” — failed: Telegram server error") for r in rows), rows
    assert any(r.endswith("“Сначала” — delivered") for r in rows), rows
    # her lesson by its name, not the school's code
    assert "• Cursor lesson on " in text and "cursor_lesson" not in text


async def test_russian_card_names_lessons_in_neutral_verbs_and_cancelled(
    standin: Any, school: School, make_settings: Any, pool: asyncpg.Pool
) -> None:
    await add_broadcast(pool, "Пауза-тест 2", "cancelled", [(ANNA, "failed", "cancelled")])
    async with running(make_settings(language="ru"), pool):
        anna = (await ask(standin, f"/user {ANNA}")).plain_text
        blocked = (await ask(standin, f"/user {BLOCKED}")).plain_text
        lessons = (await ask(standin, "/lessons")).plain_text
        await ask(standin, "/schema")

        def shown() -> str:
            return "\n".join(m.plain_text or "" for m in standin.transcript(ADMIN_ID))

        # the report comes in several messages: wait for the last table's line
        await standin.wait_for(lambda: "<b>users</b>" in shown() or "users — " in shown())
        schema = shown()
    rows = section(anna, "Рассылки:")
    assert any(r.endswith("«Пауза-тест 2» — отменено, не отправлялось") for r in rows), rows
    assert "не доставлено" not in anna
    assert "• урок по Cursor на " in anna and "(записался(-ась) " in anna
    assert "записался " not in anna
    # when the block was found out, said as such (a broadcast learns it, not when it happened)
    found = school.blocked[0][1].astimezone(MSK)
    assert f"⛔ Заблокировал(а) бота (выяснилось {found:%d.%m.%Y %H:%M})" in blocked
    assert "потом забронировали" in lessons and "купили" not in lessons
    assert " КБ" in schema or " МБ" in schema
    assert " KB" not in schema and " MB" not in schema and "." not in size_figures(schema)


def size_figures(schema: str) -> str:
    """The sizes of /schema's table lines ("… — 12 строк, 32,0 КБ" → "32,0")."""
    figures = []
    for line in schema.splitlines():
        for unit in (" Б", " КБ", " МБ", " ГБ"):
            if line.endswith(unit):
                figures.append(line.rsplit(", ", 1)[1].removesuffix(unit))
    assert figures, schema
    return " ".join(figures)


async def test_stats_tells_the_last_broadcasts_state_and_what_it_delivered(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    # delivered to two, cancelled before the other three, then deleted for everyone
    await add_broadcast(
        pool,
        "Пауза-тест 2",
        "deleted",
        [
            (ANNA, "deleted", None),
            (BORIS, "deleted", None),
            (BLOCKED, "failed", "cancelled"),
            (VIEWER, "failed", "cancelled"),
            (CROWD, "failed", "cancelled"),
        ],
    )
    # one waiting for tomorrow has not gone out: it is not the last broadcast
    await pool.execute(
        "INSERT INTO message_history (message_text, status, scheduled_at, recipient_type)"
        " VALUES ('Завтра', 'scheduled', now() + interval '1 day', 'group')"
    )
    text = (await ask(standin, "/stats")).plain_text
    assert (
        "“Пауза-тест 2” — cancelled, then deleted for everyone (it had reached 2 of 5, 3 not sent)"
    ) in text, text
    assert "Завтра" not in text

    await add_broadcast(
        pool, "На паузе", "paused", [(ANNA, "sent", None), (BORIS, "pending", None)]
    )
    text = (await ask(standin, "/stats")).plain_text
    assert "“На паузе” — paused: delivered 1 of 2" in text, text

    await add_broadcast(
        pool, "Отменена", "cancelled", [(ANNA, "sent", None), (BORIS, "failed", "cancelled")]
    )
    text = (await ask(standin, "/stats")).plain_text
    assert "“Отменена” — cancelled: delivered 1 of 2, 1 not sent" in text, text


async def test_blocked_has_no_today_change_a_broadcast_only_found_it_out(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "INSERT INTO blocked_users (user_id, blocked_at, reason) VALUES ($1, now(), 'blocked')",
        CROWD,
    )
    text = (await ask(standin, "/stats")).plain_text
    reach = next(line for line in text.splitlines() if line.startswith("Course bot"))
    assert reach == f"Course bot, as broadcasts found: {len(school.blocked) + 1} blocked it"


async def test_a_card_claims_no_block_it_does_not_know_and_names_the_nameless_once(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    # no broadcast ever tried Boris: nothing is known either way
    boris = (await ask(standin, f"/user {BORIS}")).plain_text
    assert "block" not in boris.lower(), boris
    # and he has no name: the header says so once, the id once
    assert boris.splitlines()[0] == f"No name · id {BORIS}"
    assert boris.count(str(BORIS)) == 1

    await add_broadcast(pool, "Дошло", "done", [(BORIS, "sent", None)])
    boris = (await ask(standin, f"/user {BORIS}")).plain_text
    assert "Broadcasts from the bot have reached them: not known to have blocked it." in boris

    # the last broadcast found Vera blocked the bot; an admin has included her again since
    # (the record is gone): the card still tells what was found, and when
    await add_broadcast(pool, "Не дошло", "done", [(VIEWER, "failed", "blocked")])
    viewer = (await ask(standin, f"/user {VIEWER}")).plain_text
    assert "A broadcast found they had blocked the bot (" in viewer
    assert "included in broadcasts again since." in viewer
    assert "not known to have blocked" not in viewer


async def test_more_matches_than_shown_says_so(standin: Any, school: School, bot_app: Any) -> None:
    named = {b.user_id for b in school.bookings} | {r.user_id for r in school.registrations}
    assert len([u for u in named if 200 <= u < 240]) > 10
    reply = await ask(standin, "/user 2")  # every Crowd2xx, and more
    assert reply.plain_text == (
        "More than 10 users match — here are the first 10, most recently active."
        " Refine the query if the one you want isn't here:"
    )
    assert len([b for row in reply.buttons for b in row]) == 10


async def test_user_export_holds_what_is_known_of_the_course_bot(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "INSERT INTO blocked_users (user_id, blocked_at, reason) VALUES"
        " ($1, now(), 'never started'), ($2, now(), 'deactivated')",
        CROWD,
        CROWD + 1,
    )
    reply = await ask(standin, "/export users")
    book = load_workbook(io.BytesIO(reply.document_bytes))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    column = header.index("Course bot can't reach (as broadcasts found)")
    known = {row[0]: row[column] for row in body}
    assert known[BLOCKED] == "blocked the bot"
    assert known[CROWD] == "never started the bot"
    assert known[CROWD + 1] == "account deleted"
    # nobody else is known to be unreachable: empty, not "no"
    assert {v for u, v in known.items() if u not in (BLOCKED, CROWD, CROWD + 1)} == {None}

    reply = await ask(standin, "/export users csv")
    lines = list(csv.DictReader(io.StringIO(reply.document_bytes.decode("utf-8-sig"))))
    by_user = {r["user_id"]: r["blocked"] for r in lines}
    assert by_user[str(BLOCKED)] == "blocked" and by_user[str(CROWD)] == "never started"
    assert by_user[str(ANNA)] == ""


async def test_event_details_read_as_words_in_the_spreadsheet_and_stay_json_in_csv(
    standin: Any, school: School, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language="ru"), pool):
        reply = await ask(standin, "/export events")
        csv_reply = await ask(standin, "/export events csv")
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(reply.document_bytes))
        .worksheets[0]
        .iter_rows(values_only=True)
    ]
    header, body = rows[0], rows[1:]
    viewed = next(
        r
        for r in body
        if r[header.index("ID пользователя")] == VIEWER
        and r[header.index("Событие")] == "смотрел(а) программу"
    )
    assert viewed[header.index("Подробности")] == "курс: Вайб кодинг"
    assert not any(str(r[header.index("Подробности")]).startswith("{") for r in body)
    lines = list(csv.DictReader(io.StringIO(csv_reply.document_bytes.decode("utf-8-sig"))))
    details = next(r["details"] for r in lines if r["user_id"] == str(VIEWER))
    assert details == '{"course_id": 1}'


async def test_charts_start_where_the_data_does(
    standin: Any, school: School, bot_app: Any, tmp_path: Path
) -> None:
    first = min(local_day(m) for m in school.first_seen().values())
    since = f"last 365 days (data since {first:%d.%m.%Y})"
    assert (school.today - first).days < 90

    reply = await ask(standin, "/growth 365")
    (tmp_path / "growth-365.png").write_bytes(reply.photo_bytes)  # to look at
    assert since in reply.plain_caption, reply.plain_caption
    assert [t for row in reply.buttons for t, _ in row if "•" in t] == ["• 365 •"]

    reply = await ask(standin, "/growth 1000")
    assert since in reply.plain_caption
    assert "capped at 365 days (1,000 asked)" in reply.plain_caption
    assert [t for row in reply.buttons for t, _ in row if "•" in t] == ["• 365 •"]

    reply = await ask(standin, "/daily 400")
    assert reply.kind == "photo"
    (tmp_path / "daily-400.png").write_bytes(reply.photo_bytes)
    assert f"Day by day · {since}" in reply.plain_caption
    assert "Day by day · last 365 days (data since" in reply.plain_caption
    reply = await ask(standin, "/growth 90")
    assert f"last 90 days (data since {first:%d.%m.%Y})" in reply.plain_caption
    # a window inside the data keeps its length, and says nothing more
    reply = await ask(standin, "/growth 30")
    assert "last 30 days\n" in reply.plain_caption
