"""Open the asyncpg pool: DATABASE_URL, or the embedded server in DATA_DIR."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from bot.config import safe_dsn_host
from bot.db.embedded import EmbeddedPostgres

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0


class DatabaseUnavailable(Exception):
    """The database could not be reached; the message is one line without secrets."""


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", encoder=_json_dumps, decoder=_json_loads, schema="pg_catalog"
    )
    await connection.set_type_codec(
        "json", encoder=_json_dumps, decoder=_json_loads, schema="pg_catalog"
    )


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_loads(value: str) -> object:
    return json.loads(value)


SERVER_SETTINGS = {
    # Console queries are short; JIT compilation only adds 20-50 ms to them.
    "jit": "off",
    # A peer that is gone (a crashed machine, a cut network) is noticed in seconds, not after
    # Linux's two hours: its session ends and the leader lock with it (see bot/leadership.py).
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "10000",  # ms: data unacknowledged this long ends the connection
}


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Connect with a timeout, so a slow or unreachable server fails fast and clearly."""
    try:
        pool = await asyncio.wait_for(
            asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                timeout=CONNECT_TIMEOUT_S,
                init=_init_connection,
                command_timeout=120,
                server_settings=SERVER_SETTINGS,
            ),
            timeout=CONNECT_TIMEOUT_S + 2,
        )
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = type(exc).__name__ if isinstance(exc, TimeoutError) else str(exc).splitlines()[0]
        raise DatabaseUnavailable(
            f"DATABASE_URL: cannot connect to PostgreSQL at {safe_dsn_host(dsn)}: "
            f"{reason or type(exc).__name__}"
        ) from None
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def database_dsn(dsn: str | None, data_dir: Path) -> AsyncIterator[str]:
    """Yield a DSN: the configured one, or an embedded server's kept for the duration."""
    if dsn:
        yield dsn
        return
    server = EmbeddedPostgres(data_dir)
    running = await asyncio.to_thread(server.start)
    try:
        yield running.dsn()
    finally:
        await asyncio.to_thread(server.stop)


@contextlib.asynccontextmanager
async def open_pool(
    dsn: str | None, data_dir: Path, *, max_size: int = 10
) -> AsyncIterator[asyncpg.Pool]:
    """Open a pool on the configured or embedded database, and close it (and the server)."""
    async with database_dsn(dsn, data_dir) as real_dsn:
        pool = await create_pool(real_dsn, max_size=max_size)
        try:
            yield pool
        finally:
            await pool.close()
