"""Figures that don't mislead: unfinished periods are marked, upcoming lessons say so, every
command caps its window the same way, and the words agree with their numbers (ru and en)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from bot.app import running
from tests.test_analytics import ask, png_size
from tests.test_analytics import school as school  # the fixture
from tests.test_analytics_dataset import ANNA, School


async def test_every_command_caps_its_window_alike_and_all_means_history(
    standin: Any, school: School, bot_app: Any
) -> None:
    growth = await ask(standin, "/growth 1000")
    daily = await ask(standin, "/daily 1000")
    note = "The window is capped at 365 days (1,000 asked)."
    assert note in growth.plain_caption and note in daily.plain_caption
    assert "last 365 days" in growth.plain_caption
    # the dataset is younger than a year: the chart starts at its first day and says so
    assert "last 365 days (data since " in growth.plain_caption

    daily_all = await ask(standin, "/daily all")
    growth_all = await ask(standin, "/growth all")
    assert daily_all.kind == "photo" and png_size(daily_all.photo_bytes) == (1280, 720)
    since = growth_all.plain_caption.split("all time (since ", 1)[1].split(")")[0]
    assert f"Day by day · all time (since {since})" in daily_all.plain_caption


async def test_one_day_of_growth_is_a_picture_of_today_so_far(
    standin: Any, school: School, bot_app: Any
) -> None:
    reply = await ask(standin, "/growth 1")
    assert reply.kind == "photo" and png_size(reply.photo_bytes) == (1280, 720)
    today = school.new_users_per_day()[school.today]
    assert f"last 1 day\nNew in the period: {today} ·" in reply.plain_caption
    assert f"Today so far: {today}" in reply.plain_caption.splitlines()


async def test_upcoming_lessons_say_so_instead_of_a_flop(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ahead = school.today + timedelta(days=8)
    await pool.execute(
        "INSERT INTO free_lesson_registrations (user_id, username, first_name, email,"
        " lesson_type, lesson_date, registered_at)"
        " VALUES ($1, 'anna', 'Анна', 'a@b.c', 'claude_code_lesson', $2, now())",
        ANNA,
        ahead,
    )
    text = (await ask(standin, "/lessons")).plain_text
    line = next(row for row in text.splitlines() if row.startswith(ahead.strftime("%d.%m.%Y")))
    assert line == f"{ahead:%d.%m.%Y} · Claude Code lesson: signed up 1 · still to come"
    assert "attended 0" not in line


async def test_retention_marks_each_cohorts_week_in_progress(
    standin: Any, school: School, bot_app: Any
) -> None:
    text = (await ask(standin, "/retention")).plain_caption
    rows = [row for row in text.splitlines() if " — " in row and ":" in row]
    assert rows
    for row in rows:
        shares = row.split(": ", 1)[1].split(" · ")
        # only the last week shown can be the unfinished one, and only it says so
        assert all("so far" not in share for share in shares[:-1]), row
    assert any("so far" in row for row in rows)
    assert "“so far”: the week isn't over" in text


async def test_russian_figures_agree_with_their_numbers(
    standin: Any, school: School, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language="ru"), pool):
        growth = await ask(standin, "/growth 1")
        daily = await ask(standin, "/daily 22")
        retention = await ask(standin, "/retention")
    assert "за 1 день" in growth.plain_caption
    assert "Сегодня — пока" in growth.plain_caption
    assert "за 22 дня" in daily.plain_caption
    assert "Удержание по недельным когортам (12 недель)" in retention.plain_caption
    assert "пока" in retention.plain_caption
