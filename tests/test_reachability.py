"""Broadcasts in the real Telegram: the bot the students use, who each bot can reach, and the
failures Telegram really produces (SPEC §6)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from bot.app import running
from tests.support import ADMIN_ID, CONSOLE_TOKEN
from tests.test_broadcast_support import statuses, wait_finished

COURSE_TOKEN = "2000002:course-bot-secret-token-for-the-tests-only"
COURSE_BOT_ID = 2000002
CONSOLE_BOT_ID = int(CONSOLE_TOKEN.split(":")[0])


async def add_school_user(pool: asyncpg.Pool, user_id: int) -> None:
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES ($1, 'start_command', now())",
        user_id,
    )


async def say(standin: Any, text: str, fragment: str) -> Any:
    """The admin writes to the console bot; the reply containing ``fragment``."""
    await standin.send_message(ADMIN_ID, text, token=CONSOLE_TOKEN)
    return await reply(standin, fragment)


async def reply(standin: Any, fragment: str, timeout: float = 10.0) -> Any:
    return await standin.wait_for_message(
        ADMIN_ID,
        token=CONSOLE_TOKEN,
        timeout=timeout,
        predicate=lambda m: fragment in m.shown_text,
    )


async def press(standin: Any, message: Any, label: str) -> str:
    data = next(str(d) for row in message.buttons for t, d in row if label in t)
    return await standin.press_button(ADMIN_ID, message.message_id, data, token=CONSOLE_TOKEN)


async def broadcast_to_everyone(standin: Any, text: str) -> tuple[Any, int]:
    """/broadcast → Everyone → text → no buttons → Send now; (audience summary, id)."""
    menu = await say(standin, "/broadcast", "Who should get it?")
    await press(standin, menu, "Everyone")
    summary = await reply(standin, "Recipients:")
    await standin.send_message(ADMIN_ID, text, token=CONSOLE_TOKEN)
    await press(standin, await reply(standin, "Add URL buttons?"), "No buttons")
    await press(standin, await reply(standin, "Preview"), "Send now")
    started = await reply(standin, "started:")
    return summary, int(started.shown_text.split("#")[1].split(" ")[0])


def copies(standin: Any, user_id: int, text: str, token: str) -> int:
    return sum(1 for m in standin.transcript(user_id, token=token) if m.shown_text == text)


async def unreachable_rows(pool: asyncpg.Pool) -> dict[tuple[int, int], str]:
    rows = await pool.fetch("SELECT bot_id, user_id, reason FROM blocked_users")
    return {(r["bot_id"], r["user_id"]): r["reason"] for r in rows}


@pytest.fixture
async def course_bot(standin: Any) -> str:
    standin.add_bot(COURSE_TOKEN, "school_course_bot")
    return COURSE_TOKEN


@pytest.fixture
async def two_bots(
    standin: Any, course_bot: str, make_settings: Any, pool: asyncpg.Pool
) -> AsyncIterator[Any]:
    async with running(make_settings(broadcast_bot_token=course_bot), pool) as app:
        yield app


# the school as a new school deploys it ----------------------------------------------------


async def test_with_the_course_bot_everyone_who_started_it_gets_it_once(
    standin: Any, two_bots: Any, pool: asyncpg.Pool
) -> None:
    """Half the school never opened the console bot, some blocked the course bot, one deleted
    the account: every student who started the course bot gets it once, and nobody is marked
    blocked wrongly."""
    reachable = list(range(710001, 710021))
    blocked, deleted = [710031, 710032], 710041
    for user_id in [*reachable, *blocked, deleted]:
        await add_school_user(pool, user_id)
    for n, user_id in enumerate(reachable):
        # half of them never pressed Start in the console bot
        started = [COURSE_TOKEN] if n % 2 else [COURSE_TOKEN, CONSOLE_TOKEN]
        standin.create_user(user_id, started=False, started_bots=started)
    for user_id in blocked:
        standin.create_user(user_id, blocked_bots=[COURSE_TOKEN])
    standin.create_user(deleted, deactivated=True)

    _, bid = await broadcast_to_everyone(standin, "Through the course bot")
    await wait_finished(pool, bid, timeout=30)

    for user_id in reachable:
        assert copies(standin, user_id, "Through the course bot", COURSE_TOKEN) == 1
        assert copies(standin, user_id, "Through the course bot", CONSOLE_TOKEN) == 0
    outcome = await statuses(pool, bid)
    assert {u for u, (s, _) in outcome.items() if s == "sent"} == set(reachable)
    assert await unreachable_rows(pool) == {
        (COURSE_BOT_ID, blocked[0]): "blocked",
        (COURSE_BOT_ID, blocked[1]): "blocked",
        (COURSE_BOT_ID, deleted): "deactivated",
    }


async def test_without_the_course_bot_never_started_is_counted_as_such_not_as_blocked(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    opened = [711001, 711002]
    never = [711011, 711012, 711013]
    for user_id in [*opened, *never]:
        await add_school_user(pool, user_id)
        standin.create_user(user_id, started=user_id in opened)

    _, first = await broadcast_to_everyone(standin, "Console only")
    await wait_finished(pool, first)
    outcome = await statuses(pool, first)
    assert {u: outcome[u] for u in never} == {u: ("failed", "never started") for u in never}
    assert await unreachable_rows(pool) == {(CONSOLE_BOT_ID, u): "never started" for u in never}

    # the next broadcast leaves them out and says why; one of them opens the bot meanwhile
    await standin.send_message(never[0], "/start", token=CONSOLE_TOKEN)
    await standin.wait_for_message(never[0], token=CONSOLE_TOKEN)
    summary, second = await broadcast_to_everyone(standin, "Second one")
    assert "never started the bot: 2" in summary.shown_text
    assert "blocked: 0" in summary.shown_text
    await wait_finished(pool, second)
    assert set(await statuses(pool, second)) == {*opened, never[0]}


async def test_a_student_who_blocked_then_shows_new_activity_is_included_again(
    standin: Any, two_bots: Any, pool: asyncpg.Pool
) -> None:
    stays, returns = 712001, 712002
    for user_id in (stays, returns):
        await add_school_user(pool, user_id)
        standin.create_user(user_id, started=False, started_bots=[COURSE_TOKEN])
    standin.block_bot(returns, COURSE_TOKEN)

    _, first = await broadcast_to_everyone(standin, "Before")
    await wait_finished(pool, first)
    assert (await statuses(pool, first))[returns] == ("failed", "blocked")

    # they unblock the course bot and use it: the course bot writes an event for them
    standin.unblock_bot(returns, COURSE_TOKEN)
    await add_school_user(pool, returns)
    summary, second = await broadcast_to_everyone(standin, "After")
    assert "blocked: 0" in summary.shown_text
    await wait_finished(pool, second)
    assert copies(standin, returns, "After", COURSE_TOKEN) == 1
    assert (await statuses(pool, second))[returns][0] == "sent"


async def test_the_console_bot_blocked_and_written_to_again_changes_only_its_own_row(
    standin: Any, two_bots: Any, pool: asyncpg.Pool
) -> None:
    user_id = 713001
    await add_school_user(pool, user_id)
    standin.create_user(user_id)
    standin.block_bot(user_id, CONSOLE_TOKEN)  # my_chat_member "kicked" to the console bot only
    await wait_rows(pool, lambda rows: rows == {(CONSOLE_BOT_ID, user_id): "blocked"})

    # the course bot still reaches them
    _, bid = await broadcast_to_everyone(standin, "Still reachable")
    await wait_finished(pool, bid)
    assert copies(standin, user_id, "Still reachable", COURSE_TOKEN) == 1

    # writing to the console bot (which unblocks it) makes them reachable by it again
    await standin.send_message(user_id, "hello", token=CONSOLE_TOKEN)
    await wait_rows(pool, lambda rows: rows == {})


async def wait_rows(pool: asyncpg.Pool, done: Any, attempts: int = 200) -> None:
    """Wait until blocked_users satisfies ``done`` (the bot writes it while handling)."""
    for _ in range(attempts):
        rows = await unreachable_rows(pool)
        if done(rows):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"blocked_users never got there: {rows}")


async def test_old_blocked_rows_stay_blocked_for_the_broadcast_bot(
    standin: Any, two_bots: Any, pool: asyncpg.Pool
) -> None:
    """Rows written before reachability was per bot (bot 0) count for the broadcast bot."""
    kept, legacy = 714001, 714002
    for user_id in (kept, legacy):
        await add_school_user(pool, user_id)
        standin.create_user(user_id)
    await pool.execute(
        "INSERT INTO blocked_users (user_id, reason, blocked_at) VALUES ($1, 'blocked', now())",
        legacy,
    )
    summary, bid = await broadcast_to_everyone(standin, "Legacy")
    assert "blocked: 1" in summary.shown_text
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {kept}


async def test_the_user_card_says_which_bot_and_can_include_them_again(
    standin: Any, two_bots: Any, pool: asyncpg.Pool
) -> None:
    user_id = 715001
    await add_school_user(pool, user_id)
    standin.create_user(user_id, started=False, started_bots=[COURSE_TOKEN])
    standin.block_bot(user_id, COURSE_TOKEN)
    # before any broadcast nobody knows whether they blocked it: the card says nothing
    before = await say(standin, f"/user {user_id}", f"id {user_id}")
    assert "block" not in before.shown_text.lower()
    _, bid = await broadcast_to_everyone(standin, "First")
    await wait_finished(pool, bid)

    stats = await say(standin, "/stats", "School at a glance")
    # found out today, blocked who knows when: no "(today +1, ...)"
    assert "Course bot, as broadcasts found: 1 blocked it\n" in stats.shown_text + "\n"
    card = await say(standin, f"/user {user_id}", "Blocked the course bot (found out on")
    # unblocked meanwhile, but not active with the course bot yet: only an admin can tell
    standin.unblock_bot(user_id, COURSE_TOKEN)
    await press(standin, card, "Include in broadcasts again")
    await standin.wait_for(lambda: not any("again" in t for r in card.buttons for t, _ in r))
    # the card itself is redrawn: it no longer shows the block as current
    assert "included in broadcasts again since" in card.shown_text
    assert "Blocked the course bot (found out on" not in card.shown_text
    assert await unreachable_rows(pool) == {}
    audit = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'broadcast_include'"
    )
    assert audit == 1
    # the record is gone; a fresh card still tells what the broadcast found, and that they
    # are in broadcasts again
    again = await say(standin, f"/user {user_id}", "included in broadcasts again since")
    assert "A broadcast found they had blocked the course bot (" in again.shown_text
    _, second = await broadcast_to_everyone(standin, "Second")
    await wait_finished(pool, second)
    assert copies(standin, user_id, "Second", COURSE_TOKEN) == 1


async def test_one_bot_says_who_it_can_reach_and_two_bots_refuse_files_over_20_mb(
    standin: Any, course_bot: str, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(), pool):
        menu = await say(standin, "/broadcast", "Who should get it?")
        assert "only people who started it" in menu.shown_text
        await say(standin, "/cancel", "Cancelled")
    async with running(make_settings(broadcast_bot_token=course_bot), pool):
        menu = await say(standin, "/broadcast", "Who should get it?")
        assert "only people who started it" not in menu.shown_text
        await add_school_user(pool, 716001)
        standin.create_user(716001)
        await press(standin, menu, "Everyone")
        await reply(standin, "Recipients:")
        big = ("lecture.mp4", b"\0" * (20 * 1024 * 1024 + 1))
        await standin.send_message(ADMIN_ID, document=big, caption="Big", token=CONSOLE_TOKEN)
        refused = await reply(standin, "over 20 MB")
        assert "smaller file" in refused.shown_text
        assert await pool.fetchval("SELECT count(*) FROM message_history") == 0
