"""Shared fixtures: a real PostgreSQL (TEST_DATABASE_URL, else one embedded server) and a
fresh database per test, cloned from a migrated template (~50 ms each)."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.db.embedded import EmbeddedPostgres
from bot.db.migrations import Migrator
from bot.db.pool import create_pool
from tests.support import with_database

_counter = itertools.count()


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """A DSN for a maintenance database on a real server."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    data_dir = Path(tempfile.mkdtemp(prefix="hsl-test-pg-"))
    # mkdtemp makes a 0700 folder; as root the server runs as another user who must enter it.
    data_dir.chmod(0o755)
    server = EmbeddedPostgres(data_dir, port=55432)
    running = server.start()
    try:
        yield running.dsn("postgres")
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def template_database(server_dsn: str) -> AsyncIterator[str]:
    """A database with every migration applied, cloned for each test."""
    name = f"hsl_template_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    connection = await asyncpg.connect(with_database(server_dsn, name))
    await Migrator(connection).upgrade()
    await connection.close()
    try:
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _fresh_database(server_dsn: str, template: str | None) -> tuple[str, str]:
    name = f"hsl_test_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(server_dsn)
    try:
        if template:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, with_database(server_dsn, name)


async def _drop_database(server_dsn: str, name: str) -> None:
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db_dsn(server_dsn: str, template_database: str) -> AsyncIterator[str]:
    """A migrated database of this test's own."""
    name, dsn = await _fresh_database(server_dsn, template_database)
    yield dsn
    await _drop_database(server_dsn, name)


@pytest.fixture
async def empty_db_dsn(server_dsn: str) -> AsyncIterator[str]:
    """An empty database of this test's own (for migration tests)."""
    name, dsn = await _fresh_database(server_dsn, None)
    yield dsn
    await _drop_database(server_dsn, name)


@pytest.fixture
async def pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(db_dsn, max_size=5)
    yield pool
    await pool.close()


# --- end-to-end: the real bot polling the stand-in over HTTP --------------------------------

from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID, until_leading  # noqa: E402


@pytest.fixture
async def standin() -> AsyncIterator[Any]:
    from bot.sandbox.standin import StandIn

    stand_in = StandIn(rate_limit=None, chat_burst=None)
    await stand_in.start()
    stand_in.add_bot(CONSOLE_TOKEN, "hsl_console_bot")
    for admin in (ADMIN_ID, SECOND_ADMIN_ID):
        stand_in.create_user(admin, first_name="Admin", username=f"admin{admin}")
    yield stand_in
    await stand_in.stop()


@pytest.fixture
def make_settings(db_dsn: str, standin: Any, tmp_path: Path) -> Any:
    """Settings for a bot on this test's database, talking to the stand-in."""
    from bot.config import load_settings

    def make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "bot_token": CONSOLE_TOKEN,
            "admin_ids": f"{ADMIN_ID},{SECOND_ADMIN_ID}",
            "database_url": db_dsn,
            "telegram_api_url": standin.url,
            "data_dir": tmp_path,
            "language": "en",
            "timezone": "Europe/Moscow",
            "digest_time": "",
            "redis_url": "",
            "broadcast_bot_token": "",
            "webhook_url": "",
        }
        values.update(overrides)
        return load_settings(**values)

    return make


@pytest.fixture
async def bot_app(make_settings: Any, pool: asyncpg.Pool) -> AsyncIterator[Any]:
    """The bot running in this loop, polling the stand-in (English texts)."""
    from bot.app import running

    async with running(make_settings(), pool) as app:
        await until_leading(app)
        yield app
