"""A broadcast's recipients are read in order from an index: its page of recipients and its
CSV read its own rows only, however many broadcasts came before it."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from bot.broadcast.store import export_query
from bot.db.queries import QUERIES

BROADCASTS = 6
EACH = 3_000


async def many_broadcasts(pool: asyncpg.Pool) -> int:
    """BROADCASTS broadcasts of EACH recipients, each settled; the newest one's id."""
    ids = await pool.fetch(
        "INSERT INTO message_history (message_text, status, recipient_type)"
        " SELECT 'b' || n, 'done', 'all' FROM generate_series(1, $1::int) AS n RETURNING id",
        BROADCASTS,
    )
    await pool.execute(
        "INSERT INTO message_recipients (message_id, user_id, username, delivery_status,"
        " attempted_at, settled_at, telegram_message_id)"
        " SELECT h, 1000000 + n, 'u' || n, 'sent', now(), now(), n"
        " FROM unnest($1::int[]) AS h, generate_series(1, $2::int) AS n ORDER BY h, n",
        [r["id"] for r in ids],
        EACH,
    )
    await pool.execute("ANALYZE message_recipients")
    return int(max(r["id"] for r in ids))


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


async def plan_of(
    pool: asyncpg.Pool | asyncpg.Connection, query: str, *args: Any
) -> list[dict[str, Any]]:
    explained = await pool.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", *args)
    if isinstance(explained, str):  # a pool without the json codec
        explained = json.loads(explained)
    return nodes(explained[0]["Plan"])


async def test_the_newest_broadcasts_first_page_reads_only_that_page(pool: asyncpg.Pool) -> None:
    newest = await many_broadcasts(pool)
    query, *args = QUERIES.web_broadcast_recipients(
        message_id=newest, status=None, pattern=None, limit=50, offset=0
    )
    plan = await plan_of(pool, query, *args)
    assert sum(n.get("Rows Removed by Filter", 0) for n in plan) == 0, plan
    assert not [n for n in plan if n["Node Type"] == "Sort"], plan
    assert max(n["Actual Rows"] for n in plan) == 50


async def test_a_broadcasts_export_reads_its_rows_in_order_without_sorting(
    pool: asyncpg.Pool,
) -> None:
    """In the export's own transaction settings (store.write_recipients_csv)."""
    newest = await many_broadcasts(pool)
    low, high = await pool.fetchrow(
        "SELECT min(id), max(id) FROM message_recipients WHERE message_id = $1", newest
    )
    # the whole broadcast, and one piece from its middle (the file is written piece by piece)
    for first, last, rows in ((low, high, EACH), (low + 10, low + 29, 20)):
        query, *args = export_query(newest, first, last)
        async with pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(*QUERIES.broadcast_export_settings(tz="Europe/Moscow"))
            plan = await plan_of(conn, query, *args)
        assert sum(n.get("Rows Removed by Filter", 0) for n in plan) == 0, plan
        assert not [n for n in plan if n["Node Type"] == "Sort"], plan
        assert max(n["Actual Rows"] for n in plan) == rows
