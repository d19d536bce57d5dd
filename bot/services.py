"""The plain async services handlers, the scheduler, the sandbox and the tests all call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.broadcast import BroadcastService
from bot.db.records import Records

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings


@dataclass
class Services:
    """One instance of each service; handlers receive them by parameter name."""

    records: Records
    school: SchoolAnalytics
    broadcasts: BroadcastService

    def as_data(self) -> dict[str, Any]:
        """Dispatcher data entries, keyed by the parameter names handlers use."""
        return {"records": self.records, "school": self.school, "broadcasts": self.broadcasts}

    async def start(self) -> None:
        await self.broadcasts.start()

    async def stop(self) -> None:
        await self.broadcasts.stop()


def build_services(
    settings: Settings, pool: asyncpg.Pool, console_bot: Bot, sender_bot: Bot
) -> Services:
    return Services(
        records=Records(pool),
        school=SchoolAnalytics(pool, settings.tz),
        broadcasts=BroadcastService(pool, settings, console_bot, sender_bot),
    )
