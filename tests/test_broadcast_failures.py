""" "Never twice", literally: every failure Telegram really produces, and what the admin sees.

Only answers that prove nothing was delivered are retried (429, a refused connection); a 5xx
from Telegram or from a proxy in front of it, a lost or unreadable answer end "outcome
unknown", never re-sent automatically. A refused token pauses; nobody is marked failed for it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.app import running
from bot.broadcast.delivery import DOWNLOAD_ATTEMPTS, Delivery
from tests.support import ADMIN_ID, bot_env
from tests.test_broadcast_support import (
    add_plain_users,
    card_of,
    compose,
    received,
    send_now,
    statuses,
    wait_finished,
)
from tests.test_reachability import broadcast_to_everyone, reply
from tests.test_reachability import press as press_on_console

# Telegram's "retry after" in the flood-hold test: long enough to still hold when the next
# broadcast is composed and sent (its ordering, not its length, is what the test checks)
FLOOD_HOLD_S = 5


@pytest.fixture(autouse=True)
def wake_ups_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leader never polls in these tests: every start must be a wake-up."""
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


@pytest.mark.parametrize("kind", ["server_error_after_delivery", "proxy_error_after_delivery"])
async def test_a_5xx_after_delivery_leaves_exactly_one_copy_and_outcome_unknown(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, kind: str
) -> None:
    ids = await add_plain_users(pool, standin, 720000, 12)
    review = await compose(standin, "Everyone", "Once only")
    # the next three sends to recipients are delivered, and the bot gets a 5xx for each
    for user_id in ids[:3]:
        standin.inject_fault(kind, chat_id=user_id)
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    assert standin.faults_served[kind] == 3
    outcome = await statuses(pool, bid)
    for user_id in ids[:3]:
        assert outcome[user_id] == ("failed", "outcome unknown")
        assert received(standin, user_id, "Once only") == 1  # they have it, once
    for user_id in ids[3:]:
        assert outcome[user_id] == ("sent", None)
        assert received(standin, user_id, "Once only") == 1
    assert standin.duplicate_deliveries() == 0


async def test_a_5xx_before_delivery_is_not_retried_either(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """The bot cannot tell a 5xx before delivery from one after: both end "outcome unknown"."""
    ids = await add_plain_users(pool, standin, 721000, 5)
    review = await compose(standin, "Everyone", "Maybe")
    standin.inject_fault("server_error", chat_id=ids[0], status=500)
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    assert standin.faults_served["server_error"] == 1
    assert (await statuses(pool, bid))[ids[0]] == ("failed", "outcome unknown")
    assert received(standin, ids[0], "Maybe") == 0  # nothing was delivered, and no retry


async def test_429_is_waited_out_and_retried(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 722000, 5)
    review = await compose(standin, "Everyone", "Patience")
    standin.inject_fault("retry_after", chat_id=ids[2], retry_after=1)
    bid = await send_now(standin, review)
    row = await wait_finished(pool, bid)
    assert standin.faults_served["retry_after"] == 1
    assert row["successful_deliveries"] == len(ids)
    assert all(received(standin, i, "Patience") == 1 for i in ids)


async def test_a_revoked_token_pauses_once_and_fails_nobody(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    course = "2000003:course-bot-token-revoked-in-the-middle"
    standin.add_bot(course, "course_bot")
    ids = await add_plain_users(pool, standin, 723000, 30)
    async with running(make_settings(broadcast_bot_token=course, broadcast_rate=20), pool):
        _, bid = await broadcast_to_everyone(standin, "Interrupted")
        await standin.wait_for(lambda: standin.delivered_count(course) >= 5, timeout=10)
        standin.revoke_token(course)
        notice = await reply(standin, "is paused", timeout=15)
        assert "BROADCAST_BOT_TOKEN" in notice.shown_text
        status = await pool.fetchval("SELECT status FROM message_history WHERE id = $1", bid)
        assert status == "paused"
        outcome = await statuses(pool, bid)
        assert not [u for u, (s, _) in outcome.items() if s == "failed"], outcome
        # the school fixes the token: Resume delivers the rest, nobody twice
        standin.revoked_tokens.discard(course)
        await press_on_console(standin, card_of(standin, bid), "Resume")
        row = await wait_finished(pool, bid, timeout=30)
    assert row["successful_deliveries"] == len(ids)
    assert all(received(standin, i, "Interrupted", token=course) == 1 for i in ids)
    notices = [m for m in standin.transcript(ADMIN_ID) if "is paused" in m.shown_text]
    assert len(notices) == 1


async def test_pause_then_resume_while_requests_are_in_flight_finishes(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    """Resume before the paused sending task has wound down must not leave it spinning."""
    ids = await add_plain_users(pool, standin, 724000, 40)
    async with running(make_settings(broadcast_rate=50), pool) as app:
        review = await compose(standin, "Everyone", "Stop and go")
        standin.set_faults(latency=0.5)  # every send is in flight for half a second
        bid = await send_now(standin, review)
        delivery = app.services.broadcasts.delivery
        await standin.wait_for(lambda: standin.delayed_requests > 0, timeout=10)
        broadcasts = app.services.broadcasts
        assert await broadcasts.pause(bid, ADMIN_ID)
        assert delivery.is_sending(bid), "the sending task is still finishing its requests"
        assert await broadcasts.resume(bid, ADMIN_ID)
        standin.set_faults()
        row = await wait_finished(pool, bid, timeout=30)
    assert row["successful_deliveries"] == len(ids)
    assert all(received(standin, i, "Stop and go") == 1 for i in ids)


async def test_a_database_error_while_claiming_releases_the_claims(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """Claims no request was made for are given back, even when the database failed: the
    broadcast finishes once it is back, with nobody "outcome unknown" and nobody twice."""
    ids = await add_plain_users(pool, standin, 725000, 30)
    review = await compose(standin, "Everyone", "Through an outage")
    standin.set_faults(latency=0.2)
    bid = await send_now(standin, review)
    await standin.wait_for(lambda: received(standin, ids[2], "Through an outage") == 1)
    delivery = bot_app.services.broadcasts.delivery
    await pool.execute("ALTER TABLE message_recipients RENAME TO message_recipients_away")
    try:
        await standin.wait_for(lambda: not delivery.is_sending(bid), timeout=20)
    finally:
        await pool.execute("ALTER TABLE message_recipients_away RENAME TO message_recipients")
    standin.set_faults()
    delivery.wake()
    await wait_finished(pool, bid, timeout=30)
    outcome = await statuses(pool, bid)
    assert not [u for u, (_, r) in outcome.items() if r == "outcome unknown"], outcome
    assert all(received(standin, i, "Through an outage") == 1 for i in ids)


async def test_deleting_through_a_proxy_502_page_finishes(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 726000, 6)
    bid = await send_now(standin, await compose(standin, "Everyone", "To be deleted"))
    await wait_finished(pool, bid)
    standin.inject_fault("proxy_error", methods=["deleteMessage", "deleteMessages"], count=2)
    assert await bot_app.services.broadcasts.delete_for_everyone(bid, ADMIN_ID)
    await expect_deleted(pool, bid)
    assert standin.faults_served["proxy_error"] == 2
    assert all(standin.transcript(i)[-1].deleted for i in ids)


async def expect_deleted(pool: asyncpg.Pool, bid: int) -> None:
    for _ in range(400):
        status = await pool.fetchval("SELECT status FROM message_history WHERE id = $1", bid)
        if status == "deleted":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"broadcast {bid} still {status}")


async def test_a_handler_sending_several_messages_survives_a_429_between_them(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """/schema answers in several messages; Telegram asks to wait before the second."""
    standin.inject_fault("retry_after", methods=["sendMessage"], chat_id=ADMIN_ID, retry_after=1)
    await standin.send_message(ADMIN_ID, "/help")
    helped = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert standin.faults_served["retry_after"] == 1
    assert "/broadcast" in helped.shown_text


# a real token's shape: the masking must recognise it wherever it appears
LONG_CONSOLE = "7000001:AAH-console-bot-token-shaped-like-a-real-one_x"
LONG_COURSE = "7000002:AAF-course-bot-token-shaped-like-a-real-one_yz"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3d1ea0000000049454e44ae426082"
)


async def test_a_file_that_cannot_be_fetched_pauses_and_no_token_is_ever_written(
    standin: Any, db_dsn: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Downloads fail (file URLs carry the token): a few tries, then a pause with a clear
    note; the log, the chat and the database never show either token."""
    standin.add_bot(LONG_CONSOLE, "console_bot")
    standin.add_bot(LONG_COURSE, "course_bot")
    ids = await add_plain_users(pool, standin, 727000, 3)
    env = bot_env(
        db_dsn,
        standin.url,
        tmp_path,
        BOT_TOKEN=LONG_CONSOLE,
        BROADCAST_BOT_TOKEN=LONG_COURSE,
        LOG_LEVEL="DEBUG",
    )
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=out, stderr=out
        )
        try:
            flow = Flow(standin, LONG_CONSOLE)
            menu = await flow.say("/broadcast", "Who should get it?", timeout=60)
            await flow.press(menu, "Everyone")
            await flow.reply("Recipients:")
            await standin.send_message(ADMIN_ID, photo=PNG, caption="Look", token=LONG_CONSOLE)
            await flow.press(await flow.reply("Add URL buttons?"), "No buttons")
            review = await flow.reply("Preview")
            standin.inject_fault("download_error", count=10, status=502)
            await flow.press(review, "Send now")
            notice = await flow.reply("is paused", timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=60)
    assert "file could not be fetched" in notice.shown_text
    assert standin.faults_served["download_error"] == DOWNLOAD_ATTEMPTS
    rows = await pool.fetch("SELECT delivery_status FROM message_recipients")
    assert sorted(r["delivery_status"] for r in rows) == ["pending"] * len(ids)
    written = log.read_text(errors="replace")
    assert "could not" in written or "failed" in written  # the failures were logged
    stored = []
    for table in ("audit_log", "message_recipients", "message_history", "blocked_users"):
        stored += [str(v) for row in await pool.fetch(f"SELECT * FROM {table}") for v in row]
    texts = " ".join(stored)
    chat = " ".join(m.shown_text for m in standin.transcript(ADMIN_ID))
    for token in (LONG_CONSOLE, LONG_COURSE):
        secret = token.split(":", 1)[1]
        assert secret not in written, "a token in the log"
        assert secret not in texts, "a token in the database"
        assert secret not in chat, "a token in the chat"


class Flow:
    """The admin's side of the chat with one console bot (its token given explicitly)."""

    def __init__(self, standin: Any, token: str) -> None:
        self.standin = standin
        self.token = token

    async def say(self, text: str, fragment: str, timeout: float = 10.0) -> Any:
        await self.standin.send_message(ADMIN_ID, text, token=self.token)
        return await self.reply(fragment, timeout)

    async def reply(self, fragment: str, timeout: float = 10.0) -> Any:
        return await self.standin.wait_for_message(
            ADMIN_ID,
            token=self.token,
            timeout=timeout,
            predicate=lambda m: fragment in m.shown_text,
        )

    async def press(self, message: Any, label: str) -> str:
        data = next(str(d) for row in message.buttons for t, d in row if label in t)
        return await self.standin.press_button(
            ADMIN_ID, message.message_id, data, token=self.token
        )


async def test_the_recovery_query_reads_claims_through_indexes_only(pool: asyncpg.Pool) -> None:
    """It runs on every tick: no scan of every recipient row, whatever the table's size."""
    from bot.broadcast.delivery import LOCK_SPACE
    from bot.db.queries import QUERIES

    sql, *args = QUERIES.broadcast_fail_orphans(owner=1, lock_space=LOCK_SPACE)
    async with pool.acquire() as connection, connection.transaction():
        # with sequential scans priced out, a plan can still show one only if no index serves
        await connection.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await connection.fetch(f"EXPLAIN {sql}", *args))
    assert "Seq Scan on message_recipients" not in plan, plan
    # the small partial indexes of open claims, not a walk through a whole index
    assert "hsl_message_recipients_in_flight" in plan, plan
    assert "hsl_message_recipients_deleting" in plan, plan


async def test_send_now_is_answered_before_the_card_waits_out_a_flood_hold(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """One bot for both: a 429 holds every send of it, the next broadcast's card included.
    The press must be answered before that wait: Telegram refuses answers after ~10 s."""
    ids = await add_plain_users(pool, standin, 728000, 10)
    first = await compose(standin, "Everyone", "First, held")
    standin.inject_fault("retry_after", chat_id=ids[0], retry_after=FLOOD_HOLD_S)
    first_bid = await send_now(standin, first)
    await standin.wait_for(lambda: standin.faults_served["retry_after"] == 1, timeout=15)
    second = await compose(standin, "Everyone", "Second, answered at once")
    data = next(d for row in second.buttons for t, d in row if "Send now" in t)
    pressed_at = standin.cursor()
    query = await standin.press_button(ADMIN_ID, second.message_id, data)
    answer = await standin.wait_for_callback_answer(query, timeout=8)
    assert not answer.get("text")  # the plain, immediate answer; no "already created"
    # answered before the new broadcast's card went out, whatever the hold's length: the
    # card waits for the hold, so an answer after it would wait as long
    assert not new_cards(standin, pressed_at, first_bid), new_cards(standin, pressed_at, first_bid)
    for text in ("First, held", "Second, answered at once"):
        bid = await pool.fetchval("SELECT id FROM message_history WHERE message_text = $1", text)
        await wait_finished(pool, bid, timeout=60)
    assert all(received(standin, i, "Second, answered at once") == 1 for i in ids)
    assert new_cards(standin, pressed_at, first_bid)  # the card that came after the answer


def new_cards(standin: Any, after: int, other_than: int) -> list[str]:
    """Broadcast cards delivered since ``after`` (a stand-in cursor), but the given one's."""
    return [
        m.shown_text
        for m in standin.sent[after:]
        if "📣 Broadcast #" in m.shown_text and f"#{other_than} " not in m.shown_text
    ]
