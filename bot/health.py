"""/healthz: what a load balancer or an operator asks a running instance.

One report for both servers hsl-bot may run: the webhook server (bot/webhook.py) and, in
polling mode, the Mini App's own server (bot/web/app.py's ``standalone``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web

from bot.db.queries import QUERIES

if TYPE_CHECKING:
    from bot.digest import DigestScheduler
    from bot.leadership import Leadership

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_S = 2.0


class Health:
    """The database answers (else 503); with a running app's leadership, this instance's
    role and term, and a 503 while it leads a term it can no longer renew."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        leadership: Leadership | None = None,
        digest: DigestScheduler | None = None,
    ) -> None:
        self.pool = pool
        self.leadership = leadership
        self.digest = digest

    async def handle(self, request: web.Request) -> web.Response:
        try:
            await self.pool.fetchval(*QUERIES.database_alive(), timeout=HEALTH_TIMEOUT_S)
        except Exception as exc:
            logger.warning("health check failed: %s", exc)
            return web.json_response({"status": "database unavailable"}, status=503)
        report: dict[str, Any] = {"status": "ok"}
        leadership = self.leadership
        if leadership is None:  # a page server without the bot (the sandbox, tests)
            return web.json_response(report)
        elected = leadership.elected
        report |= {
            "role": "leader" if elected else "standby",
            "term": leadership.epoch if elected else None,
            "heartbeat_age_s": round(leadership.heartbeat_age_s(), 1) if elected else None,
            "digest_ticks": self.digest.ticks if self.digest is not None else None,
        }
        if elected and not leadership.is_leader:
            # leading a term it cannot renew: the balancer should know before a standby does
            report["status"] = "leader heartbeat late"
            return web.json_response(report, status=503)
        return web.json_response(report)
