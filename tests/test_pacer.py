"""The broadcast pacer: even slots under the rate, and a 429 holds everyone."""

from __future__ import annotations

import asyncio

from bot.broadcast.engine import Pacer


async def take(pacer: Pacer, count: int, senders: int = 8) -> list[float]:
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def sender() -> None:
        while len(times) < count:
            await pacer.slot()
            times.append(loop.time())

    await asyncio.gather(*(sender() for _ in range(senders)))
    return sorted(times)[:count]


async def test_no_rolling_second_holds_as_many_sends_as_the_rate() -> None:
    times = await take(Pacer(30), 75)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 29  # Telegram counts a sliding second; one slot of slack for jitter
    average = (len(times) - 1) / (times[-1] - times[0])
    assert 27.5 <= average <= 30


async def test_retry_after_holds_every_sender() -> None:
    pacer = Pacer(1000)
    loop = asyncio.get_running_loop()
    await pacer.slot()
    pacer.hold(0.3)
    held_at = loop.time()
    times = await take(pacer, 5)
    assert min(times) - held_at >= 0.29
