"""/export <kind> [days|all] [csv]: a spreadsheet of one table (XLSX; CSV for machines)."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message

from bot.analytics import EPOCH, MAX_DAYS, SchoolAnalytics
from bot.analytics.export import EXPORT_KINDS, FORMATS, Format, export_table
from bot.analytics.models import ExportFile
from bot.limits import MAX_UPLOAD_BYTES
from bot.telegram.analytics import sheets, views
from bot.telegram.analytics.arguments import BadArguments, days_or_all, usage, words
from bot.telegram.core.filters import admin_router
from bot.telegram.texts import Texts

EXPORT_MAX_BYTES = MAX_UPLOAD_BYTES - 1024 * 1024  # room for the multipart envelope
EXPORT_MAX_DAYS = 10 * MAX_DAYS  # a row's age, not a chart's width: more fits in a file


def parse(args: str | None) -> tuple[str, int | None, Format]:
    """The kind, the days (None: everything) and the format; BadArguments otherwise."""
    given = words(args)
    if not 1 <= len(given) <= 3 or given[0].lower() not in EXPORT_KINDS:
        raise BadArguments(args)
    kind, days, fmt = given[0].lower(), None, "xlsx"
    rest = [word.lower() for word in given[1:]]
    if rest and rest[-1] in FORMATS:
        fmt = rest.pop()
    if len(rest) > 1:
        raise BadArguments(args)
    if rest:
        days = days_or_all(rest[0])
    return kind, days, fmt  # type: ignore[return-value]


async def export(
    school: SchoolAnalytics, texts: Texts, kind: str, days: int | None, fmt: Format
) -> ExportFile:
    """The file, stopped past the upload limit.

    ``SchoolAnalytics.export`` writes CSV only; until it takes a format this asks the
    exporter directly, with the service's window and clock.
    """
    window = school.window(days, cap=EXPORT_MAX_DAYS)
    since = EPOCH if window.first_day is None else school.midnight(window.first_day)
    stamp = school.now().strftime("%Y%m%d-%H%M")
    sheet = sheets.sheet(texts, kind) if fmt == "xlsx" else None
    async with school.pool.acquire() as conn:
        return await export_table(
            conn,
            kind,
            since,
            school.tz_name,
            stamp,
            EXPORT_MAX_BYTES,
            sheet=sheet,
            bots=school.bots,
        )


async def export_command(
    message: Message, command: CommandObject, school: SchoolAnalytics, texts: Texts
) -> None:
    """/export <kind> [days|all] [csv]: one table as a file."""
    try:
        kind, days, fmt = parse(command.args)
    except BadArguments:
        await usage(message, texts, "usage_export")
        return
    exported = await export(school, texts, kind, days, fmt)
    try:
        if exported.too_big:
            await message.answer(
                texts("export_too_big", mb=EXPORT_MAX_BYTES // (1024 * 1024), kind=kind)
            )
            return
        window = school.window(days, cap=EXPORT_MAX_DAYS)
        await message.answer_document(
            FSInputFile(exported.path, filename=exported.file_name),
            caption=views.export_caption(texts, kind, fmt, exported.rows, window, school.tz_name),
        )
    finally:
        await asyncio.to_thread(exported.discard)


def build_router() -> Router:
    router = admin_router("analytics-export")
    router.message.register(export_command, Command("export"))
    return router
