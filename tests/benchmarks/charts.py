"""Chart render benchmark: every chart the console sends, drawn from a seeded school.

Run alone: ``.venv/bin/python tests/benchmarks/charts.py [--events N]`` (TEST_DATABASE_URL's
server if set, else the embedded server; a scratch database seeded with `hsl-bot seed`'s
generator, 100k events by default, dropped afterwards). ``tests/benchmarks/analytics.py`` calls
``render_times`` on its 1M-event database and reports the same targets.

Each chart kind is drawn as its handler draws it (the same analytics call, the same localised
labels, Russian texts), checked to be a 1280×720 PNG, then timed over RUNS draws in this thread:
p50 and p95 of the wall clock, and the p50 of this thread's CPU time beside it, since on a
shared machine the wall clock also counts other processes' turns. One target line per kind:
``target render <kind> p50: <ms> ms (goal ≤ 100 ms) met|missed``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot import charts  # noqa: E402
from bot.analytics import SchoolAnalytics  # noqa: E402
from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from bot.telegram.analytics import views  # noqa: E402
from bot.telegram.texts import Texts  # noqa: E402
from tests.benchmarks.targets import Targets  # noqa: E402
from tests.support import with_database  # noqa: E402

GOAL_RENDER_MS = 100.0
RUNS = 20
TZ = "Europe/Moscow"
DAYS = 180
PNG_SIZE = (charts.WIDTH_PX, charts.HEIGHT_PX)

Render = dict[str, tuple[float, str | None]]  # kind → (wall p50 ms, problem or None)


async def drawings(school: SchoolAnalytics) -> dict[str, Callable[[], bytes]]:
    """Each chart kind as its handler draws it by default (bot/telegram/analytics/handlers)."""
    texts = Texts("ru", ZoneInfo(TZ))
    growth = await school.growth(30)
    growth_all = await school.growth(None)
    daily = await school.daily(60)
    events = await school.top_events(10, 30)
    funnel = await school.funnel(30)
    retention = await school.retention()
    numbers = [texts.number(row.count) for row in events.rows]
    events_labels = charts.Labels(title=texts("events_chart_title"), empty=texts("no_data"))
    return {
        "growth": lambda: charts.growth_chart(growth, views.growth_labels(texts)),
        "growth_all": lambda: charts.growth_chart(growth_all, views.growth_labels(texts)),
        "daily": lambda: charts.daily_chart(daily, views.daily_labels(texts)),
        "events": lambda: charts.events_chart(events, events_labels, numbers),
        "funnel": lambda: charts.funnel_chart(
            funnel, views.funnel_labels(texts), views.funnel_notes(texts, funnel)
        ),
        "retention": lambda: charts.retention_chart(retention, views.retention_labels(texts)),
    }


def png_problem(image: bytes) -> str | None:
    """Why ``image`` is not the phone-sized PNG a chart must be, or None."""
    if not image.startswith(b"\x89PNG\r\n\x1a\n") or len(image) < 1000:
        return f"the drawing is not a PNG image ({len(image)} bytes)"
    size = struct.unpack(">II", image[16:24])
    if size != PNG_SIZE:
        return f"the drawing is {size[0]}×{size[1]}, not {PNG_SIZE[0]}×{PNG_SIZE[1]}"
    return None


def time_drawings(draws: dict[str, Callable[[], bytes]], runs: int = RUNS) -> Render:
    """Median wall time per chart (after one warm-up draw), printed with p95 and CPU time."""
    result: Render = {}
    for name, draw in draws.items():
        problem = png_problem(draw())
        wall, cpu = [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.thread_time()
            draw()
            cpu.append((time.thread_time() - cpu_started) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        p50 = statistics.median(wall)
        p95 = sorted(wall)[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))]
        result[name] = (p50, problem)
        print(
            f"  render {name:<11} p50 {p50:5.0f} ms  p95 {p95:5.0f} ms"
            f"  (cpu p50 {statistics.median(cpu):4.0f} ms)",
            flush=True,
        )
    return result


async def render_times(school: SchoolAnalytics) -> Render:
    """Time every chart kind on ``school``'s data."""
    return time_drawings(await drawings(school))


def report_render(targets: Targets, render: Render) -> None:
    """One target line per chart kind."""
    for name, (ms, problem) in render.items():
        targets.report(
            f"render {name} p50",
            f"{ms:.0f} ms",
            f"≤ {GOAL_RENDER_MS:.0f} ms",
            ms <= GOAL_RENDER_MS,
            problem,
        )


async def measure(server_dsn: str, events: int) -> Render:
    name = f"hsl_bench_charts_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        dsn = with_database(server_dsn, name)
        conn = await asyncpg.connect(dsn)
        try:
            await Migrator(conn).upgrade()
            options = SeedOptions(users=events // 10, events=events, days=DAYS, seed=1)
            await seed_school(conn, options)
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        pool = await create_pool(dsn, max_size=2)
        try:
            school = SchoolAnalytics(pool, ZoneInfo(TZ))
            await school.prepare()
            return await render_times(school)
        finally:
            await pool.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to seed")
    args = parser.parse_args()
    server: EmbeddedPostgres | None = None
    server_dsn = os.environ.get("TEST_DATABASE_URL")
    if not server_dsn:
        server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55434)
        server_dsn = server.start().dsn("postgres")
    try:
        print(f"== chart render ({args.events:,} events) ==", flush=True)
        render = asyncio.run(measure(server_dsn, args.events))
    finally:
        if server is not None:
            server.destroy()
    targets = Targets()
    report_render(targets, render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
