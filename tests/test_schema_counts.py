"""/schema's row counts: a big table is estimated as the planner does, never shown empty."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics import EXACT_COUNT_BELOW_BYTES, SchoolAnalytics


async def rows_of(pool: asyncpg.Pool, name: str) -> tuple[int, bool]:
    tables = await SchoolAnalytics(pool, ZoneInfo("Europe/Moscow")).schema()
    table = next(t for t in tables if t.name == name)
    return table.rows, table.estimated


async def fill(pool: asyncpg.Pool, first: int, count: int) -> None:
    await pool.execute(
        "INSERT INTO padded (id, pad) SELECT n, repeat('x', 200)"
        " FROM generate_series($1::int, $2::int) AS n",
        first,
        first + count - 1,
    )


async def test_a_big_table_filled_after_its_index_is_counted_then_estimated(
    pool: asyncpg.Pool,
) -> None:
    """An index built on the empty table leaves the planner's row count at 0: until the table
    is measured again, /schema counts it rather than report 0 rows of a 2 MB table."""
    await pool.execute("CREATE TABLE padded (id integer, pad text)")
    await pool.execute("ALTER TABLE padded SET (autovacuum_enabled = false)")  # no surprise
    await pool.execute("CREATE INDEX padded_id ON padded (id)")
    await fill(pool, 1, 10_000)
    size = await pool.fetchval("SELECT pg_relation_size('padded')")
    assert size >= EXACT_COUNT_BELOW_BYTES  # big enough to be estimated once measured
    assert await rows_of(pool, "padded") == (10_000, False)

    await pool.execute("ANALYZE padded")
    rows, estimated = await rows_of(pool, "padded")
    assert estimated and abs(rows - 10_000) <= 1_000

    # grown since it was measured: the estimate follows the pages, as the planner's does
    await fill(pool, 10_001, 10_000)
    rows, estimated = await rows_of(pool, "padded")
    assert estimated and abs(rows - 20_000) <= 2_000, rows
