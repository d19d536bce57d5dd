"""The long-lived senders of one pass: every claimed recipient is requested at most once, and
whatever was claimed but never requested comes back to be released — also on a halt or a
failing claim. Telegram and the database are stand-ins here; the claims are plain rows."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from bot.broadcast.engine import Outcome, Pacer, Window
from bot.broadcast.models import Content
from bot.broadcast.sending import Claimed, SendPass


class FakeBot:
    """Answers every send after a short pause, counting who got what and how many at once."""

    def __init__(self) -> None:
        self.received: Counter[int] = Counter()
        self.in_flight = 0
        self.most_in_flight = 0

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            self.received[chat_id] += 1
            return type("Sent", (), {"message_id": chat_id})()
        finally:
            self.in_flight -= 1


class Outcomes:
    """The settler's part: outcomes noted in memory."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


class Recipients:
    """Claims over a fixed list of recipients, in id order; can fail on a chosen claim."""

    def __init__(self, count: int, size: int, fail_on: int | None = None) -> None:
        self.rows = [{"id": i, "user_id": 1000 + i} for i in range(1, count + 1)]
        self.size = size
        self.fail_on = fail_on
        self.claims = 0
        self.claimed: list[int] = []

    async def claim(self, after: int) -> list[Any]:
        self.claims += 1
        await asyncio.sleep(0)
        if self.claims == self.fail_on:
            raise ConnectionError("the database went away")
        rows = [r for r in self.rows if r["id"] > after][: self.size]
        self.claimed.extend(r["id"] for r in rows)
        return rows


def send_pass(
    recipients: Recipients, bot: FakeBot, halted: Any = lambda: False
) -> tuple[SendPass, Outcomes]:
    settler = Outcomes()
    sending = SendPass(
        pool=None,  # type: ignore[arg-type]  # no file to remember for text
        bid=1,
        content=Content("text", "hello"),
        bot=bot,  # type: ignore[arg-type]
        pacer=Pacer(1_000_000),
        window=Window(initial=8, maximum=8),
        settler=settler,  # type: ignore[arg-type]
        claim=recipients.claim,
        halted=halted,
        claim_size=recipients.size,
    )
    return sending, settler


@pytest.mark.parametrize("claim_size", [7, 60])  # without and with claiming ahead
async def test_senders_request_every_claimed_recipient_exactly_once(claim_size: int) -> None:
    recipients, bot = Recipients(300, claim_size), FakeBot()
    sending, settler = send_pass(recipients, bot)
    await sending.run()
    assert sorted(bot.received) == [1000 + r["id"] for r in recipients.rows]
    assert set(bot.received.values()) == {1}
    assert sorted(o.recipient_id for o in settler.outcomes) == recipients.claimed
    assert all(o.status == "sent" for o in settler.outcomes)
    assert sending.unsent == []
    assert bot.most_in_flight <= 8  # the window bounds the requests in flight


async def test_a_halt_gives_back_every_claim_no_request_was_made_for() -> None:
    recipients, bot = Recipients(500, 60), FakeBot()
    sending, settler = send_pass(recipients, bot, halted=lambda: sum(bot.received.values()) >= 90)
    await sending.run()
    requested = {chat_id - 1000 for chat_id in bot.received}
    settled = {o.recipient_id for o in settler.outcomes}
    assert set(bot.received.values()) == {1}
    assert settled == requested
    # claimed = requested (settled) + given back, with nobody in both and nobody lost
    assert requested.isdisjoint(sending.unsent)
    assert sorted(requested | set(sending.unsent)) == sorted(recipients.claimed)
    assert len(sending.unsent) == len(set(sending.unsent))
    assert len(recipients.claimed) < len(recipients.rows)  # it stopped claiming too


async def test_a_failing_claim_stops_the_pass_and_leaves_nothing_unaccounted() -> None:
    recipients, bot = Recipients(500, 60, fail_on=3), FakeBot()
    sending, settler = send_pass(recipients, bot)
    with pytest.raises(ConnectionError):
        await sending.run()
    requested = {chat_id - 1000 for chat_id in bot.received}
    assert set(bot.received.values()) == {1}
    assert {o.recipient_id for o in settler.outcomes} == requested
    assert sorted(requested | set(sending.unsent)) == sorted(recipients.claimed)
    assert requested.isdisjoint(sending.unsent)


async def test_claimed_hands_out_rows_in_order_and_says_when_nobody_is_left() -> None:
    recipients = Recipients(10, 4)
    claimed = Claimed(recipients.claim, recipients.size)
    taken = [await claimed.take() for _ in range(10)]
    assert [r["id"] for r in taken] == list(range(1, 11))
    assert await claimed.take() is None
    assert claimed.exhausted
    assert await claimed.left_over() == []


async def test_the_window_wakes_one_waiter_per_freed_place() -> None:
    window = Window(initial=4, maximum=4)
    for _ in range(4):
        await window.acquire()
    waiters = [asyncio.create_task(window.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    window.release(None)
    await asyncio.sleep(0)
    assert [w.done() for w in waiters] == [True, False, False]
    waiters[1].cancel()  # a waiter that gives up does not take the next place
    window.release(None)
    await asyncio.sleep(0)
    assert waiters[2].done() and window.in_flight == 4
    await asyncio.gather(*waiters, return_exceptions=True)
