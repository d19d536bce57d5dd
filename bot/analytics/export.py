"""/export: one table streamed from a server-side cursor into a temporary file, never held whole.

Two formats of the same rows. XLSX is for people: headings and words (statuses, yes/no, the
school's codes) in the admin's language, given by the caller as a :class:`Sheet`, moments as
real date-times in TIMEZONE, a frozen header row and columns as wide as their contents. CSV is
for machines: the columns' own names, raw values, comma-separated UTF-8 with a BOM, and every
moment in TIMEZONE to the second with its offset (``2025-11-30 19:05:12+03:00``), the same in
every table.
"""

from __future__ import annotations

import asyncio
import csv
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics.models import Bots, ExportFile
from bot.csvcells import csv_value
from bot.db.queries import QUERIES
from bot.xlsx import SheetWriter

EXPORT_KINDS: tuple[str, ...] = ("users", "bookings", "registrations", "events")
Format = Literal["xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
PREFETCH = 2000
SIZE_CHECK_ROWS = 256  # with a size limit, the file is measured this often
BOM = "\ufeff"
# XLSX: how wide a column may grow (in characters).
XLSX_MAX_WIDTH = 60
# While streaming, the file is measured as written so far plus what deflate may still hold
# back: it emits a block per ~16k symbols, a few tens of KB compressed at most. The finished
# file is measured again, so it never sends a file over the limit.
XLSX_PENDING_BYTES = 64 * 1024


@dataclass(frozen=True)
class Sheet:
    """How a person's spreadsheet names things, in the admin's language (the Telegram side
    builds it; nothing here knows a language)."""

    title: str  # the worksheet's name (≤ 31 characters)
    headings: Mapping[str, str]  # column → its heading; unknown columns keep their name
    yes: str
    no: str
    moment_format: str  # Excel number format of a date-time, e.g. "DD.MM.YYYY HH:MM"
    date_format: str  # ... of a date
    # column → a function from the column's value to what a person reads (status words,
    # course and stream names); None stays empty
    words: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)


class _Sink(Protocol):
    path: Path

    def start(self, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
        """Write the header; ``sample`` (the first rows) may size the columns."""

    def write(self, rows: Sequence[Sequence[Any]]) -> None: ...

    def written(self) -> int: ...

    def finish(self) -> int: ...

    def abandon(self) -> None: ...


def _temporary(kind: str, suffix: str) -> Path:
    descriptor, name = tempfile.mkstemp(prefix=f"hsl-export-{kind}-", suffix=suffix)
    os.close(descriptor)
    return Path(name)


class _CsvSink:
    """Machines' CSV: raw values, moments as local ISO 8601 with the offset."""

    def __init__(self, path: Path, tz: ZoneInfo) -> None:
        self.path = path
        self.tz = tz
        self.handle = path.open("w", encoding="utf-8", newline="")
        self.handle.write(BOM)
        self.writer = csv.writer(self.handle)

    def start(self, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
        self.writer.writerow(columns)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        tz = self.tz
        self.writer.writerows([[csv_value(v, tz) for v in row] for row in rows])

    def written(self) -> int:
        return self.handle.tell()

    def finish(self) -> int:
        self.handle.close()
        return self.path.stat().st_size

    def abandon(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


class _XlsxSink:
    """People's XLSX, written row by row (bot.xlsx streams the sheet into the zip)."""

    def __init__(self, path: Path, tz: ZoneInfo, sheet: Sheet) -> None:
        self.path = path
        self.tz = tz
        self.sheet = sheet
        self.writer = SheetWriter(
            path, sheet.title, moment_format=sheet.moment_format, date_format=sheet.date_format
        )
        self.columns: list[str] = []

    def _converters(self) -> list[Callable[[Any], Any]]:
        sheet, tz = self.sheet, self.tz

        def plain(value: Any) -> Any:
            if isinstance(value, bool):
                return sheet.yes if value else sheet.no
            if isinstance(value, datetime):
                return value.astimezone(tz).replace(tzinfo=None, microsecond=0)
            return value

        def worded(name: Callable[[Any], str]) -> Callable[[Any], Any]:
            return lambda value: None if value is None else name(value)

        return [worded(sheet.words[c]) if c in sheet.words else plain for c in self.columns]

    def start(self, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
        self.columns = list(columns)
        self.convert = self._converters()
        headings = [self.sheet.headings.get(c, c) for c in columns]
        first = [self._row(row) for row in sample]
        # Widths from the heading and the first rows: they precede the rows in the file.
        widths = [
            min(max([len(heading), *(_width(row[index]) for row in first)]) + 2, XLSX_MAX_WIDTH)
            for index, heading in enumerate(headings)
        ]
        self.writer.start(headings, widths)

    def _row(self, row: Sequence[Any]) -> list[Any]:
        return [convert(v) for convert, v in zip(self.convert, row, strict=True)]

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self.writer.append([self._row(row) for row in rows])

    def written(self) -> int:
        return self.writer.written() + XLSX_PENDING_BYTES

    def finish(self) -> int:
        return self.writer.close()

    def abandon(self) -> None:
        self.writer.abandon()


def _write(sink: _Sink, rows: Sequence[Sequence[Any]], max_bytes: int | None) -> tuple[int, bool]:
    """Write ``rows``, measuring the file every SIZE_CHECK_ROWS against ``max_bytes``; return
    how many were written and whether the limit was passed (then it stopped there)."""
    if max_bytes is None:
        sink.write(rows)
        return len(rows), False
    for start in range(0, len(rows), SIZE_CHECK_ROWS):
        chunk = rows[start : start + SIZE_CHECK_ROWS]
        sink.write(chunk)
        if sink.written() > max_bytes:
            return start + len(chunk), True
    return len(rows), False


def _width(value: Any) -> int:
    """About how many characters a cell shows."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return 0 if value is None else len(str(value))


async def export_table(
    conn: asyncpg.Connection,
    kind: str,
    since: datetime,
    tz: str,
    stamp: str,
    max_bytes: int | None = None,
    sheet: Sheet | None = None,
    bots: Bots | None = None,
) -> ExportFile:
    """Write one table (rows since ``since``): XLSX for people when ``sheet`` is given,
    else CSV for machines; return the file.

    Past ``max_bytes`` (what Telegram lets a bot upload) it stops at once, drops the file and
    returns ``too_big``: a school of millions of events is not written out to be refused.
    """
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export {kind!r}")
    zone = ZoneInfo(tz)
    suffix = ".csv" if sheet is None else ".xlsx"
    params: dict[str, Any] = {"since": since}
    if kind == "users":  # who the bot broadcasts go out with cannot reach
        reach = bots or Bots(console_id=0, sender_id=0)
        params |= {"sender": reach.sender_id, "revive": reach.two}
    sql, *args = getattr(QUERIES, f"export_{kind}")(**params)

    def create() -> _Sink:
        path = _temporary(kind, suffix)
        return _CsvSink(path, zone) if sheet is None else _XlsxSink(path, zone, sheet)

    sink = await asyncio.to_thread(create)
    rows = 0
    too_big = False
    try:
        async with conn.transaction(readonly=True):
            statement = await conn.prepare(sql)
            columns = [a.name for a in statement.get_attributes()]
            cursor = await statement.cursor(*args)
            batch = [tuple(r.values()) for r in await cursor.fetch(PREFETCH)]
            await asyncio.to_thread(sink.start, columns, batch[:SIZE_CHECK_ROWS])
            while batch:
                # this batch is written in a thread while the next one comes from the server
                writing = asyncio.ensure_future(asyncio.to_thread(_write, sink, batch, max_bytes))
                following: list[tuple[Any, ...]] = []
                try:
                    if len(batch) == PREFETCH:
                        following = [tuple(r.values()) for r in await cursor.fetch(PREFETCH)]
                finally:
                    done, too_big = await writing  # never abandon the file mid-write
                rows += done
                if too_big:
                    break
                batch = following
    except BaseException:
        await asyncio.to_thread(sink.abandon)
        raise
    name = f"{kind}-{stamp}{suffix}"
    if too_big:
        written = sink.written()
        await asyncio.to_thread(sink.abandon)
        return ExportFile(sink.path, name, rows, written, too_big=True)
    size = await asyncio.to_thread(sink.finish)
    if max_bytes is not None and size > max_bytes:
        await asyncio.to_thread(sink.path.unlink, True)
        return ExportFile(sink.path, name, rows, size, too_big=True)
    return ExportFile(sink.path, name, rows, size)


async def export_csv(
    conn: asyncpg.Connection,
    kind: str,
    since: datetime,
    tz: str,
    stamp: str,
    max_bytes: int | None = None,
    bots: Bots | None = None,
) -> ExportFile:
    """Write one table as CSV for machines (see :func:`export_table`)."""
    return await export_table(conn, kind, since, tz, stamp, max_bytes, bots=bots)
