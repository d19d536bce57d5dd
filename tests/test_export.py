"""Exports a person can open: /export sends XLSX in the admin's language, CSV on request.

Files are read back as the admin would: the XLSX with openpyxl (headings, status words, local
times, the frozen header row), the CSV with the csv module.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from openpyxl import load_workbook

from bot.app import running
from tests.test_analytics import ask
from tests.test_analytics import school as school  # the fixture
from tests.test_analytics_dataset import ANNA, MSK, School, local_day


def workbook_rows(document: bytes) -> tuple[Any, list[list[Any]]]:
    book = load_workbook(io.BytesIO(document))
    sheet = book.worksheets[0]
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def local(moment: datetime) -> datetime:
    """What a spreadsheet shows for a moment: local time, to the second, no zone."""
    return moment.astimezone(MSK).replace(tzinfo=None, microsecond=0)


async def test_bookings_export_is_a_spreadsheet_in_the_admins_language(
    standin: Any, school: School, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language="ru"), pool):
        reply = await ask(standin, "/export bookings")
    assert reply.kind == "document" and reply.document_name.endswith(".xlsx")
    sheet, rows = workbook_rows(reply.document_bytes)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["№", "ID пользователя", "Username", "Имя"]
    assert {"Курс", "Поток", "Статус", "Создано"} <= set(header)
    assert sheet.freeze_panes == "A2"
    assert len(body) == len(school.bookings)
    assert f"{len(body)} " in reply.plain_caption and "/export bookings csv" in reply.plain_caption

    anna = next(row for row in body if row[header.index("ID пользователя")] == ANNA)
    booking = next(b for b in school.bookings if b.user_id == ANNA)
    assert anna[header.index("Имя")] == "Анна"
    assert anna[header.index("Статус")] == "подтверждена"
    assert anna[header.index("Курс")] == "Вайб кодинг"
    assert anna[header.index("Поток")] == "8-й поток"
    assert anna[header.index("Создано")] == local(booking.created_at)
    statuses = {row[header.index("Статус")] for row in body}
    assert statuses <= {"создана", "загружена оплата", "подтверждена", "отменена"}
    # columns are as wide as their contents, not Excel's default 8.43 characters
    assert sheet.column_dimensions["B"].width >= len("ID пользователя")


async def test_an_english_admin_gets_english_headings_and_words(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/export users")
    _, rows = workbook_rows(reply.document_bytes)
    header = rows[0]
    assert header == ["User ID", "Username", "First name", "First seen", "Last seen",
                      "Course bot can't reach (as broadcasts found)"]  # fmt: skip
    # what is known: the dataset's one blocked person; nothing claimed about the rest
    assert {row[-1] for row in rows[1:]} == {"blocked the bot", None}
    assert "Users: " in reply.plain_caption and " rows · all time" in reply.plain_caption

    reply = await ask(standin, "/export registrations 30")
    _, rows = workbook_rows(reply.document_bytes)
    header, body = rows[0], rows[1:]
    anna = next(row for row in body if row[header.index("User ID")] == ANNA)
    assert anna[header.index("Lesson")] == "Cursor lesson"
    registration = next(r for r in school.registrations if r.user_id == ANNA)
    assert anna[header.index("Lesson date")].date() == registration.lesson_date
    assert anna[header.index("Signed up")] == local(registration.registered_at)
    assert "last 30 days" in reply.plain_caption


async def test_csv_stays_for_machines_with_one_time_format(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/export events 7 csv")
    assert reply.kind == "document" and reply.document_name.endswith(".csv")
    data = reply.document_bytes
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    first = school.today - timedelta(days=6)
    assert len(rows) == sum(1 for e in school.events if local_day(e.created_at) >= first)
    assert list(rows[0]) == ["id", "user_id", "event_type", "details", "created_at"]
    # local time with its offset, to the second: the same in every table
    moments = [datetime.fromisoformat(r["created_at"]) for r in rows]
    assert all(m.utcoffset() == timedelta(hours=3) and m.microsecond == 0 for m in moments)
    assert "CSV for programs" in reply.plain_caption

    reply = await ask(standin, "/export bookings all csv")
    rows = list(csv.DictReader(io.StringIO(reply.document_bytes.decode("utf-8-sig"))))
    assert {r["confirmed"] for r in rows} <= {"0", "1", "2", "-1"}
    anna = next(r for r in rows if r["user_id"] == str(ANNA))
    booking = next(b for b in school.bookings if b.user_id == ANNA)
    expected = booking.created_at.astimezone(MSK).replace(microsecond=0)
    assert datetime.fromisoformat(anna["created_at"]) == expected
    assert anna["created_at"].endswith("+03:00")


async def test_names_that_look_like_formulas_stay_text(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream,"
        " confirmed, created_at) VALUES (7, 'x', '=HYPERLINK(\"http://evil\")', 1,"
        " '8th_stream', 0, now()), (8, 'y', E'bell\\x07name', 1, '8th_stream', 0, now())"
    )
    reply = await ask(standin, "/export bookings")
    _, rows = workbook_rows(reply.document_bytes)
    names = {row[3] for row in rows[1:]}
    assert names == {'=HYPERLINK("http://evil")', "bellname"}
    book = load_workbook(io.BytesIO(reply.document_bytes))
    assert all(cell.data_type == "s" for cell in book.worksheets[0]["D"][1:])

    reply = await ask(standin, "/export bookings csv")
    rows = list(csv.DictReader(io.StringIO(reply.document_bytes.decode("utf-8-sig"))))
    assert {r["first_name"] for r in rows} == {'\'=HYPERLINK("http://evil")', "bell\x07name"}


async def test_a_spreadsheet_over_the_limit_stops_while_streaming(
    school: School, bot_app: Any
) -> None:
    """The XLSX is written row by row and stops past the limit, leaving no file behind."""
    from bot.analytics.export import export_table
    from bot.telegram.analytics.sheets import sheet
    from bot.telegram.texts import Texts

    service = bot_app.services.school
    texts = Texts("ru", MSK)
    since = datetime(1970, 1, 1, tzinfo=MSK)
    async with service.pool.acquire() as conn:
        whole = await export_table(conn, "events", since, "Europe/Moscow", "t", None,
                                   sheet=sheet(texts, "events"))  # fmt: skip
        try:
            assert whole.size > 10_000 and not whole.too_big
            assert whole.rows == len(school.events)
        finally:
            whole.discard()
        capped = await export_table(conn, "events", since, "Europe/Moscow", "t",
                                    whole.size // 2, sheet=sheet(texts, "events"))  # fmt: skip
    assert capped.too_big
    assert capped.rows < len(school.events)  # it stopped early, not after writing it all
    assert not capped.path.exists()


async def test_wrong_export_arguments_get_the_usage_line(standin: Any, bot_app: Any) -> None:
    for command in ("/export", "/export people", "/export events 7 pdf", "/export events x"):
        reply = await ask(standin, command)
        assert reply.plain_text == (
            "Usage: /export users|bookings|registrations|events [days] [csv]"
            "\nFor example: /export bookings 30"
        ), command
