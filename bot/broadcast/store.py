"""Reading broadcasts back from the database: as dataclasses, and as a recipients CSV."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.broadcast.models import Audience, Broadcast, Content, Counts, Report
from bot.csvcells import FORMULA_START
from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

BOM = "\ufeff".encode()
# broadcast_export's formula test: the codes of csvcells' formula starts, the largest last.
FORMULA_CODES = sorted(ord(c) for c in FORMULA_START)


def to_broadcast(row: Any) -> Broadcast:
    audience = row["audience"]
    content = row.get("content")
    return Broadcast(
        id=row["id"],
        status=row["status"],
        author_id=row["author_id"],
        audience=Audience.from_json(audience) if audience else None,
        content=Content.from_json(content) if content else None,
        message_text=row["message_text"] or "",
        recipient_type=row["recipient_type"],
        recipient_group=row["recipient_group"],
        total=row["total_recipients"] or 0,
        successful=row["successful_deliveries"] or 0,
        excluded_blocked=row.get("excluded_blocked", 0),
        excluded_never_started=row.get("excluded_never_started", 0),
        excluded_deactivated=row.get("excluded_deactivated", 0),
        duplicates_removed=row.get("duplicates_removed", 0),
        created_at=row["created_at"],
        scheduled_at=row["scheduled_at"],
        started_at=row["started_at"],
        finished_at=row.get("finished_at"),
    )


async def fetch_broadcast(conn: asyncpg.Pool | asyncpg.Connection, bid: int) -> Broadcast | None:
    row = await conn.fetchrow(*QUERIES.broadcast_get(message_id=bid))
    return None if row is None else to_broadcast(row)


def author_name(first_name: str | None, username: str | None) -> str | None:
    """What a person is called in lists: their first name, else @username, else nothing."""
    if first_name and first_name.strip():
        return first_name.strip()
    return f"@{username}" if username else None


async def fetch_shown(pool: asyncpg.Pool | asyncpg.Connection, bid: int) -> Broadcast | None:
    """A broadcast as the console shows it: with its latest run's start and author's name."""
    broadcast = await fetch_broadcast(pool, bid)
    if broadcast is None:
        return None
    row = await pool.fetchrow(*QUERIES.broadcast_ui_details(message_id=bid))
    if row is None:
        return broadcast
    return dataclasses.replace(
        broadcast,
        run_started_at=row["run_started_at"],
        author_name=author_name(row["author_first_name"], row["author_username"]),
        paused_s=float(row["paused_s"] or 0.0),
    )


async def with_author_names(
    pool: asyncpg.Pool, broadcasts: Iterable[Broadcast]
) -> list[Broadcast]:
    """The broadcasts, each with its author's name where the school's tables know it."""
    items = list(broadcasts)
    ids = sorted({b.author_id for b in items if b.author_id is not None})
    rows = await pool.fetch(*QUERIES.broadcast_author_names(ids=ids)) if ids else []
    names = {r["user_id"]: author_name(r["first_name"], r["username"]) for r in rows}
    return [dataclasses.replace(b, author_name=names.get(b.author_id)) for b in items]


async def fetch_counts(conn: asyncpg.Pool | asyncpg.Connection, bid: int) -> Counts:
    """Recipients per state; ``failed`` leaves out the cancelled (counted apart)."""
    row = await conn.fetchrow(*QUERIES.broadcast_outcome_counts(message_id=bid))
    return Counts(**dict(row)) if row is not None else Counts()


async def fetch_report(pool: asyncpg.Pool, bid: int) -> Report | None:
    broadcast = await fetch_shown(pool, bid)
    if broadcast is None:
        return None
    counts = await fetch_counts(pool, bid)
    # Each breakdown walks the whole broadcast (~20 ms per 100k recipients): asked only when
    # the counts say there is something to break down.
    reasons = (
        await pool.fetch(*QUERIES.broadcast_failure_reasons(message_id=bid))
        if counts.failed or counts.cancelled
        else []
    )
    errors = (
        await pool.fetch(*QUERIES.broadcast_delete_errors(message_id=bid))
        if counts.not_deleted
        else []
    )
    return Report(
        broadcast,
        counts,
        [(r["reason"] or "?", r["n"]) for r in reasons],
        [(r["reason"] or "?", r["n"]) for r in errors],
    )


@dataclasses.dataclass(frozen=True)
class RecipientsCsv:
    """A broadcast's recipients CSV: as just written, or gzip-compressed as it is stored."""

    data: bytes
    gzipped: bool = False

    async def plain(self) -> bytes:
        if not self.gzipped:
            return self.data
        return await asyncio.to_thread(gzip.decompress, self.data)  # ~25 ms per 8 MB


async def recipients_csv(pool: asyncpg.Pool, bid: int, tz: ZoneInfo) -> RecipientsCsv:
    """The broadcast's recipients as a CSV file: an ended broadcast's stored file (written
    once, when it ended or when first asked for), else written now from its kept pieces and
    the rows that moved since (and kept)."""
    stored = await pool.fetchval(
        *QUERIES.broadcast_stored_file(message_id=bid, tz=tz.key, format=file_format())
    )
    if stored is not None:
        return RecipientsCsv(stored, gzipped=True)
    return RecipientsCsv(await write_recipients_csv(pool, bid, tz))


# Recipients per kept piece of a running broadcast's file, by id: a download during a send
# writes the pieces the sender's front moved through since the last one (~5 ms each).
SEGMENT_IDS = 4096
HEADER = (
    b"user_id,username,delivery_status,telegram_message_id,failure_reason,attempted_at,"
    b"settled_at,delete_error\r\n"
)  # COPY's header line of broadcast_export (a test holds them equal)
PENDING = b",pending,"  # in every line of a pending recipient (and, quoted, maybe others)


def export_query(bid: int, first_id: int, last_id: int) -> tuple[Any, ...]:
    """broadcast_export for the broadcast's recipients with ids first_id..last_id (a piece of
    its file), with csvcells' formula starts."""
    return QUERIES.broadcast_export(
        message_id=bid,
        first_id=first_id,
        last_id=last_id,
        formula_codes=FORMULA_CODES,
        formula_max=FORMULA_CODES[-1],
    )


def file_format() -> str:
    """This release's layout of the file (its query, header and piece size): a kept file or
    piece of another layout is not read."""
    query = export_query(0, 0, 0)[0]
    layout = f"{query}\n{HEADER!r}\n{SEGMENT_IDS}".encode()
    return hashlib.sha256(layout).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Segment:
    first_id: int
    last_id: int
    lines: bytes

    @property
    def settled(self) -> bool:
        """No pending recipient among its lines (a username holding ",pending," only makes
        this say no where it could have said yes)."""
        return PENDING not in self.lines


async def write_recipients_csv(
    pool: asyncpg.Pool, bid: int, tz: ZoneInfo, *, kept: bool = True
) -> bytes:
    """Write the file in one snapshot, piece by piece (SEGMENT_IDS recipient ids each): a
    piece kept earlier as it is, the others by the server's ``COPY … CSV``; then keep the file
    whole if the broadcast has ended (its rows change no more), else the pieces written
    (migration 0092 says when a kept piece or file is current). ``kept=False``: from the rows
    alone, keeping nothing.

    One row per recipient, UTF-8 with a BOM so spreadsheets read Cyrillic names, CRLF line ends
    as Python's csv writes them; values as in every hsl-bot CSV (bot.csvcells: local times with
    their offset, formulas defused), applied by broadcast_export. Python writing the cells took
    ~0.3 s for 100k recipients, on the event loop.
    """
    parts: list[bytes] = []
    written: list[Segment] = []
    async with pool.acquire() as conn:
        # One snapshot: the pieces kept and the rows written are those of the state read.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            state = await conn.fetchrow(*QUERIES.broadcast_file_state(message_id=bid))
            if state is None or state["low"] is None:
                return BOM + HEADER
            layout = file_format()
            rows = (
                await conn.fetch(
                    *QUERIES.broadcast_stored_segments(message_id=bid, tz=tz.key, format=layout)
                )
                if kept
                else []
            )
            stored = {row["first_id"]: row["lines"] for row in rows}
            await conn.execute(*QUERIES.broadcast_export_settings(tz=tz.key))
            start = state["low"] - state["low"] % SEGMENT_IDS
            for first in range(start, state["high"] + 1, SEGMENT_IDS):
                lines = stored.get(first)
                if lines is None:
                    segment = await _write_segment(conn, bid, first, first + SEGMENT_IDS - 1)
                    written.append(segment)
                    lines = segment.lines
                parts.append(lines)
    data = b"".join([BOM, HEADER, *parts])
    if kept:
        try:
            await _keep(pool, bid, tz.key, layout, state, data, written)
        except (asyncpg.PostgresError, OSError):  # the file is written: keeping it can wait
            logger.warning("broadcast %s: could not keep its recipients file", bid, exc_info=True)
    return data


async def _keep(
    pool: asyncpg.Pool,
    bid: int,
    tz: str,
    layout: str,
    state: asyncpg.Record,
    data: bytes,
    written: list[Segment],
) -> None:
    """Keep an ended broadcast's file whole (and forget its pieces), else the pieces written."""
    if state["ended"]:
        compressed = await asyncio.to_thread(gzip.compress, data, 6, mtime=0)  # ~0.1 s
        kept = await pool.fetchval(
            *QUERIES.broadcast_store_file(
                message_id=bid,
                status=state["status"],
                finished_at=state["finished_at"],
                version=state["recipients_version"],
                tz=tz,
                format=layout,
                csv_bytes=len(data),
                gzip=compressed,
            )
        )
        if kept:
            await pool.execute(*QUERIES.broadcast_forget_segments(message_id=bid))
    elif written:
        await pool.fetchval(
            *QUERIES.broadcast_store_segments(
                message_id=bid,
                tz=tz,
                format=layout,
                version=state["recipients_version"],
                settled_version=state["settled_version"],
                first_ids=[s.first_id for s in written],
                last_ids=[s.last_id for s in written],
                settled=[s.settled for s in written],
                lines=[s.lines for s in written],
            )
        )


async def _write_segment(
    conn: asyncpg.Connection, bid: int, first_id: int, last_id: int
) -> Segment:
    chunks: list[bytes] = []
    line_ends = CrlfLineEnds()

    async def collect(chunk: bytes) -> None:
        chunks.append(line_ends(chunk))

    query, *args = export_query(bid, first_id, last_id)
    await conn.copy_from_query(query, *args, output=collect, format="csv")
    return Segment(first_id, last_id, b"".join(chunks))


class CrlfLineEnds:
    """COPY's LF line ends as CRLF, fed COPY's output in pieces: a line break inside a quoted
    cell stays as it is (Python's csv leaves it too).

    COPY … CSV quotes every cell holding a '"' and doubles it there, so each '"' it writes
    toggles between inside and outside a cell's quotes (a doubled one toggles twice); the state
    carries from one piece to the next.
    """

    def __init__(self) -> None:
        self.quoted = False

    def __call__(self, chunk: bytes) -> bytes:
        if not self.quoted and b'"' not in chunk:  # the usual piece: no quoted cell
            return chunk.replace(b"\n", b"\r\n")
        pieces = chunk.split(b'"')
        outside = slice(1 if self.quoted else 0, None, 2)
        pieces[outside] = [piece.replace(b"\n", b"\r\n") for piece in pieces[outside]]
        if len(pieces) % 2 == 0:  # an odd number of '"'
            self.quoted = not self.quoted
        return b'"'.join(pieces)
