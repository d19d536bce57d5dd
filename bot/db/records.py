"""Small writes the console makes: who wrote to us, who blocked us, what admins did."""

from __future__ import annotations

from typing import Any

import asyncpg

from bot.db.queries import QUERIES
from bot.redact import redact


class Records:
    """Console bookkeeping on the pool, on behalf of the console bot ``bot_id``.

    ``sends_broadcasts``: the console bot is also the broadcast bot (no BROADCAST_BOT_TOKEN),
    so rows recorded before reachability was per bot are its rows too.
    """

    def __init__(self, pool: asyncpg.Pool, bot_id: int, *, sends_broadcasts: bool) -> None:
        self.pool = pool
        self.bot_id = bot_id
        self.sends_broadcasts = sends_broadcasts

    async def saw_user(self, user_id: int, username: str | None, first_name: str | None) -> None:
        """Someone wrote to the console bot: their names, and they can be reached by it."""
        await self.pool.execute(
            *QUERIES.upsert_bot_user(
                user_id=user_id,
                username=username,
                first_name=first_name,
                bot=self.bot_id,
                legacy=self.sends_broadcasts,
            )
        )

    async def unreachable(self, user_id: int, reason: str) -> None:
        """The console bot cannot reach someone (``reason`` as in blocked_users)."""
        await self.pool.execute(
            *QUERIES.mark_unreachable(bot=self.bot_id, user_id=user_id, reason=reason)
        )

    async def reachable(self, user_id: int) -> None:
        await self.pool.execute(
            *QUERIES.mark_reachable(bot=self.bot_id, user_id=user_id, legacy=self.sends_broadcasts)
        )

    async def audit(self, admin_id: int, action: str, **details: Any) -> None:
        """Record an admin's action (or a non-admin's attempt at one); no token in it."""
        # no token, and no NUL (a forged callback's data may carry one; jsonb refuses it)
        clean = {
            k: redact(v).replace("\x00", "") if isinstance(v, str) else v
            for k, v in details.items()
        }
        await self.pool.execute(
            *QUERIES.record_audit(admin_id=admin_id, action=action, details=clean)
        )
