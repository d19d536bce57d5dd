"""Numbered plain-SQL migrations in sql/migrations: apply, roll back, report.

Each file ``NNNN_name.sql`` holds an up part after ``-- migrate:up`` and a down part after
``-- migrate:down``. Each is applied in its own transaction and recorded in
``schema_migrations`` with the file's checksum; an applied file that changed is refused. A
session-level advisory lock serialises concurrent runners, so two processes upgrading at once
apply each migration exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from importlib.resources.abc import Traversable

import asyncpg

from bot.db.paths import SQL_DIR, sql_files
from bot.db.queries import QUERIES

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = SQL_DIR / "migrations"
# An arbitrary constant: "hsl-bot migrations" as a 63-bit number.
ADVISORY_LOCK_KEY = 0x6873_6C62_6F74_01
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_UP = "-- migrate:up"
_DOWN = "-- migrate:down"


class MigrationError(Exception):
    """A migration problem worth one clear line to the operator."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: str
    down: str
    checksum: str


@dataclass(frozen=True)
class MigrationState:
    version: int
    name: str
    applied_at: datetime | None

    @property
    def applied(self) -> bool:
        return self.applied_at is not None


def load_migrations(directory: Traversable = MIGRATIONS_DIR) -> list[Migration]:
    """Read every migration file, in version order."""
    migrations = []
    for path in sql_files(directory):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: expected NNNN_name.sql")
        text = path.read_text(encoding="utf-8")
        if _UP not in text or _DOWN not in text:
            raise MigrationError(f"{path.name}: needs '{_UP}' and '{_DOWN}' sections")
        up = text.split(_UP, 1)[1].split(_DOWN, 1)[0]
        down = text.split(_DOWN, 1)[1]
        migrations.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                up=up,
                down=down,
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return migrations


class Migrator:
    """Apply and roll back migrations on one connection."""

    def __init__(self, connection: asyncpg.Connection, directory: Traversable = MIGRATIONS_DIR):
        self.connection = connection
        self.migrations = load_migrations(directory)

    async def upgrade(self, to: int | None = None) -> list[Migration]:
        """Apply pending migrations up to ``to`` (all by default); return those applied."""
        async with self._locked():
            applied = await self._verified_applied()
            done = []
            for migration in self.migrations:
                if migration.version in applied or (to is not None and migration.version > to):
                    continue
                async with self.connection.transaction():
                    await self.connection.execute(migration.up)
                    await self.connection.execute(
                        *QUERIES.record_migration(
                            version=migration.version,
                            name=migration.name,
                            checksum=migration.checksum,
                        )
                    )
                logger.info("applied migration %04d_%s", migration.version, migration.name)
                done.append(migration)
            return done

    async def downgrade(self, to: int) -> list[Migration]:
        """Roll back applied migrations above version ``to``, newest first."""
        async with self._locked():
            applied = await self._verified_applied()
            done = []
            for migration in reversed(self.migrations):
                if migration.version <= to or migration.version not in applied:
                    continue
                async with self.connection.transaction():
                    await self.connection.execute(migration.down)
                    await self.connection.execute(
                        *QUERIES.forget_migration(version=migration.version)
                    )
                logger.info("rolled back migration %04d_%s", migration.version, migration.name)
                done.append(migration)
            return done

    async def status(self) -> list[MigrationState]:
        """Every known migration with when it was applied (None when pending)."""
        # Read-only: a status check must work on a database it may not write to.
        rows = []
        if await self.connection.fetchval(*QUERIES.migrations_table_exists()):
            rows = await self.connection.fetch(*QUERIES.applied_migrations())
        applied_at = {row["version"]: row["applied_at"] for row in rows}
        return [
            MigrationState(m.version, m.name, applied_at.get(m.version)) for m in self.migrations
        ]

    async def _verified_applied(self) -> set[int]:
        await self.connection.execute(*QUERIES.create_schema_migrations())
        rows = await self.connection.fetch(*QUERIES.applied_migrations())
        known = {m.version: m for m in self.migrations}
        for row in rows:
            migration = known.get(row["version"])
            if migration is not None and migration.checksum != row["checksum"]:
                raise MigrationError(
                    f"migration {row['version']:04d}_{row['name']} was edited after it was "
                    "applied (checksum differs): add a new migration instead"
                )
        return {row["version"] for row in rows}

    def _locked(self) -> _AdvisoryLock:
        return _AdvisoryLock(self.connection)


class _AdvisoryLock:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def __aenter__(self) -> None:
        await self.connection.execute(*QUERIES.lock_migrations(key=ADVISORY_LOCK_KEY))

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.execute(*QUERIES.unlock_migrations(key=ADVISORY_LOCK_KEY))
