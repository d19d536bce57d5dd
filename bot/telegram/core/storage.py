"""aiogram FSM storage in PostgreSQL, so flows survive restarts and span instances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from bot.db.queries import QUERIES


class PostgresStorage(BaseStorage):
    """One row per conversation key in ``fsm_state``."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self.pool.execute(
            *QUERIES.fsm_set_state(key=self.key_builder.build(key), state=value)
        )

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self.pool.fetchrow(*QUERIES.fsm_get(key=self.key_builder.build(key)))
        return None if row is None else row["state"]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.pool.execute(
            *QUERIES.fsm_set_data(key=self.key_builder.build(key), data=dict(data))
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.pool.fetchrow(*QUERIES.fsm_get(key=self.key_builder.build(key)))
        return {} if row is None else dict(row["data"])

    async def close(self) -> None:
        """The pool belongs to the app, which closes it."""
