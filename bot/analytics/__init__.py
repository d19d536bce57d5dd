"""Questions about the school, answered as frozen dataclasses (no aiogram here)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import asyncpg


class SchoolAnalytics:
    """The analytics service: every number the console shows comes from here."""

    def __init__(self, pool: asyncpg.Pool, tz: ZoneInfo) -> None:
        self.pool = pool
        self.tz = tz
