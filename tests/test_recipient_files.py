"""An ended broadcast's recipients CSV is written once and kept (migration 0092): served as
stored (gzip) to the page, as a file to the chat, and never once its broadcast's rows moved on.
The sender writing it when a send ends: tests/test_broadcast_after.py's export test."""

from __future__ import annotations

import asyncio
import gzip
import random
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.broadcast import store
from bot.broadcast.store import recipients_csv
from bot.db.queries import QUERIES
from tests.support import ADMIN_ID
from tests.test_web import (  # noqa: F401  (services, webapp: fixtures)
    PREFIX,
    Web,
    auth,
    awkward_recipients,
    init_data,
    make_broadcast,
    services_fixture,
    webapp_fixture,
    written_by_python,
)


async def end(pool: asyncpg.Pool, bid: int, status: str = "done") -> None:
    """End a broadcast as the engine does (no recipient left pending, then finished)."""
    await pool.execute(
        "UPDATE message_recipients SET delivery_status = 'sent', settled_at = now()"
        " WHERE message_id = $1 AND delivery_status = 'pending'",
        bid,
    )
    await pool.execute(
        "UPDATE message_history SET status = $2, finished_at = now() WHERE id = $1", bid, status
    )


async def stored(pool: asyncpg.Pool, bid: int) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT f.status, f.finished_at, f.recipients_version, f.time_zone, f.csv_bytes, f.gzip,"
        " f.status = h.status AND f.finished_at = h.finished_at"
        " AND f.recipients_version = h.recipients_version AS current"
        " FROM hsl_recipient_files f JOIN message_history h ON h.id = f.message_id"
        " WHERE f.message_id = $1",
        bid,
    )


async def download(webapp: Web, bid: int, accept: str | None = None) -> tuple[str | None, bytes]:
    """The page's download: (its Content-Encoding, the file as the browser saves it)."""
    headers = auth(init_data())
    if accept is not None:
        headers["Accept-Encoding"] = accept
    async with webapp.client.get(f"{PREFIX}/api/broadcasts/{bid}/csv", headers=headers) as got:
        assert got.status == 200, await got.text()
        return got.headers.get("Content-Encoding"), await got.read()


async def test_the_page_gets_the_stored_file_gzipped_and_plain_when_gzip_is_refused(
    webapp: Web,
) -> None:
    bid = await awkward_recipients(webapp.services, webapp.pool)
    await end(webapp.pool, bid)
    expected = await written_by_python(webapp.pool, bid, webapp.services.broadcasts.settings.tz)
    assert await stored(webapp.pool, bid) is None
    encoding, body = await download(webapp, bid)  # the first asks: written, kept, sent
    assert body == expected
    kept = await stored(webapp.pool, bid)
    assert kept is not None and kept["current"] and gzip.decompress(kept["gzip"]) == expected
    encoding, body = await download(webapp, bid, "gzip, deflate, br")
    assert encoding == "gzip" and body == expected  # the client undid the gzip
    for refused in ("identity", "deflate", "gzip;q=0", "", "*, gzip;q=0", "*;q=0"):
        encoding, body = await download(webapp, bid, refused)
        assert encoding is None and body == expected, refused
    for taken in ("*", "br;q=1, GZIP;q=0.5", "*;q=0, gzip"):
        encoding, body = await download(webapp, bid, taken)
        assert encoding == "gzip" and body == expected, taken
    assert await webapp.services.broadcasts.export_csv(bid) == expected


async def test_a_running_broadcasts_file_is_written_each_time_and_not_kept(webapp: Web) -> None:
    bid = await awkward_recipients(webapp.services, webapp.pool)  # still sending
    for status in ("sending", "paused", "deleting"):
        await webapp.pool.execute(
            "UPDATE message_history SET status = $2 WHERE id = $1", bid, status
        )
        encoding, body = await download(webapp, bid)
        assert encoding is None
        assert body == await written_by_python(
            webapp.pool, bid, webapp.services.broadcasts.settings.tz
        )
        assert await stored(webapp.pool, bid) is None, status


async def test_any_change_to_the_rows_drops_the_file_at_once(webapp: Web) -> None:
    """A person forgotten, a deletion's outcome, old rows purged: the file goes in the same
    transaction (a forgotten username must not outlive its rows), and the next is new."""
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await awkward_recipients(webapp.services, pool)
    await end(pool, bid)
    person = await pool.fetchrow(
        "SELECT user_id, username FROM message_recipients"
        " WHERE message_id = $1 AND username LIKE 'Ё%'",
        bid,
    )
    await download(webapp, bid)
    assert person["username"].encode() in gzip.decompress((await stored(pool, bid))["gzip"])
    await webapp.services.privacy.forget(ADMIN_ID, person["user_id"])
    assert await stored(pool, bid) is None
    _, body = await download(webapp, bid)
    assert person["username"].encode() not in body and body == await written_by_python(
        pool, bid, tz
    )
    assert (await stored(pool, bid))["current"]

    await pool.execute(
        "DELETE FROM message_recipients WHERE id = (SELECT max(id) FROM message_recipients"
        " WHERE message_id = $1)",
        bid,
    )
    assert await stored(pool, bid) is None
    _, body = await download(webapp, bid)
    assert body == await written_by_python(pool, bid, tz)


async def test_a_file_of_an_earlier_state_is_never_served(webapp: Web) -> None:
    """Retried (sending again, then a new end), deleted, or asked for in another zone."""
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await awkward_recipients(webapp.services, pool)
    await end(pool, bid)
    await download(webapp, bid)
    first = await stored(pool, bid)
    await pool.execute("UPDATE message_history SET status = 'sending' WHERE id = $1", bid)
    assert not (await stored(pool, bid))["current"]  # a retry's run: the rows will move
    await end(pool, bid)
    _, body = await download(webapp, bid)
    again = await stored(pool, bid)
    assert again["current"] and again["finished_at"] > first["finished_at"]
    assert body == await written_by_python(pool, bid, tz)

    await end(pool, bid, "deleted")
    await download(webapp, bid)
    assert (await stored(pool, bid))["status"] == "deleted"

    other = ZoneInfo("Asia/Kathmandu")
    elsewhere = await recipients_csv(pool, bid, other)
    assert not elsewhere.gzipped
    assert elsewhere.data == await written_by_python(pool, bid, other)
    assert (await stored(pool, bid))["time_zone"] == other.key


async def test_a_file_written_before_a_change_committed_is_not_kept(webapp: Web) -> None:
    """The rows changed after the file's snapshot, in a transaction still open when the file is
    stored: storing waits for it to end, then keeps nothing."""
    pool = webapp.pool
    bid = await awkward_recipients(webapp.services, pool)
    await end(pool, bid)
    state = await pool.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
    keep = QUERIES.broadcast_store_file(**keep_args(state, bid))
    async with pool.acquire() as changer:
        changing = changer.transaction()
        await changing.start()
        await changer.execute(
            "UPDATE message_recipients SET username = 'renamed' WHERE id = (SELECT min(id)"
            " FROM message_recipients WHERE message_id = $1)",
            bid,
        )
        storing = asyncio.create_task(pool.fetchval(*keep))
        await asyncio.sleep(0.5)
        assert not storing.done()  # waiting on the change's lock on the broadcast
        await changing.commit()
        assert await storing == 0
    assert await stored(pool, bid) is None
    assert await pool.fetchval(*keep) == 0  # the state read before has passed
    fresh = await pool.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
    assert await pool.fetchval(*QUERIES.broadcast_store_file(**keep_args(fresh, bid))) == 1


def keep_args(state: asyncpg.Record, bid: int) -> dict[str, Any]:
    return {
        "message_id": bid,
        "status": state["status"],
        "finished_at": state["finished_at"],
        "version": state["recipients_version"],
        "tz": "UTC",
        "format": store.file_format(),
        "csv_bytes": 1,
        "gzip": gzip.compress(b"x"),
    }


# A running broadcast's file, piece by piece -------------------------------------------------


async def pieces(pool: asyncpg.Pool, bid: int) -> dict[int, str]:
    """The kept pieces by first id, each with its row version (a rewritten piece has another)."""
    rows = await pool.fetch(
        "SELECT first_id, ctid::text AS version FROM hsl_recipient_segments WHERE message_id = $1",
        bid,
    )
    return {row["first_id"]: row["version"] for row in rows}


async def test_the_header_is_copys(webapp: Web) -> None:
    bid = await awkward_recipients(webapp.services, webapp.pool)
    chunks: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        chunks.append(chunk)

    query, *args = store.export_query(bid, 0, 0)
    async with webapp.pool.acquire() as conn:
        await conn.copy_from_query(query, *args, output=collect, format="csv", header=True)
    assert b"".join(chunks).replace(b"\n", b"\r\n") == store.HEADER


async def test_a_running_broadcasts_file_rewrites_only_the_pieces_whose_rows_moved(
    webapp: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the sender claims and settles recipients, a person is forgotten, a name changes,
    the broadcast is paused and resumed: each download equals the rows as they are, and
    writes again only the pieces holding a row that moved."""
    monkeypatch.setattr(store, "SEGMENT_IDS", 16)
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await make_broadcast(webapp.services)
    ids = [
        r["id"]
        for r in await pool.fetch(
            "SELECT id FROM message_recipients WHERE message_id = $1 ORDER BY id", bid
        )
    ]
    assert len(ids) > 10 * 16

    async def check() -> dict[int, str]:
        _, body = await download(webapp, bid)
        assert body == await written_by_python(pool, bid, tz)
        return await pieces(pool, bid)

    kept = await check()
    assert len(kept) == len({i // 16 for i in ids})  # all pending: kept, nothing moved since
    assert await check() == kept  # asked again: nothing written again

    front = 0
    randomly = random.Random(7)
    for step in range(12):
        claimed = ids[front : front + randomly.randint(1, 20)]
        await pool.execute(
            "UPDATE message_recipients SET attempted_at = now(), claimed_by = 1"
            " WHERE id = ANY($1::int[])",
            claimed,
        )
        await pool.execute(
            "UPDATE message_recipients SET delivery_status = CASE WHEN id % 5 = 0 THEN"
            " 'failed' ELSE 'sent' END, failure_reason = CASE WHEN id % 5 = 0 THEN 'blocked'"
            " END, telegram_message_id = CASE WHEN id % 5 <> 0 THEN id END, settled_at = now()"
            " WHERE id = ANY($1::int[])",
            claimed[: len(claimed) // 2 + 1],
        )
        front += len(claimed)
        before, now = kept, await check()
        moved = {i - i % 16 for i in claimed}
        assert {k for k in before if now.get(k) != before[k]} == moved, step
        kept = now

    settled_row = await pool.fetchrow(
        "SELECT id, user_id FROM message_recipients WHERE id = ANY($1::int[])"
        " AND delivery_status = 'sent' ORDER BY id LIMIT 1",
        ids[:front],
    )
    await pool.execute(
        "UPDATE message_recipients SET username = 'renamed' WHERE id = $1", settled_row["id"]
    )
    before, kept = kept, await check()
    assert {k for k in before if kept.get(k) != before[k]} == {settled_row["id"] // 16 * 16}
    named = await pool.fetchrow(
        "SELECT id, user_id FROM message_recipients WHERE message_id = $1"
        " AND coalesce(username, '') <> '' AND id > $2 ORDER BY id LIMIT 1",
        bid,
        ids[front],
    )
    await webapp.services.privacy.forget(ADMIN_ID, named["user_id"])
    assert named["id"] - named["id"] % 16 not in await pieces(pool, bid)
    kept = await check()
    await webapp.services.broadcasts.pause(bid, ADMIN_ID)
    assert await check() == kept  # the status is not in the file
    await end(pool, bid)
    await check()
    assert await pieces(pool, bid) == {}  # ended: kept whole instead
    assert (await stored(pool, bid))["current"]


async def store_pieces(pool: asyncpg.Pool, bid: int, state: asyncpg.Record, **kwargs: Any) -> int:
    result: int = await pool.fetchval(
        *QUERIES.broadcast_store_segments(
            message_id=bid,
            tz="UTC",
            format=store.file_format(),
            version=state["recipients_version"],
            settled_version=state["settled_version"],
            **kwargs,
        )
    )
    return result


async def test_a_piece_is_kept_only_if_its_rows_are_still_as_written(webapp: Web) -> None:
    """Storing follows the versions read with the rows: the sender's claims and outcomes
    spoil a piece holding a pending row, not a settled one; a settled row changing spoils
    both; a change still in progress is waited for."""
    pool = webapp.pool
    bid = await make_broadcast(webapp.services)
    first, second = await pool.fetch(
        "SELECT id FROM message_recipients WHERE message_id = $1 ORDER BY id LIMIT 2", bid
    )
    await pool.execute(
        "UPDATE message_recipients SET delivery_status = 'sent', settled_at = now() WHERE id = $1",
        first["id"],
    )
    both = {
        "first_ids": [1, 2],
        "last_ids": [1, 2],
        "settled": [True, False],
        "lines": [b"settled\r\n", b"pending\r\n"],
    }
    state = await pool.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
    await pool.execute(  # the sender claims a pending row
        "UPDATE message_recipients SET attempted_at = now() WHERE id = $1", second["id"]
    )
    assert await store_pieces(pool, bid, state, **both) == 1
    assert set(await pieces(pool, bid)) == {1}

    state = await pool.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
    async with pool.acquire() as changer:
        changing = changer.transaction()
        await changing.start()
        await changer.execute(  # a settled row changes (a name forgotten, say)
            "UPDATE message_recipients SET username = NULL WHERE id = $1", first["id"]
        )
        storing = asyncio.create_task(store_pieces(pool, bid, state, **both))
        await asyncio.sleep(0.5)
        assert not storing.done()  # waiting on the change's lock on the broadcast
        await changing.commit()
        assert await storing == 0
    assert await pieces(pool, bid) == {}  # the change dropped the piece stored before it


async def test_a_change_waits_for_a_piece_being_stored_then_drops_it(webapp: Web) -> None:
    """The other order: a piece stored in a transaction still open when a row of it changes.
    The change's trigger moves the versions first (waiting for the store to commit), then
    drops the piece it can now see."""
    pool = webapp.pool
    bid = await make_broadcast(webapp.services)
    row = await pool.fetchrow(
        "SELECT id FROM message_recipients WHERE message_id = $1 ORDER BY id LIMIT 1", bid
    )
    await pool.execute(
        "UPDATE message_recipients SET delivery_status = 'sent', settled_at = now() WHERE id = $1",
        row["id"],
    )
    state = await pool.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
    async with pool.acquire() as storer:
        storing = storer.transaction()
        await storing.start()
        query, *args = QUERIES.broadcast_store_segments(
            message_id=bid,
            tz="UTC",
            format=store.file_format(),
            version=state["recipients_version"],
            settled_version=state["settled_version"],
            first_ids=[row["id"]],
            last_ids=[row["id"]],
            settled=[True],
            lines=[b"as written\r\n"],
        )
        assert await storer.fetchval(query, *args) == 1
        changing = asyncio.create_task(
            pool.execute("UPDATE message_recipients SET username = 'x' WHERE id = $1", row["id"])
        )
        await asyncio.sleep(0.5)
        assert not changing.done()  # the trigger waits for the store's lock on the broadcast
        await storing.commit()
        await changing
    assert await pieces(pool, bid) == {}


async def test_a_change_in_an_older_snapshot_than_a_store_fails_rather_than_miss_it(
    webapp: Web,
) -> None:
    """Under REPEATABLE READ a change cannot see a piece stored after its snapshot, so cannot
    drop it: it fails with a serialization error (to be retried) instead of leaving the piece
    with a name it changed."""
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await make_broadcast(webapp.services)
    row = await pool.fetchrow(
        "SELECT id FROM message_recipients WHERE message_id = $1"
        " AND coalesce(username, '') <> '' ORDER BY id LIMIT 1",
        bid,
    )
    async with pool.acquire() as changer:
        changing = changer.transaction(isolation="repeatable_read")
        await changing.start()
        await changer.fetchval("SELECT count(*) FROM message_history")  # its snapshot
        await download(webapp, bid)  # keeps every piece
        assert await pieces(pool, bid)
        with pytest.raises(asyncpg.SerializationError):
            await changer.execute(
                "UPDATE message_recipients SET username = NULL WHERE id = $1", row["id"]
            )
        await changing.rollback()
    _, body = await download(webapp, bid)
    assert body == await written_by_python(pool, bid, tz)


async def test_what_another_release_kept_is_not_read(webapp: Web) -> None:
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await make_broadcast(webapp.services)
    await download(webapp, bid)
    await pool.execute(
        "UPDATE hsl_recipient_segments SET format = 'older', lines = 'stale\r\n'"
        " WHERE message_id = $1",
        bid,
    )
    _, body = await download(webapp, bid)
    assert body == await written_by_python(pool, bid, tz)
    assert await pool.fetchval(
        "SELECT bool_and(format = $2) FROM hsl_recipient_segments WHERE message_id = $1",
        bid,
        store.file_format(),
    )


async def test_a_file_that_cannot_be_kept_is_still_sent(webapp: Web) -> None:
    pool, tz = webapp.pool, webapp.services.broadcasts.settings.tz
    bid = await awkward_recipients(webapp.services, pool)
    for table in ("hsl_recipient_segments", "hsl_recipient_files"):
        await pool.execute(f"ALTER TABLE {table} ADD CONSTRAINT refused CHECK (false) NOT VALID")
    _, body = await download(webapp, bid)  # running: its pieces are refused
    assert body == await written_by_python(pool, bid, tz)
    await end(pool, bid)
    _, body = await download(webapp, bid)  # ended: the whole file is refused
    assert body == await written_by_python(pool, bid, tz)
    assert await pieces(pool, bid) == {} and await stored(pool, bid) is None
