"""Migrations: build an empty database, adopt a school's existing one without losing a row, refuse
edited files, run safely twice at once, and roll back to exactly what was there before."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.db.migrations import MIGRATIONS_DIR, MigrationError, Migrator, load_migrations

VERSIONS = [m.version for m in load_migrations()]
HSL_TABLES = {"message_history", "message_recipients", "users", "blocked_users", "audit_log"}
SCHOOL_TABLES = ("bookings", "events", "free_lesson_registrations")
SEEN_AT = {
    "bookings": "created_at",
    "events": "created_at",
    "free_lesson_registrations": ("registered_at"),
}

# The course bot's tables as a real school database has them (no lesson_date yet).
SCHOOL_DDL = """
CREATE TABLE bookings (
    id SERIAL PRIMARY KEY, user_id BIGINT NOT NULL, username TEXT, first_name TEXT,
    course_id INTEGER, confirmed INTEGER DEFAULT 0,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP, referral_code TEXT,
    discount_percent INTEGER DEFAULT 0, course_stream VARCHAR(50) DEFAULT '4th_stream');
CREATE TABLE events (
    id SERIAL PRIMARY KEY, user_id BIGINT NOT NULL, event_type VARCHAR(50) NOT NULL,
    details JSONB, created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP, username TEXT,
    first_name TEXT);
CREATE TABLE free_lesson_registrations (
    id SERIAL PRIMARY KEY, user_id BIGINT NOT NULL, username TEXT, first_name TEXT,
    email TEXT NOT NULL, registered_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    notification_sent BOOLEAN DEFAULT FALSE, lesson_type VARCHAR(50) DEFAULT 'cursor_lesson',
    UNIQUE (user_id, lesson_type));
"""

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


async def fill_school(connection: asyncpg.Connection) -> None:
    """A few users across the three tables: Cyrillic names, NULLs, one user in all three."""
    await connection.executemany(
        "INSERT INTO bookings (user_id, username, first_name, course_id, confirmed, created_at,"
        " referral_code, discount_percent, course_stream) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
        [
            (101, "anna", "Анна", 1, 2, at(1), "ДРУГ10", 10, "4th_stream"),
            (101, None, "Анна", 2, -1, at(5), None, 0, "mentoring"),
            (102, "boris", "Борис Ёлкин", 1, 0, at(3), None, None, None),
            (103, None, None, None, 1, None, None, 0, "3rd_stream"),
            (9007199254740993, "big", "Большой", 2, 1, at(2.5), None, 0, "8th_stream"),
        ],
    )
    # One row keeps every default, as the course bot writes most rows.
    await connection.execute("INSERT INTO bookings (user_id) VALUES (106)")
    await connection.executemany(
        "INSERT INTO events (user_id, event_type, details, created_at, username, first_name)"
        " VALUES ($1, $2, $3::jsonb, $4, $5, $6)",
        [
            (101, "start_command", None, at(0), "anna", "Анна"),
            (101, "view_program", json.dumps({"course_id": 1}), at(2), None, None),
            (
                102,
                "booking_created",
                json.dumps({"note": "ёж", "n": [1, None]}),
                at(2.9),
                None,
                "Борис",
            ),
            (104, "start_command", None, at(7), None, None),
            (103, "unknown_callback", json.dumps({}), None, None, None),
        ],
    )
    await connection.executemany(
        "INSERT INTO free_lesson_registrations (user_id, username, first_name, email,"
        " registered_at, notification_sent, lesson_type) VALUES ($1,$2,$3,$4,$5,$6,$7)",
        [
            (101, "anna", "Анна", "anna@example.com", at(-1), False, "cursor_lesson"),
            (101, "anna", "Анна", "anna@example.com", at(20), True, "claude_code_lesson"),
            (105, None, "Ёлка", "ёлка@пример.рф", at(10), None, "vibecoding_lesson"),
        ],
    )


async def snapshot_rows(connection: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for table in SCHOOL_TABLES:
        records = await connection.fetch(f"SELECT * FROM {table} ORDER BY id")
        rows[table] = [dict(record) for record in records]
    return rows


def expected_windows(
    rows: dict[str, list[dict[str, Any]]],
) -> dict[int, tuple[datetime, datetime]]:
    """Each user's first and last appearance over the three tables, recomputed in Python."""
    seen: dict[int, list[datetime]] = {}
    for table, column in SEEN_AT.items():
        for row in rows[table]:
            if row[column] is not None:
                seen.setdefault(row["user_id"], []).append(row[column])
    return {user: (min(times), max(times)) for user, times in seen.items()}


async def user_windows(connection: asyncpg.Connection) -> dict[int, tuple[datetime, datetime]]:
    records = await connection.fetch("SELECT user_id, first_seen_at, last_seen_at FROM users")
    return {r["user_id"]: (r["first_seen_at"], r["last_seen_at"]) for r in records}


async def public_tables(connection: asyncpg.Connection) -> set[str]:
    records = await connection.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {r["table_name"] for r in records}


# Column order is left out on purpose: a column dropped and added again by a down and up of
# a later migration lands at the end of its table; that changes no behaviour.
SNAPSHOT_QUERIES = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable,
               column_default, character_maximum_length
        FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' ORDER BY 1, 2""",
    "constraints": """
        SELECT conrelid::regclass::text AS owner, conname, pg_get_constraintdef(oid) AS def
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "triggers": """
        SELECT tgrelid::regclass::text AS owner, tgname, pg_get_triggerdef(oid) AS def
        FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2""",
    "routines": """
        SELECT routine_name, routine_definition FROM information_schema.routines
        WHERE routine_schema = 'public' ORDER BY 1, 2""",
}


async def schema_snapshot(connection: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        kind: [tuple(r) for r in await connection.fetch(query)]
        for kind, query in SNAPSHOT_QUERIES.items()
    }


@pytest.fixture
async def empty_db(empty_db_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(empty_db_dsn)
    yield connection
    await connection.close()


@pytest.fixture
async def school_db(empty_db: asyncpg.Connection) -> asyncpg.Connection:
    """An existing school database: the course bot's three tables with data, nothing else."""
    await empty_db.execute(SCHOOL_DDL)
    await fill_school(empty_db)
    return empty_db


# -- building and refusing ----------------------------------------------------------------


async def test_fresh_database_upgrades_to_all_applied(empty_db: asyncpg.Connection) -> None:
    migrator = Migrator(empty_db)
    assert not any(state.applied for state in await migrator.status())
    assert [m.version for m in await migrator.upgrade()] == VERSIONS
    states = await migrator.status()
    assert [s.version for s in states] == VERSIONS
    assert all(s.applied for s in states)
    assert await migrator.upgrade() == []
    assert HSL_TABLES | set(SCHOOL_TABLES) <= await public_tables(empty_db)


async def test_status_of_a_never_migrated_database_changes_nothing(
    empty_db: asyncpg.Connection,
) -> None:
    states = await Migrator(empty_db).status()
    assert [s.version for s in states] == VERSIONS
    assert not any(s.applied for s in states)
    assert await public_tables(empty_db) == set()


async def test_edited_applied_migration_is_refused_naming_the_file(
    empty_db: asyncpg.Connection, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory)
    await Migrator(empty_db, directory=directory).upgrade()
    edited = directory / "0002_messaging.sql"
    edited.write_text(edited.read_text() + "\n-- a harmless-looking edit\n")

    with pytest.raises(MigrationError, match="0002_messaging"):
        await Migrator(empty_db, directory=directory).upgrade()
    with pytest.raises(MigrationError, match="0002_messaging"):
        await Migrator(empty_db, directory=directory).downgrade(to=0)
    assert {"message_history", "message_recipients"} <= await public_tables(empty_db)


async def test_concurrent_upgrades_apply_each_migration_exactly_once(empty_db_dsn: str) -> None:
    connections = [await asyncpg.connect(empty_db_dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(Migrator(c).upgrade() for c in connections))
        applied = sorted(m.version for result in results for m in result)
        assert applied == VERSIONS
        rows = await connections[0].fetch("SELECT version FROM schema_migrations")
        assert sorted(r["version"] for r in rows) == VERSIONS
    finally:
        for connection in connections:
            await connection.close()


async def test_upgrade_to_2_stops_there_then_upgrade_applies_the_rest(
    empty_db: asyncpg.Connection,
) -> None:
    migrator = Migrator(empty_db)
    assert [m.version for m in await migrator.upgrade(to=2)] == [1, 2]
    assert [s.version for s in await migrator.status() if s.applied] == [1, 2]
    assert "users" not in await public_tables(empty_db)
    assert [m.version for m in await migrator.upgrade()] == VERSIONS[2:]
    assert all(s.applied for s in await migrator.status())


async def test_each_downgrade_then_upgrade_restores_the_same_schema(
    empty_db: asyncpg.Connection,
) -> None:
    migrator = Migrator(empty_db)
    await migrator.upgrade()
    full = await schema_snapshot(empty_db)
    for version in reversed([0, *VERSIONS[:-1]]):
        await migrator.downgrade(to=version)
        applied = [s.version for s in await migrator.status() if s.applied]
        assert applied == [v for v in VERSIONS if v <= version]
        await migrator.upgrade()
        assert await schema_snapshot(empty_db) == full, f"down to {version} and back up"


async def test_downgrade_to_0_on_an_empty_database_leaves_only_school_tables(
    empty_db: asyncpg.Connection,
) -> None:
    migrator = Migrator(empty_db)
    await migrator.upgrade()
    await migrator.downgrade(to=0)
    assert await public_tables(empty_db) == {*SCHOOL_TABLES, "schema_migrations"}
    triggers = await empty_db.fetchval("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")
    assert triggers == 0


# -- adopting a school's database ---------------------------------------------------------


async def test_adopting_a_school_database_keeps_every_row_and_backfills_users(
    school_db: asyncpg.Connection,
) -> None:
    before = await snapshot_rows(school_db)
    migrator = Migrator(school_db)
    await migrator.upgrade()

    after = await snapshot_rows(school_db)
    for table in SCHOOL_TABLES:
        assert [
            {k: row[k] for k in old} for row, old in zip(after[table], before[table], strict=True)
        ] == before[table]
    assert all(row["lesson_date"] is None for row in after["free_lesson_registrations"])

    windows = expected_windows(before)
    assert windows[101] == (at(-1), at(20))
    assert 103 not in windows  # only rows without a timestamp
    assert await user_windows(school_db) == windows
    names = await school_db.fetch("SELECT user_id, first_name FROM users ORDER BY user_id")
    assert {r["user_id"]: r["first_name"] for r in names}[105] == "Ёлка"

    await migrator.downgrade(to=0)
    tables = await public_tables(school_db)
    assert not tables & HSL_TABLES
    assert await snapshot_rows(school_db) == after


async def test_adopting_keeps_the_schools_own_columns_and_indexes_through_downgrade(
    school_db: asyncpg.Connection,
) -> None:
    await school_db.execute(
        "ALTER TABLE bookings ADD COLUMN phone TEXT;"
        "CREATE INDEX idx_events_user_id ON events (user_id);"
        "CREATE INDEX idx_bookings_created_at ON bookings (created_at);"
    )
    school = await schema_snapshot(school_db)
    migrator = Migrator(school_db)
    await migrator.upgrade()
    await migrator.downgrade(to=0)
    now = await schema_snapshot(school_db)
    # Only what adoption adds for good may differ: lesson_date and the migrations record.
    for kind in ("indexes", "constraints", "triggers", "routines"):
        assert [r for r in now[kind] if "schema_migrations" not in r[0]] == school[kind], kind
    columns = [r for r in now["columns"] if r[0] != "schema_migrations" and r[1] != "lesson_date"]
    assert columns == school["columns"]


async def test_users_follow_inserts_updates_and_deletes_in_school_tables(
    school_db: asyncpg.Connection,
) -> None:
    await Migrator(school_db).upgrade()
    await school_db.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES (101, 'start_command', $1),"
        " (201, 'start_command', $2)",
        at(-5),
        at(30),
    )
    await school_db.execute("UPDATE bookings SET created_at = $1 WHERE user_id = 102", at(40))
    await school_db.execute("UPDATE events SET user_id = 202 WHERE user_id = 104")
    await school_db.execute("DELETE FROM free_lesson_registrations WHERE user_id = 105")
    await school_db.execute("UPDATE bookings SET created_at = $1 WHERE user_id = 103", at(3))
    assert await user_windows(school_db) == expected_windows(await snapshot_rows(school_db))
    assert 105 not in await user_windows(school_db)


_TABLE = st.sampled_from(SCHOOL_TABLES)
_USER = st.integers(min_value=1, max_value=4)
_WHEN = st.one_of(st.none(), st.integers(min_value=0, max_value=500).map(lambda h: at(h / 24)))
_OPERATION = st.one_of(
    st.tuples(st.just("insert"), _TABLE, _USER, _WHEN),
    st.tuples(st.just("move"), _TABLE, st.integers(0, 20), _WHEN),
    st.tuples(st.just("reassign"), _TABLE, st.integers(0, 20), _USER),
    st.tuples(st.just("delete"), _TABLE, st.integers(0, 20), st.none()),
)


async def _apply_and_compare(dsn: str, operations: list[tuple[Any, ...]]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "TRUNCATE bookings, events, free_lesson_registrations, users RESTART IDENTITY"
        )
        for number, (kind, table, target, value) in enumerate(operations):
            column = SEEN_AT[table]
            if kind == "insert":
                if table == "bookings":
                    await connection.execute(
                        "INSERT INTO bookings (user_id, created_at) VALUES ($1, $2)", target, value
                    )
                elif table == "events":
                    await connection.execute(
                        "INSERT INTO events (user_id, event_type, created_at)"
                        " VALUES ($1, 'start_command', $2)",
                        target,
                        value,
                    )
                else:
                    await connection.execute(
                        "INSERT INTO free_lesson_registrations (user_id, email, registered_at)"
                        " VALUES ($1, $2, $3)",
                        target,
                        f"{number}@example.com",
                        value,
                    )
                continue
            ids = [r["id"] for r in await connection.fetch(f"SELECT id FROM {table} ORDER BY id")]
            if not ids:
                continue
            row_id = ids[target % len(ids)]
            if kind == "move":
                await connection.execute(
                    f"UPDATE {table} SET {column} = $1 WHERE id = $2", value, row_id
                )
            elif kind == "reassign":
                await connection.execute(
                    f"UPDATE {table} SET user_id = $1 WHERE id = $2", value, row_id
                )
            else:
                await connection.execute(f"DELETE FROM {table} WHERE id = $1", row_id)
        expected = expected_windows(await snapshot_rows(connection))
        assert await user_windows(connection) == expected, operations
    finally:
        await connection.close()


async def test_users_window_always_equals_a_recomputation(db_dsn: str) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(_OPERATION, max_size=15))
    def check(operations: list[tuple[Any, ...]]) -> None:
        asyncio.run(_apply_and_compare(db_dsn, operations))

    # Hypothesis drives a synchronous function; give it a thread with an event loop of its own.
    await asyncio.to_thread(check)


# -- the messaging schema, read back from the catalog -------------------------------------

NEXTVAL = re.compile(r"^nextval\('(public\.)?(?P<table>\w+)_id_seq'::regclass\)$")


async def columns_of(connection: asyncpg.Connection, table: str) -> dict[str, dict[str, Any]]:
    records = await connection.fetch(
        "SELECT column_name, data_type, is_nullable, column_default, character_maximum_length"
        " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
        table,
    )
    return {r["column_name"]: dict(r) for r in records}


def assert_column(
    columns: dict[str, dict[str, Any]],
    name: str,
    data_type: str,
    *,
    nullable: bool,
    default: str | None = None,
) -> None:
    column = columns[name]
    assert column["data_type"] == data_type, name
    assert (column["is_nullable"] == "YES") is nullable, name
    if default is None:
        assert column["column_default"] is None, name
    elif default == "serial":
        assert NEXTVAL.match(column["column_default"] or ""), name
    else:
        assert column["column_default"] == default, name


async def test_messaging_schema_equals_the_spec(db_dsn: str) -> None:
    connection = await asyncpg.connect(db_dsn)
    try:
        history = await columns_of(connection, "message_history")
        assert_column(history, "id", "integer", nullable=False, default="serial")
        assert_column(history, "message_text", "text", nullable=False)
        assert_column(history, "total_recipients", "integer", nullable=False, default="0")
        assert_column(history, "successful_deliveries", "integer", nullable=True, default="0")
        for name in ("sent_at", "created_at"):
            assert_column(
                history, name, "timestamp with time zone", nullable=True, default="now()"
            )
        for name in ("recipient_type", "recipient_group"):
            assert_column(history, name, "character varying", nullable=True)
            assert history[name]["character_maximum_length"] is None
        assert_column(history, "scheduled_at", "timestamp with time zone", nullable=True)

        recipients = await columns_of(connection, "message_recipients")
        assert_column(recipients, "id", "integer", nullable=False, default="serial")
        assert_column(recipients, "message_id", "integer", nullable=False)
        assert_column(recipients, "user_id", "bigint", nullable=False)
        assert_column(recipients, "username", "text", nullable=True)
        assert_column(
            recipients, "delivery_status", "text", nullable=True, default="'pending'::text"
        )
        assert_column(recipients, "telegram_message_id", "integer", nullable=True)
        assert_column(
            recipients, "created_at", "timestamp with time zone", nullable=True, default="now()"
        )

        constraints = {
            (r["owner"], r["contype"]): r["def"]
            for r in await connection.fetch(
                "SELECT conrelid::regclass::text AS owner, contype::text AS contype,"
                " pg_get_constraintdef(oid) AS def FROM pg_constraint"
                " WHERE conrelid IN ('message_history'::regclass,"
                " 'message_recipients'::regclass) AND contype IN ('p', 'f')"
            )
        }
        assert constraints[("message_history", "p")] == "PRIMARY KEY (id)"
        assert constraints[("message_recipients", "p")] == "PRIMARY KEY (id)"
        assert constraints[("message_recipients", "f")] == (
            "FOREIGN KEY (message_id) REFERENCES message_history(id) ON DELETE CASCADE"
        )

        indexes = {
            r["indexname"]: r["indexdef"]
            for r in await connection.fetch(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = 'public' AND tablename = 'message_recipients'"
            )
        }
        expected = {
            "idx_message_recipients_message_id": "(message_id)",
            "idx_message_recipients_status": "(message_id, delivery_status)",
            "idx_message_recipients_user_id": "(user_id)",
        }
        for name, key in expected.items():
            assert indexes[name].endswith(f"USING btree {key}"), indexes[name]
    finally:
        await connection.close()


# -- the command line ---------------------------------------------------------------------


def hsl_bot(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": dsn}
    return subprocess.run(
        [sys.executable, "-m", "bot", "db", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def status_labels(dsn: str) -> list[str]:
    result = hsl_bot(dsn, "status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [int(line.split()[1]) for line in lines] == VERSIONS
    return [line.split()[0] for line in lines]


async def test_cli_upgrade_status_and_downgrade(empty_db_dsn: str) -> None:
    assert await asyncio.to_thread(status_labels, empty_db_dsn) == ["pending"] * len(VERSIONS)

    upgrade = await asyncio.to_thread(hsl_bot, empty_db_dsn, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    assert len(upgrade.stdout.splitlines()) == len(VERSIONS)
    assert await asyncio.to_thread(status_labels, empty_db_dsn) == ["applied"] * len(VERSIONS)

    downgrade = await asyncio.to_thread(hsl_bot, empty_db_dsn, "downgrade", "--to", "0")
    assert downgrade.returncode == 0, downgrade.stderr
    assert await asyncio.to_thread(status_labels, empty_db_dsn) == ["pending"] * len(VERSIONS)
    connection = await asyncpg.connect(empty_db_dsn)
    try:
        assert not await public_tables(connection) & HSL_TABLES
    finally:
        await connection.close()


async def test_cli_refuses_an_edited_migration_with_one_line(db_dsn: str) -> None:
    connection = await asyncpg.connect(db_dsn)
    await connection.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 2")
    await connection.close()
    result = await asyncio.to_thread(hsl_bot, db_dsn, "upgrade")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "0002_messaging" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
