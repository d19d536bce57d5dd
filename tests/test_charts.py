"""Charts: valid PNGs of the expected size for data, for empty periods, for long histories."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import charts
from bot.analytics.models import (
    Cohort,
    Daily,
    DailyRow,
    EventCount,
    Funnel,
    Growth,
    GrowthDay,
    Retention,
    TopEvents,
    Window,
)
from tests.test_analytics import png_size

TODAY = date(2025, 6, 15)
LABELS = charts.Labels(
    title="Рост пользователей", empty="Нет данных", series=("Новые", "Всего", "c", "d", "e")
)


def growth(days: int, per_day: int) -> Growth:
    rows, total = [], 0
    for back in range(days - 1, -1, -1):
        total += per_day * (back % 3)
        rows.append(GrowthDay(TODAY - timedelta(days=back), per_day * (back % 3), total))
    return Growth(Window(TODAY - timedelta(days=days - 1), TODAY, days), tuple(rows))


def daily(days: int, scale: int) -> Daily:
    rows = tuple(
        DailyRow(TODAY - timedelta(days=back), scale, scale // 2, scale * 20, back % 4, back % 2)
        for back in range(days - 1, -1, -1)
    )
    return Daily(Window(rows[0].day, TODAY, days), rows)


@pytest.mark.parametrize("draw", ["growth", "growth_long", "growth_empty", "daily", "daily_empty"])
def test_time_series_charts_are_phone_sized_pngs(draw: str) -> None:
    if draw == "growth":
        png = charts.growth_chart(growth(30, 5), LABELS)
    elif draw == "growth_long":
        png = charts.growth_chart(growth(900, 40), LABELS)
    elif draw == "growth_empty":
        png = charts.growth_chart(growth(30, 0), LABELS)
    elif draw == "daily":
        png = charts.daily_chart(daily(60, 10), LABELS)
    else:
        png = charts.daily_chart(daily(30, 0), LABELS)
    assert png_size(png) == (1280, 720)


def test_bar_charts_and_heat_map_are_phone_sized_pngs() -> None:
    window = Window(TODAY - timedelta(days=29), TODAY, 30)
    top = TopEvents(
        window, (EventCount("start_command", 120), EventCount("view_program", 80)), 200
    )
    assert png_size(charts.events_chart(top, LABELS, ["120", "80"])) == (1280, 720)
    assert png_size(charts.events_chart(TopEvents(window, (), 0), LABELS, [])) == (1280, 720)

    steps = (("started", 100), ("viewed", 60), ("booked", 20), ("paid", 10), ("confirmed", 8))
    notes = ["100", "60 · 60%", "20 · 33%", "10 · 50%", "8 · 80%"]
    assert png_size(charts.funnel_chart(Funnel(window, steps), LABELS, notes)) == (1280, 720)
    empty_steps = tuple((name, 0) for name, _ in steps)
    assert png_size(charts.funnel_chart(Funnel(window, empty_steps), LABELS, notes)) == (1280, 720)

    this_week = TODAY - timedelta(days=TODAY.weekday())
    cohorts = tuple(
        Cohort(
            this_week - timedelta(weeks=k), 50 + k, tuple(max(0, 40 - 5 * w) for w in range(k + 1))
        )
        for k in range(11, -1, -1)
    )
    assert png_size(charts.retention_chart(Retention(this_week, cohorts), LABELS)) == (1280, 720)
    nobody = tuple(Cohort(c.week, 0, c.active) for c in cohorts)
    assert png_size(charts.retention_chart(Retention(this_week, nobody), LABELS)) == (1280, 720)


def test_matplotlib_is_not_loaded_on_the_db_and_seed_paths() -> None:
    code = (
        "import sys, bot.cli, bot.commands, bot.analytics, bot.charts, bot.seed;"
        "sys.exit('matplotlib' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_daily_chart_takes_sql_sums_as_decimals() -> None:
    from decimal import Decimal

    rows = tuple(
        DailyRow(TODAY - timedelta(days=back), Decimal(3), Decimal(2), Decimal(100 + back), 1, 0)
        for back in range(59, -1, -1)
    )
    png = charts.daily_chart(Daily(Window(rows[0].day, TODAY, 60), rows), LABELS)
    assert png_size(png) == (1280, 720)


def test_a_chart_is_the_same_whatever_was_drawn_before_and_on_any_thread() -> None:
    """Each render thread keeps its renderer and text outlines: nothing may carry over."""
    from concurrent.futures import ThreadPoolExecutor

    window = Window(TODAY - timedelta(days=29), TODAY, 30)
    top = TopEvents(window, (EventCount("start_command", 120), EventCount("view", 80)), 200)
    first = charts.growth_chart(growth(30, 5), LABELS)
    charts.events_chart(top, LABELS, ["120", "80"])
    charts.daily_chart(daily(60, 10), LABELS)
    assert charts.growth_chart(growth(30, 5), LABELS) == first
    with ThreadPoolExecutor(max_workers=1) as worker:
        assert worker.submit(charts.growth_chart, growth(30, 5), LABELS).result() == first


def test_unfinished_periods_are_drawn_differently_and_long_dailies_stay_readable() -> None:
    """Today's bar (growth, daily) and each cohort's current week (retention) are hatched
    when the labels name the unfinished period; a year of /daily is still one PNG."""
    from dataclasses import replace

    marked = replace(LABELS, partial="сегодня — пока")
    assert charts.growth_chart(growth(30, 5), marked) != charts.growth_chart(growth(30, 5), LABELS)
    assert png_size(charts.growth_chart(growth(7, 5), marked, ["5"] * 7, 6)) == (1280, 720)
    assert charts.daily_chart(daily(30, 10), marked) != charts.daily_chart(daily(30, 10), LABELS)
    assert png_size(charts.daily_chart(daily(400, 10), marked)) == (1280, 720)
    this_week = TODAY - timedelta(days=TODAY.weekday())
    cohorts = tuple(
        Cohort(this_week - timedelta(weeks=k), 50, tuple([50] + [20] * k))
        for k in range(3, -1, -1)
    )
    retention = Retention(this_week, cohorts)
    assert charts.retention_chart(retention, marked) != charts.retention_chart(retention, LABELS)


def test_long_row_names_fit_and_ticks_read_like_the_bar_labels(tmp_path: Any) -> None:
    """/events in Russian: the longest event name is whole (not clipped at the picture's
    left edge), and the axis writes 1 500 as the figures beside the bars do."""
    from io import BytesIO

    from PIL import Image

    from bot.telegram.texts import Texts

    texts = Texts("ru", ZoneInfo("Europe/Moscow"))
    codes = ["free_lesson_reminder_sent", "free_lesson_registration_started", "view_program"]
    counts = [1976, 1500, 320]
    window = Window(TODAY - timedelta(days=29), TODAY, 30)
    top = TopEvents(window, tuple(map(EventCount, codes, counts)), sum(counts))
    ticks: list[int] = []

    def number(n: int) -> str:
        ticks.append(n)
        return texts.number(n)

    labels = charts.Labels(
        title="Топ событий",
        empty="Нет данных",
        series=tuple(texts.code_name("event", c) for c in codes),
        number=number,
    )
    png = charts.events_chart(top, labels, [texts.number(n) for n in counts])
    (tmp_path / "events.png").write_bytes(png)
    image = Image.open(BytesIO(png)).convert("L")
    assert png_size(png) == (1280, 720)
    # no ink in the picture's first columns: the row names start inside it
    darkest, _ = image.crop((0, 0, 6, 720)).getextrema()
    assert darkest > 200
    # the axis's ticks went through the locale's writing (1 000, 1 500 — not 1000, 1500)
    assert {0, 500, 1000, 1500, 2000} <= set(ticks)
    assert texts.number(1500) == "1\u00a0500"
