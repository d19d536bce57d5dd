"""Constants and small helpers shared by the tests."""

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

CONSOLE_TOKEN = "1000001:console-secret"
ADMIN_ID = 700001
SECOND_ADMIN_ID = 700002


def bot_env(db_dsn: str, api_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of an `hsl-bot` process on this test's database and stand-in.

    Every variable Settings reads is set here or removed, so the developer's own environment
    (a DATABASE_URL, a REDIS_URL…) never leaks into the process under test.
    """
    from bot.config import Settings

    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        BOT_TOKEN=CONSOLE_TOKEN,
        ADMIN_IDS=f"{ADMIN_ID},{SECOND_ADMIN_ID}",
        DATABASE_URL=db_dsn,
        TELEGRAM_API_URL=api_url,
        DATA_DIR=str(data_dir),
        LANGUAGE="en",
        DIGEST_TIME="",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def with_database(dsn: str, database: str) -> str:
    """The same server's DSN, pointing at another database."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{database}"))


async def until_leading(*apps: Any) -> Any:
    """Wait until one of these running apps leads (leader work is fenced by its term)."""
    for _ in range(400):
        for app in apps:
            if app.leadership.is_leader:
                return app
        await asyncio.sleep(0.025)
    raise AssertionError("no instance became leader")


async def add_broadcast(
    pool: asyncpg.Pool,
    text: str,
    status: str,
    recipients: list[tuple[int, str, str | None]],
    *,
    ago: timedelta = timedelta(0),
) -> int:
    """A broadcast as the engine leaves it: (user, delivery_status, failure_reason) each;
    successful_deliveries counts the 'sent' ones (SPEC §6). Started ``ago`` before now (after
    every one added earlier); a scheduled one has not started and is due in a day."""
    sent = sum(1 for _, delivery, _ in recipients if delivery == "sent")
    started = None if status == "scheduled" else datetime.now(UTC) - ago
    message_id: int = await pool.fetchval(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at, started_at, finished_at, status, recipient_type)"
        " VALUES ($1, $2, $3, coalesce($5, now() + interval '1 day'), $5,"
        " CASE WHEN $4 IN ('cancelled', 'done', 'deleted') THEN now() END, $4, 'group')"
        " RETURNING id",
        text,
        len(recipients),
        sent,
        status,
        started,
    )
    await pool.executemany(
        "INSERT INTO message_recipients (message_id, user_id, delivery_status, failure_reason,"
        " settled_at) VALUES ($1, $2, $3, $4, CASE WHEN $3 <> 'pending' THEN now() END)",
        [(message_id, user, delivery, reason) for user, delivery, reason in recipients],
    )
    return message_id
