"""After sending and around it: history, retry, delete for everyone, export, schedule, two bots,
"Message this user", and the sent counter under concurrent reads."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.app import running
from bot.broadcast.delivery import Delivery
from bot.sandbox.standin.render import message_dict
from bot.telegram.analytics.callbacks import MessageUser
from tests.support import ADMIN_ID, CONSOLE_TOKEN
from tests.test_broadcast_support import (
    Person,
    add_person,
    add_plain_users,
    choose_audience,
    compose,
    expect,
    finish_compose,
    press,
    received,
    send_now,
    sent_matches_counter,
    statuses,
    wait_finished,
)
from tests.test_recipient_files import stored
from tests.test_web import written_by_python

SENDER_TOKEN = "2000002:course-bot-secret"
# a 1×1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3d1ea0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    # The leader never polls during a test: every start, resume, retry and deletion must wake
    # the sender itself, and a schedule must start at its moment.
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


async def open_details(standin: Any, bid: int) -> Any:
    await standin.send_message(ADMIN_ID, "/history")
    listing = await expect(standin, "Broadcast history")
    assert f"#{bid} " in listing.shown_text
    await press(standin, listing, f"#{bid}")
    return await standin.wait_for_message(
        ADMIN_ID,
        predicate=lambda m: f"Broadcast #{bid} " in m.shown_text and "Created:" in m.shown_text,
    )


async def test_history_details_and_csv_export(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(600001, "ann"))
    await add_person(pool, standin, Person(600002, "ben"), blocked=True)
    bid = await send_now(standin, await compose(standin, "Everyone", "For the record"))
    await wait_finished(pool, bid)
    for _ in range(100):  # the file is written once the send ends, after the report
        if (kept := await stored(pool, bid)) is not None:
            break
        await asyncio.sleep(0.1)
    assert kept is not None and kept["current"] and kept["status"] == "done"
    await standin.send_message(ADMIN_ID, "/history")
    listing = await expect(standin, "Broadcast history")
    assert f"#{bid} " in listing.shown_text and "1/2" in listing.shown_text
    await press(standin, listing, f"#{bid}")
    details = await expect(standin, "Failure reasons")
    assert "blocked the bot: 1" in details.shown_text
    await press(standin, details, "Export CSV")
    exported = await standin.wait_for_message(ADMIN_ID, predicate=lambda m: m.kind == "document")
    rows = list(csv.DictReader(io.StringIO(exported.document_bytes.decode("utf-8-sig"))))
    assert {(r["user_id"], r["delivery_status"], r["failure_reason"]) for r in rows} == {
        ("600001", "sent", ""),
        ("600002", "failed", "blocked"),
    }
    # times as in every export: local, to the second, with the offset (not UTC microseconds)
    local = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d$")
    assert all(local.match(r["settled_at"]) for r in rows), rows
    # the kept file, written from the rows as they are
    assert exported.document_bytes == gzip.decompress(kept["gzip"])
    assert exported.document_bytes == await written_by_python(
        pool, bid, ZoneInfo(kept["time_zone"])
    )


async def test_retry_failed_sends_only_the_failed_ones(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(610001))
    await add_person(pool, standin, Person(610002), started=False)
    bid = await send_now(standin, await compose(standin, "Everyone", "Second chance"))
    await wait_finished(pool, bid)
    assert (await statuses(pool, bid))[610002] == ("failed", "never started")
    await standin.send_message(610002, "/start")  # they open the bot meanwhile
    await standin.wait_for_message(610002)
    details = await open_details(standin, bid)
    await press(standin, details, "Retry failed")
    await press(standin, await expect(standin, "Retry broadcast"), "Yes, retry")
    await standin.wait_for(lambda: received(standin, 610002, "Second chance") == 1)
    row = await wait_finished(pool, bid)
    assert row["successful_deliveries"] == 2
    assert received(standin, 610001, "Second chance") == 1
    assert standin.duplicate_deliveries() == 0
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'broadcast_retry'")


async def test_delete_for_everyone_including_one_older_than_48h(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 620000, 5)
    old = await send_now(standin, await compose(standin, "Everyone", "Old news"))
    await wait_finished(pool, old)
    standin.advance_clock(49 * 3600)
    new = await send_now(standin, await compose(standin, "Everyone", "Fresh news"))
    await wait_finished(pool, new)
    for bid, reported in ((old, "Could not delete: 5"), (new, "Deleted: 5")):
        details = await open_details(standin, bid)
        await press(standin, details, "Delete for everyone")
        confirm = await expect(standin, "for every recipient?")
        await press(standin, confirm, "Yes, delete")
        report = await expect(standin, "deletion finished", timeout=10)
        assert reported in report.shown_text
    assert "older than 48 hours: 5" in (await expect_report(standin, old)).shown_text
    for user_id in ids:
        copies = {m.shown_text: m.deleted for m in standin.transcript(user_id)}
        assert copies == {"Old news": False, "Fresh news": True}
    assert (
        await pool.fetchval("SELECT status FROM message_history WHERE id = $1", new) == "deleted"
    )
    assert set(s for s, _ in (await statuses(pool, new)).values()) == {"deleted"}
    assert set(s for s, _ in (await statuses(pool, old)).values()) == {"sent"}
    for bid in (old, new):
        assert await sent_matches_counter(pool, bid)


async def expect_report(standin: Any, bid: int) -> Any:
    for message in standin.transcript(ADMIN_ID):
        if f"Broadcast #{bid}: deletion finished" in message.shown_text:
            return message
    raise AssertionError("no deletion report")


async def test_scheduled_send_fires_after_restart_and_cancelled_does_not(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 630000, 3)
    tz = ZoneInfo("Europe/Moscow")
    settings = make_settings()
    async with running(settings, pool):
        bids = []
        for text in ("Later", "Never"):
            review = await compose(standin, "Everyone", text)
            await press(standin, review, "Schedule")
            await expect(standin, "When should it go out?")
            past = (datetime.now(tz) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
            await standin.send_message(ADMIN_ID, past)
            await expect(standin, "That time has passed")
            future = (datetime.now(tz) + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
            await standin.send_message(ADMIN_ID, future)
            scheduled = await expect(standin, "is scheduled for")
            bids.append(int(scheduled.shown_text.split("#")[1].split(" ")[0]))
        await standin.send_message(ADMIN_ID, "/scheduled")
        listing = await expect(standin, f"#{bids[1]}")
        await press(standin, listing, f"Cancel #{bids[1]}")
        await standin.wait_for(lambda: "Nobody will get it" in listing.shown_text)
        await press(standin, listing, f"Yes, cancel #{bids[1]}")
        await standin.wait_for(lambda: "Nobody will get it" not in listing.shown_text)
        assert f"#{bids[1]}" not in listing.shown_text
    # the bot is down when the time comes; both are due now
    await pool.execute("UPDATE message_history SET scheduled_at = now() - interval '10 s'")
    assert await pool.fetchval("SELECT count(*) FROM message_recipients") == 0
    async with running(settings, pool):
        row = await wait_finished(pool, bids[0], timeout=10)
    # the cancelled one can never go out: it stays cancelled, with nobody frozen for it
    cancelled = await pool.fetchrow(
        "SELECT status, (SELECT count(*) FROM message_recipients WHERE message_id = $1) AS n"
        " FROM message_history WHERE id = $1",
        bids[1],
    )
    assert cancelled["status"] == "cancelled" and cancelled["n"] == 0
    assert row["status"] == "done" and row["successful_deliveries"] == 3
    assert all(received(standin, i, "Later") == 1 for i in ids)
    assert all(received(standin, i, "Never") == 0 for i in ids)
    actions = [r["action"] for r in await pool.fetch("SELECT action FROM audit_log")]
    assert actions.count("broadcast_schedule") == 2 and "broadcast_cancel" in actions


async def test_two_tokens_transfer_media_once(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    standin.add_bot(SENDER_TOKEN, "course_bot")
    ids = await add_plain_users(pool, standin, 640000, 4)
    async with running(make_settings(broadcast_bot_token=SENDER_TOKEN), pool):
        await standin.send_message(ADMIN_ID, "/broadcast", token=CONSOLE_TOKEN)
        menu = await standin.wait_for_message(ADMIN_ID, token=CONSOLE_TOKEN)
        await standin.press_button(
            ADMIN_ID, menu.message_id, _data(menu, "Everyone"), token=CONSOLE_TOKEN
        )
        await standin.wait_for_message(ADMIN_ID, predicate=lambda m: "Recipients:" in m.shown_text)
        await standin.send_message(
            ADMIN_ID, token=CONSOLE_TOKEN, photo=PNG, caption="<b>Look</b> at this"
        )
        ask = await standin.wait_for_message(ADMIN_ID, predicate=lambda m: "URL" in m.shown_text)
        await standin.press_button(
            ADMIN_ID, ask.message_id, _data(ask, "No buttons"), token=CONSOLE_TOKEN
        )
        review = await standin.wait_for_message(
            ADMIN_ID, predicate=lambda m: "Preview" in m.shown_text
        )
        await standin.press_button(
            ADMIN_ID, review.message_id, _data(review, "Test to me"), token=CONSOLE_TOKEN
        )
        test_copy = await standin.wait_for_message(ADMIN_ID, token=SENDER_TOKEN)
        assert test_copy.kind == "photo" and test_copy.photo_bytes == PNG
        await standin.press_button(
            ADMIN_ID, review.message_id, _data(review, "Send now"), token=CONSOLE_TOKEN
        )
        bid = await _wait_bid(pool)
        row = await wait_finished(pool, bid)
    assert row["successful_deliveries"] == 4
    copies = [standin.transcript(i, token=SENDER_TOKEN)[-1] for i in ids]
    assert all(c.kind == "photo" and c.photo_bytes == PNG for c in copies)
    assert all(c.shown_text == "Look at this" for c in copies)
    assert len({c.media.file_id for c in copies}) == 1, "uploaded once, then reused"
    assert all(not standin.transcript(i, token=CONSOLE_TOKEN) for i in ids)


def _data(message: Any, label: str) -> str:
    return next(str(d) for row in message.buttons for t, d in row if label in t)


async def _wait_bid(pool: asyncpg.Pool) -> int:
    for _ in range(100):
        bid = await pool.fetchval("SELECT max(id) FROM message_history")
        if bid is not None:
            return int(bid)
        await asyncio.sleep(0.05)
    raise AssertionError("no broadcast")


async def test_message_this_user_runs_the_flow_with_one_recipient(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(650001, "solo"))
    await add_person(pool, standin, Person(650002, "other"))
    await standin.send_message(ADMIN_ID, "/start")
    console = await expect(standin, "School admin console")
    # the /user card's button, pressed on some bot message in the admin's chat
    query_id = standin.new_callback_id()
    update = standin.push_update(
        CONSOLE_TOKEN,
        {
            "callback_query": {
                "id": query_id,
                "from": standin.user(ADMIN_ID).to_dict(),
                "message": message_dict(standin, console),
                "chat_instance": "1",
                "data": MessageUser(user_id=650001).pack(),
            }
        },
    )
    standin.callback_queries[query_id] = {"token": CONSOLE_TOKEN, "update": update}
    summary = await expect(standin, "Recipients: 1")
    assert "individual recipients (1)" in summary.shown_text
    await standin.send_message(ADMIN_ID, "Hi, just you")
    bid = await send_now(standin, await finish_compose(standin))
    await wait_finished(pool, bid)
    assert set(await statuses(pool, bid)) == {650001}


async def test_sent_counter_always_equals_sent_rows(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 660000, 400)
    for user_id in ids[::7]:
        standin.users[user_id].blocked = True
    async with running(make_settings(broadcast_rate=400), pool):
        review = await compose(standin, "Everyone", "Counted")
        bid = await send_now(standin, review)
        readings = []
        async with asyncio.timeout(60):  # a bound only so a stuck broadcast fails the test
            while not await pool.fetchval(
                "SELECT finished_at IS NOT NULL FROM message_history WHERE id = $1", bid
            ):
                readings.append(await sent_matches_counter(pool, bid))
        # a retry of the failed ones moves the counter too
    assert len(readings) > 10 and all(readings)
    assert await sent_matches_counter(pool, bid)


async def test_cancel_from_the_review_card_creates_nothing(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_person(pool, standin, Person(670001))
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "Maybe not")
    review = await finish_compose(standin)
    await press(standin, review, "Cancel")
    await expect(standin, "Broadcast discarded")
    stale = await press(standin, review, "Send now")
    assert "closed" in (await standin.wait_for_callback_answer(stale))["text"]
    assert await pool.fetchval("SELECT count(*) FROM message_history") == 0


async def test_a_1024_character_caption_goes_out_whole_and_1025_is_refused(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """README: one photo with a caption of at most 1024 characters."""
    ids = await add_plain_users(pool, standin, 680000, 3)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, photo=PNG, caption="c" * 1025)
    refused = await expect(standin, "Too long")
    assert "1,025 characters" in refused.shown_text and "1,024" in refused.shown_text
    caption = "c" * 1023 + "!"
    await standin.send_message(ADMIN_ID, photo=PNG, caption=caption)
    bid = await send_now(standin, await finish_compose(standin))
    row = await wait_finished(pool, bid)
    assert row["successful_deliveries"] == len(ids)
    for user_id in ids:
        (copy,) = standin.transcript(user_id)
        assert copy.kind == "photo" and copy.shown_text == caption


async def test_edit_replaces_the_text_and_only_the_new_one_goes_out(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """README: Edit at the preview writes the message again; the audience stays."""
    ids = await add_plain_users(pool, standin, 681000, 3)
    review = await compose(standin, "Everyone", "First draft")
    await press(standin, review, "Edit")
    await expect(standin, "Send the message")
    await standin.send_message(ADMIN_ID, "Second draft")
    fresh = await finish_compose(standin)
    bid = await send_now(standin, fresh)
    await wait_finished(pool, bid)
    for user_id in ids:
        assert received(standin, user_id, "Second draft") == 1
        assert received(standin, user_id, "First draft") == 0


async def test_cancel_mid_flow_leaves_it_and_creates_nothing(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """README: /cancel leaves at any step."""
    await add_plain_users(pool, standin, 682000, 2)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "/cancel")
    await expect(standin, "Cancelled")
    await standin.send_message(ADMIN_ID, "Not a broadcast any more")
    await expect(standin, "/help")  # plain text outside a flow: the console's hint
    assert await pool.fetchval("SELECT count(*) FROM message_history") == 0


async def test_outcome_unknown_is_sent_again_only_on_retry_failed(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """README: sends whose outcome is unknown are re-sent only if you press Retry failed."""
    ids = await add_plain_users(pool, standin, 683000, 30)
    review = await compose(standin, "Everyone", "Maybe delivered")
    standin.set_faults(drop_after_delivery_rate=0.3, seed=5)
    bid = await send_now(standin, review)
    await wait_finished(pool, bid, timeout=30)
    standin.set_faults()
    unknown = [u for u, (_, r) in (await statuses(pool, bid)).items() if r == "outcome unknown"]
    assert unknown, "some answers should have been lost"
    # finished: every one of them got exactly the one copy that went out, none re-sent
    assert all(received(standin, u, "Maybe delivered") == 1 for u in ids)
    details = await open_details(standin, bid)
    await press(standin, details, "Retry failed")
    await press(standin, await expect(standin, "Retry broadcast"), "Yes, retry")
    await standin.wait_for(
        lambda: all(received(standin, u, "Maybe delivered") == 2 for u in unknown), timeout=20
    )
    await wait_finished(pool, bid)
    others = set(ids) - set(unknown)
    assert all(received(standin, u, "Maybe delivered") == 1 for u in others)
