"""/user and /schema: one person's card, and the database report."""

from __future__ import annotations

import re
from collections import defaultdict

import asyncpg

from bot.analytics.models import (
    Booking,
    Bots,
    Column,
    Event,
    Index,
    Received,
    Registration,
    Table,
    Unreachable,
    UserCard,
    UserSummary,
)
from bot.db.queries import QUERIES

CARD_ROWS = 10
_USERNAME = re.compile(r"^@?([A-Za-z0-9_]{3,32})$")


def _summary(row: asyncpg.Record) -> UserSummary:
    return UserSummary(
        row["user_id"],
        row["username"],
        row["first_name"],
        row["first_seen_at"],
        row["last_seen_at"],
    )


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_users(conn: asyncpg.Connection, query: str, limit: int) -> tuple[UserSummary, ...]:
    """Users matching an id, an @username, or a fragment of a name (several: up to ``limit``)."""
    query = query.strip()
    if re.fullmatch(r"-?\d{1,19}", query):
        row = await conn.fetchrow(*QUERIES.user_by_id(user_id=int(query)))
        if row is not None:
            return (_summary(row),)
    if query.startswith("@") and (match := _USERNAME.match(query)):
        rows = await conn.fetch(*QUERIES.users_by_username(username=match.group(1), limit=limit))
        return tuple(_summary(r) for r in rows)
    rows = await conn.fetch(*QUERIES.users_by_text(pattern=like_pattern(query), limit=limit))
    exact = [r for r in rows if (r["username"] or "").lower() == query.lower()]
    return tuple(_summary(r) for r in (exact or rows))


async def user_card(conn: asyncpg.Connection, user_id: int, bots: Bots) -> UserCard | None:
    """Everything the school knows about one user, or None for an unknown id."""
    row = await conn.fetchrow(*QUERIES.user_by_id(user_id=user_id))
    if row is None:
        return None
    bookings = await conn.fetch(*QUERIES.user_bookings(user_id=user_id, limit=CARD_ROWS))
    registrations = await conn.fetch(*QUERIES.user_registrations(user_id=user_id, limit=CARD_ROWS))
    events = await conn.fetch(*QUERIES.user_events(user_id=user_id, limit=CARD_ROWS))
    broadcasts = await conn.fetch(*QUERIES.user_broadcasts(user_id=user_id, limit=CARD_ROWS))
    unreachable = await conn.fetch(*QUERIES.user_unreachable(user_id=user_id))
    last = await conn.fetchrow(*QUERIES.user_last_outcome(user_id=user_id))
    reachable = await conn.fetchval(
        *QUERIES.user_reachable_by_sender(user_id=user_id, sender=bots.sender_id, revive=bots.two)
    )
    return UserCard(
        user=_summary(row),
        bookings=tuple(
            Booking(b["course_id"], b["course_stream"], b["confirmed"], b["created_at"])
            for b in bookings
        ),
        registrations=tuple(
            Registration(r["lesson_type"], r["lesson_date"], r["registered_at"])
            for r in registrations
        ),
        events=tuple(Event(e["event_type"], e["created_at"]) for e in events),
        events_total=int(events[0]["total"]) if events else 0,
        broadcasts=tuple(
            Received(
                b["id"],
                b["sent_at"],
                b["message_text"] or "",
                b["delivery_status"],
                b["failure_reason"],
            )
            for b in broadcasts
        ),
        unreachable=tuple(
            Unreachable(bots.role(u["bot_id"]), u["reason"], u["blocked_at"]) for u in unreachable
        ),
        broadcast_reachable=bool(reachable),
        sender=bots.role(bots.sender_id),
        last_outcome=_outcome(last),
        last_outcome_at=last["at"] if last else None,
    )


def _outcome(row: asyncpg.Record | None) -> str | None:
    """ "sent" (a copy reached them, even if deleted since), a failure reason, or None."""
    if row is None:
        return None
    if row["delivery_status"] in ("sent", "deleted"):
        return "sent"
    return row["failure_reason"] or "failed"


async def schema(conn: asyncpg.Connection, exact_below_bytes: int) -> tuple[Table, ...]:
    """Every table with its row count, columns and indexes."""
    tables = await conn.fetch(*QUERIES.schema_tables(exact_below_bytes=exact_below_bytes))
    columns: dict[str, list[Column]] = defaultdict(list)
    for c in await conn.fetch(*QUERIES.schema_columns()):
        columns[c["table_name"]].append(Column(c["name"], c["type"], c["not_null"]))
    indexes: dict[str, list[Index]] = defaultdict(list)
    for i in await conn.fetch(*QUERIES.schema_indexes()):
        indexes[i["table_name"]].append(Index(i["name"], i["definition"] or "", i["is_unique"]))
    return tuple(
        Table(
            t["name"],
            int(t["row_count"] or 0),
            t["estimated"],
            int(t["bytes"]),
            tuple(columns[t["name"]]),
            tuple(indexes[t["name"]]),
        )
        for t in tables
    )
