"""Broadcasts: audiences, the durable delivery engine, the rate limiter (no handler code)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings


class BroadcastService:
    """Create, deliver, control and report broadcasts."""

    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, console_bot: Bot, sender_bot: Bot
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.console_bot = console_bot
        self.sender_bot = sender_bot

    async def start(self) -> None:
        """Begin background delivery (resume unfinished broadcasts)."""

    async def stop(self) -> None:
        """Stop background delivery, settling in-flight sends."""
