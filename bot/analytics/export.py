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

from bot.analytics.models import ExportFile
from bot.csvcells import FORMULA_START, csv_value
from bot.db.queries import QUERIES

EXPORT_KINDS: tuple[str, ...] = ("users", "bookings", "registrations", "events")
Format = Literal["xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
PREFETCH = 2000
SIZE_CHECK_ROWS = 256  # with a size limit, the file is measured this often
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet; user-written names must
# stay text (CSV injection), so such CSV cells get a leading apostrophe (XLSX: a text cell).
_FORMULA_START = FORMULA_START
# XLSX: what one cell holds, and how wide a column may grow (in characters).
XLSX_CELL_CHARS = 32767
XLSX_MAX_WIDTH = 60
# A sheet's XML deflates ~8× in the .xlsx zip on the school's tables; while streaming, the file
# is estimated as the XML written so far over this (a little cautious). The finished file is
# measured again, so an estimate beaten by odd data still never sends a file over the limit.
XLSX_DEFLATE = 6


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

    def _value(self, value: Any) -> Any:
        return csv_value(value, self.tz)

    def start(self, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
        self.writer.writerow(columns)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        value = self._value
        self.writer.writerows([[value(v) for v in row] for row in rows])

    def written(self) -> int:
        return self.handle.tell()

    def finish(self) -> int:
        self.handle.close()
        return self.path.stat().st_size

    def abandon(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


class _XlsxSink:
    """People's XLSX, written row by row (openpyxl's write-only mode keeps no rows in memory)."""

    def __init__(self, path: Path, tz: ZoneInfo, sheet: Sheet) -> None:
        from openpyxl import Workbook

        self.path = path
        self.tz = tz
        self.sheet = sheet
        self.book = Workbook(write_only=True)
        self.ws = self.book.create_sheet(sheet.title[:31])
        self.columns: list[str] = []
        self.xml_bytes = 0  # a running estimate of the sheet's XML
        self.rows = 0

    def _converters(self) -> list[Callable[[Any], Any]]:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        ws, sheet, tz = self.ws, self.sheet, self.tz

        def text(value: str) -> Any:
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_CHARS]
            if value.startswith("="):  # openpyxl would store it as a formula
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"
                return cell
            return value

        def plain(value: Any) -> Any:
            if isinstance(value, bool):
                return sheet.yes if value else sheet.no
            if isinstance(value, datetime):
                cell = WriteOnlyCell(ws, value.astimezone(tz).replace(tzinfo=None, microsecond=0))
                cell.number_format = sheet.moment_format
                return cell
            if isinstance(value, date):
                cell = WriteOnlyCell(ws, value)
                cell.number_format = sheet.date_format
                return cell
            if isinstance(value, str):
                return text(value)
            return value

        def worded(name: Callable[[Any], str]) -> Callable[[Any], Any]:
            return lambda value: None if value is None else text(name(value))

        return [worded(sheet.words[c]) if c in sheet.words else plain for c in self.columns]

    def start(self, columns: Sequence[str], sample: Sequence[Sequence[Any]]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.columns = list(columns)
        self.convert = self._converters()
        headings = [self.sheet.headings.get(c, c) for c in columns]
        first = [self._row(row) for row in sample]
        # Widths from the heading and the first rows: set before any row is written.
        for index, heading in enumerate(headings):
            widest = max([len(heading), *(_width(row[index]) for row in first)])
            self.ws.column_dimensions[get_column_letter(index + 1)].width = min(
                widest + 2, XLSX_MAX_WIDTH
            )
        self.ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for heading in headings:
            cell = WriteOnlyCell(self.ws, heading)
            cell.font = bold
            header.append(cell)
        self.ws.append(header)

    def _row(self, row: Sequence[Any]) -> list[Any]:
        return [convert(v) for convert, v in zip(self.convert, row, strict=True)]

    def _append(self, rows: Sequence[list[Any]]) -> None:
        for row in rows:
            self.ws.append(row)
            # ~40 bytes of XML around each cell, plus what it holds
            self.xml_bytes += sum(40 + _width(v) for v in row)
        self.rows += len(rows)

    def write(self, rows: Sequence[Sequence[Any]]) -> None:
        self._append([self._row(row) for row in rows])

    def written(self) -> int:
        return self.xml_bytes // XLSX_DEFLATE

    def finish(self) -> int:
        from openpyxl.utils import get_column_letter

        if self.columns:
            last = get_column_letter(len(self.columns))
            self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        self.book.save(self.path)
        return self.path.stat().st_size

    def abandon(self) -> None:
        self.book.close()
        self.path.unlink(missing_ok=True)


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
    from openpyxl.cell.cell import Cell

    if isinstance(value, Cell):
        if isinstance(value.value, datetime):
            return 16
        if isinstance(value.value, date):
            return 10
        value = value.value
    return 0 if value is None else len(str(value))


async def export_table(
    conn: asyncpg.Connection,
    kind: str,
    since: datetime,
    tz: str,
    stamp: str,
    max_bytes: int | None = None,
    sheet: Sheet | None = None,
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
    sql, *args = getattr(QUERIES, f"export_{kind}")(since=since)

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
                done, too_big = await asyncio.to_thread(_write, sink, batch, max_bytes)
                rows += done
                if too_big or len(batch) < PREFETCH:
                    break
                batch = [tuple(r.values()) for r in await cursor.fetch(PREFETCH)]
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
) -> ExportFile:
    """Write one table as CSV for machines (see :func:`export_table`)."""
    return await export_table(conn, kind, since, tz, stamp, max_bytes)
