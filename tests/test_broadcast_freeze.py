"""The freeze of a broadcast's recipients (broadcast_freeze), straight against PostgreSQL: who
is frozen, with which username, and the counts the card and the report show (duplicates
removed; the people the sending bot cannot reach, by reason), agreeing with the preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bot.db.queries import QUERIES

SENDER = 5550001  # the sending bot's Telegram id
OTHER_BOT = 5550002
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

# user_id → username (None: no username). 71 gets a users row only from its booking (a
# trigger adds it, without a username); 999 (pasted) is not in users at all.
USERS = {
    61: "ann",
    62: None,
    63: "cat",
    64: "dan",
    65: "eve",
    66: "fay",
    67: "gus",
    68: "hal",
    69: "ida",
    70: "jon",
}
# (user, course, stream, confirmed): 61 booked twice in two courses, 63 three times.
BOOKINGS = [
    (61, 1, "7th_stream", 2),
    (61, 2, "7th_stream", 2),
    (62, 1, "7th_stream", 2),
    (63, 1, "7th_stream", 2),
    (63, 1, "7th_stream", 0),
    (63, 2, "7th_stream", 1),
    (64, 1, "7th_stream", 2),
    (65, 1, "7th_stream", 2),
    (66, 1, "7th_stream", 2),
    (67, 1, "7th_stream", 2),
    (68, 1, "7th_stream", 2),
    (69, 1, "7th_stream", 2),
    (71, 1, "7th_stream", 2),
    (70, 1, "7th_stream", -1),  # cancelled: not in the audience
]
# (bot, user, reason, hours before NOW): the latest row of bot 0 or the sender decides.
BLOCKED = [
    (SENDER, 64, "blocked", 5),
    (0, 65, "never started", 5),
    (SENDER, 66, "deactivated", 5),
    (0, 66, "blocked", 9),  # older: 66 counts as deactivated
    (OTHER_BOT, 67, "blocked", 1),  # another bot's: 67 is reachable
    (SENDER, 68, "blocked", 30),  # active since (users.last_seen_at): revived by a course bot
    (SENDER, 69, None, 5),  # a school row without a reason: left out, in no reason's count
]


async def seed(pool: asyncpg.Pool) -> None:
    await pool.executemany(
        "INSERT INTO users (user_id, username, first_seen_at, last_seen_at)"
        " VALUES ($1, $2, $3, $3)",
        [(user, name, NOW - timedelta(hours=24)) for user, name in USERS.items()],
    )
    await pool.executemany(
        "INSERT INTO bookings (user_id, course_id, course_stream, confirmed)"
        " VALUES ($1, $2, $3, $4)",
        BOOKINGS,
    )
    # After the bookings, whose triggers note activity: only 68 was active since being blocked.
    await pool.execute(
        "UPDATE users SET last_seen_at = CASE WHEN user_id = 68 THEN $1::timestamptz ELSE $2 END",
        NOW - timedelta(hours=2),
        NOW - timedelta(hours=24),
    )
    await pool.executemany(
        "INSERT INTO blocked_users (bot_id, user_id, reason, blocked_at) VALUES ($1, $2, $3, $4)",
        [(bot, user, reason, NOW - timedelta(hours=h)) for bot, user, reason, h in BLOCKED],
    )


def audience(
    kind: str, *, stream: str | None = None, ids: list[int] | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "stream": stream,
        "lesson": None,
        "ids": ids or [],
        "course": None,
        "lesson_date": None,
    }


async def freeze(
    pool: asyncpg.Pool, args: dict[str, Any], *, revive: bool = False
) -> tuple[asyncpg.Record, list[tuple[int, str | None, str]], asyncpg.Record]:
    """Freeze a new broadcast; return its counts, its rows and the preview's counts."""
    async with pool.acquire() as conn, conn.transaction():
        bid = await conn.fetchval(
            "INSERT INTO message_history (message_text, status) VALUES ('hi', 'sending')"
            " RETURNING id"
        )
        frozen = await conn.fetchrow(
            *QUERIES.broadcast_freeze(message_id=bid, sender=SENDER, revive=revive, **args)
        )
    rows = await pool.fetch(
        "SELECT user_id, username, delivery_status FROM message_recipients"
        " WHERE message_id = $1 ORDER BY user_id",
        bid,
    )
    preview = await pool.fetchrow(
        *QUERIES.broadcast_audience_summary(sender=SENDER, revive=revive, **args)
    )
    assert frozen is not None and preview is not None
    return frozen, [tuple(r) for r in rows], preview


async def test_duplicates_removed_and_unreachable_counted_by_reason(pool: asyncpg.Pool) -> None:
    await seed(pool)
    frozen, rows, preview = await freeze(pool, audience("booked", stream="7th_stream"))
    # 13 booking rows for 10 people; 64, 65, 66, 68 and 69 cannot be reached.
    assert rows == [
        (61, "ann", "pending"),
        (62, None, "pending"),
        (63, "cat", "pending"),
        (67, "gus", "pending"),
        (71, None, "pending"),
    ]
    assert dict(frozen) == {
        "total_recipients": 5,
        "excluded_blocked": 2,  # 64, and 68 (the console bot revives nobody)
        "excluded_never_started": 1,
        "excluded_deactivated": 1,
        "duplicates_removed": 3,
    }
    assert preview["source_rows"] == 13 and preview["users"] == 10
    assert (preview["blocked"], preview["never_started"], preview["deactivated"]) == (2, 1, 1)


async def test_a_course_bot_reaches_those_active_since(pool: asyncpg.Pool) -> None:
    await seed(pool)
    frozen, rows, _ = await freeze(pool, audience("booked", stream="7th_stream"), revive=True)
    assert [r[0] for r in rows] == [61, 62, 63, 67, 68, 71]
    assert frozen["total_recipients"] == 6 and frozen["excluded_blocked"] == 1


async def test_everyone_and_pasted_ids(pool: asyncpg.Pool) -> None:
    await seed(pool)
    frozen, rows, _ = await freeze(pool, audience("everyone"))
    assert [r[0] for r in rows] == [61, 62, 63, 67, 70, 71]
    assert dict(frozen) == {
        "total_recipients": 6,
        "excluded_blocked": 2,
        "excluded_never_started": 1,
        "excluded_deactivated": 1,
        "duplicates_removed": 0,
    }
    frozen, rows, _ = await freeze(pool, audience("individual", ids=[70, 64, 70, 999, 70]))
    assert rows == [(70, "jon", "pending"), (999, None, "pending")]
    assert frozen["total_recipients"] == 2 and frozen["duplicates_removed"] == 2
    assert frozen["excluded_blocked"] == 1


async def test_an_empty_audience_still_starts_with_zero_counts(pool: asyncpg.Pool) -> None:
    await seed(pool)
    frozen, rows, _ = await freeze(pool, audience("booked", stream="no_such_stream"))
    assert rows == []
    assert dict(frozen) == {
        "total_recipients": 0,
        "excluded_blocked": 0,
        "excluded_never_started": 0,
        "excluded_deactivated": 0,
        "duplicates_removed": 0,
    }
