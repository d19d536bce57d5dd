"""Constants and small helpers shared by the tests."""

import asyncio
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
