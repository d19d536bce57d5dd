"""/export: a CSV streamed from a server-side cursor into a temporary file, never held whole."""

from __future__ import annotations

import asyncio
import csv
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from bot.analytics.models import ExportFile
from bot.db.queries import QUERIES

EXPORT_KINDS: tuple[str, ...] = ("users", "bookings", "registrations", "events")
PREFETCH = 2000
SIZE_CHECK_ROWS = 256  # with a size limit, the file is measured this often
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; user-written names must
# stay text (CSV injection), so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Sink:
    """Rows go to a temporary file in batches; every file operation runs off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.handle.write(BOM)
        self.writer = csv.writer(self.handle)
        self.pending: list[list[Any]] = []

    @classmethod
    def create(cls, kind: str) -> _Sink:
        descriptor, name = tempfile.mkstemp(prefix=f"hsl-export-{kind}-", suffix=".csv")
        os.close(descriptor)
        return cls(Path(name))

    async def add(self, row: list[Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= PREFETCH:
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            await asyncio.to_thread(self.writer.writerows, batch)

    def written(self) -> int:
        """Bytes in the file so far (batches already flushed)."""
        return self.handle.tell()

    def finish(self) -> int:
        """Close the file; return its size."""
        self.handle.close()
        return self.path.stat().st_size

    def abandon(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


async def export_csv(
    conn: asyncpg.Connection,
    kind: str,
    since: datetime,
    tz: str,
    stamp: str,
    max_bytes: int | None = None,
) -> ExportFile:
    """Write one table (rows since ``since``) as UTF-8 CSV with a BOM; return the file.

    Past ``max_bytes`` (what Telegram lets a bot upload) it stops at once, drops the file and
    returns ``too_big``: a school of millions of events is not written out to be refused.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export {kind!r}")
    sql, *args = getattr(QUERIES, f"export_{kind}")(since=since, tz=tz)
    sink = await asyncio.to_thread(_Sink.create, kind)
    rows = 0
    try:
        async with conn.transaction(readonly=True):
            statement = await conn.prepare(sql)
            await sink.add([a.name for a in statement.get_attributes()])
            async for record in statement.cursor(*args, prefetch=PREFETCH):
                await sink.add([_cell(v) for v in record.values()])
                rows += 1
                if max_bytes is not None and rows % SIZE_CHECK_ROWS == 0:
                    await sink.flush()
                    if sink.written() > max_bytes:
                        break
        await sink.flush()
    except BaseException:
        await asyncio.to_thread(sink.abandon)
        raise
    size = await asyncio.to_thread(sink.finish)
    if max_bytes is not None and size > max_bytes:
        await asyncio.to_thread(sink.abandon)
        return ExportFile(sink.path, f"{kind}-{stamp}.csv", rows, size, too_big=True)
    return ExportFile(sink.path, f"{kind}-{stamp}.csv", rows, size)
