"""The plain async services handlers, the scheduler, the sandbox and the tests all call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.models import Bots
from bot.broadcast import BroadcastService
from bot.db.records import Records
from bot.digest import DigestScheduler, DigestService
from bot.leadership import Term
from bot.privacy import PrivacyService, RetentionScheduler, RetentionService

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings


@dataclass
class Services:
    """One instance of each service; handlers receive them by parameter name."""

    records: Records
    school: SchoolAnalytics
    broadcasts: BroadcastService
    digest: DigestService
    digest_scheduler: DigestScheduler
    privacy: PrivacyService
    retention_scheduler: RetentionScheduler

    def as_data(self) -> dict[str, Any]:
        """Dispatcher data entries, keyed by the parameter names handlers use."""
        return {
            "records": self.records,
            "school": self.school,
            "broadcasts": self.broadcasts,
            "digest": self.digest,
            "privacy": self.privacy,
        }

    def follow(self, term: Term) -> None:
        """Leader work writes under this term of leadership (its epoch fences the writes)."""
        self.broadcasts.delivery.term = term
        self.digest.term = term

    async def start(self) -> None:
        """Leader work: deliver broadcasts, run the digest and retention schedules."""
        self.school.applier.start()
        await self.broadcasts.start()
        await self.digest_scheduler.start()
        await self.retention_scheduler.start()

    async def stop(self) -> None:
        await self.retention_scheduler.stop()
        await self.digest_scheduler.stop()
        await self.broadcasts.stop()
        await self.school.applier.stop()


def build_services(
    settings: Settings, pool: asyncpg.Pool, console_bot: Bot, sender_bot: Bot
) -> Services:
    """Every service, not yet running; the app attaches their presenters."""
    records = Records(pool, console_bot.id, sends_broadcasts=sender_bot is console_bot)
    school = SchoolAnalytics(pool, settings.tz, Bots(console_bot.id, sender_bot.id))
    digest = DigestService(pool, school, settings, records)
    return Services(
        records=records,
        school=school,
        broadcasts=BroadcastService(pool, settings, console_bot, sender_bot),
        digest=digest,
        digest_scheduler=DigestScheduler(digest),
        privacy=PrivacyService(pool),
        retention_scheduler=RetentionScheduler(
            RetentionService(pool, settings.retention_days, settings.tz)
        ),
    )
