"""/user: input of any length gets a short answer; Cyrillic search ignores case on any locale."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from bot.analytics.people import find_users
from bot.db.migrations import Migrator
from bot.telegram.core.formatting import QUOTE_CHARS
from tests.support import ADMIN_ID, with_database

PEOPLE = [
    (101, "ivan_p", "Иван"),
    (102, None, "ИВАННА"),
    (103, "vanya", "иваныч"),
    (104, "petr", "Пётр"),
    (105, "olga", "Ольга Ёлкина"),
]


async def add_people(connection: asyncpg.Connection | asyncpg.Pool) -> None:
    await connection.executemany(
        "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream)"
        " VALUES ($1, $2, $3, 1, '8th_stream')",
        PEOPLE,
    )


async def found(connection: Any, query: str) -> set[int]:
    return {user.user_id for user in await find_users(connection, query, 20)}


async def assert_case_is_ignored(connection: Any) -> None:
    for query in ("иван", "ИВАН", "Иван", "иВаН", "ива"):
        assert await found(connection, query) == {101, 102, 103}, query
    assert await found(connection, "пётр") == {104}
    assert await found(connection, "ёлкина") == {105}
    assert await found(connection, "ЁЛК") == {105}
    assert await found(connection, "IVAN_P") == {101}
    assert await found(connection, "Вася") == set()


async def test_cyrillic_search_ignores_case_on_the_test_database(pool: asyncpg.Pool) -> None:
    await add_people(pool)
    async with pool.acquire() as connection:
        await assert_case_is_ignored(connection)


@pytest.fixture
async def c_locale_db(server_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A migrated database whose LC_CTYPE is C, as the embedded server's cluster is."""
    name = f"hsl_c_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(
        f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"
        " LC_COLLATE 'C' LC_CTYPE 'C'"
    )
    connection = await asyncpg.connect(with_database(server_dsn, name))
    try:
        await Migrator(connection).upgrade()
        yield connection
    finally:
        await connection.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_cyrillic_search_ignores_case_on_a_c_locale_database(
    c_locale_db: asyncpg.Connection,
) -> None:
    # the trap: under the C locale, ILIKE folds Latin letters only
    assert await c_locale_db.fetchval("SELECT 'Иван' ILIKE 'иван'") is False
    await add_people(c_locale_db)
    await assert_case_is_ignored(c_locale_db)


async def test_user_in_lower_case_finds_the_capitalised_name_in_the_chat(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_people(pool)
    await standin.send_message(ADMIN_ID, "/user иван")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert reply.plain_text.startswith("Several users match (3)")


async def test_user_with_a_huge_query_quotes_one_short_line(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    query = "иван <b>& " * 400  # 4,000 characters, with HTML that must stay text
    await standin.send_message(ADMIN_ID, f"/user {query}")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert reply.plain_text.startswith("User “иван <b>& иван")
    assert reply.plain_text.endswith("…” not found.")
    assert "\n" not in reply.plain_text
    quoted = reply.plain_text.split("“", 1)[1].rsplit("”", 1)[0]
    assert len(quoted) == QUOTE_CHARS


async def test_user_with_a_multiline_query_quotes_it_on_one_line(
    standin: Any, bot_app: Any
) -> None:
    await standin.send_message(ADMIN_ID, "/user nobody\nat all")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert reply.plain_text == "User “nobody at all” not found."
