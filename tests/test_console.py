"""The console skeleton, end to end: the real bot polling the stand-in, a real database."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.support import ADMIN_ID


async def test_admin_start_shows_console(standin: Any, bot_app: Any) -> None:
    await standin.send_message(ADMIN_ID, "/start")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert "School admin console" in reply.plain_text


async def test_help_lists_commands(standin: Any, bot_app: Any) -> None:
    await standin.send_message(ADMIN_ID, "/help")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert "/cancel" in reply.plain_text


async def test_non_admin_command_is_audited(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    stranger = standin.create_user(424242, first_name="Stranger")
    await standin.send_message(stranger.user_id, "/help")
    reply = await standin.wait_for_message(stranger.user_id)
    assert reply.plain_text == "This bot doesn't take messages."
    row = await pool.fetchrow("SELECT admin_id, action FROM audit_log")
    assert row is not None and row["admin_id"] == 424242
