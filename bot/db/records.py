"""Small writes the console makes: who wrote to us, who blocked us, what admins did."""

from __future__ import annotations

from typing import Any

import asyncpg

from bot.db.queries import QUERIES


class Records:
    """Console bookkeeping on the pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def saw_user(self, user_id: int, username: str | None, first_name: str | None) -> None:
        await self.pool.execute(
            *QUERIES.upsert_bot_user(user_id=user_id, username=username, first_name=first_name)
        )

    async def blocked(self, user_id: int, reason: str) -> None:
        await self.pool.execute(*QUERIES.mark_blocked(user_id=user_id, reason=reason))

    async def unblocked(self, user_id: int) -> None:
        await self.pool.execute(*QUERIES.unmark_blocked(user_id=user_id))

    async def audit(self, admin_id: int, action: str, **details: Any) -> None:
        """Record an admin's action (or a non-admin's attempt at one)."""
        await self.pool.execute(
            *QUERIES.record_audit(admin_id=admin_id, action=action, details=details)
        )
