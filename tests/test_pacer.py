"""The broadcast pacer: even slots under the rate, and a 429 holds everyone.

The pacer is driven on an event loop with a virtual clock: time moves only when every task
waits, by exactly as long as the nearest timer asks. The schedule it produces is then a fact
about the pacer alone, not about how busy the machine was.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.broadcast.engine import Pacer

T = TypeVar("T")


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer instead of sleeping."""

    def __init__(self) -> None:
        super().__init__(selectors.DefaultSelector())
        self._now = 0.0
        real_select = self._selector.select  # type: ignore[attr-defined]

        def select(timeout: float | None = None) -> list[Any]:
            events = real_select(0)
            if not events and timeout:
                self._now += timeout
            return events

        self._selector.select = select  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._now


def run_virtual(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = VirtualClockLoop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


async def take(pacer: Pacer, count: int, senders: int = 8) -> list[float]:
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def sender() -> None:
        while len(times) < count:
            await pacer.slot()
            times.append(loop.time())

    await asyncio.gather(*(sender() for _ in range(senders)))
    return sorted(times)[:count]


def test_the_virtual_clock_moves_only_by_what_timers_ask() -> None:
    async def sleeps() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(2.5)
        await asyncio.sleep(0.5)
        return loop.time() - start

    assert run_virtual(sleeps()) == 3.0


def test_no_rolling_second_holds_as_many_sends_as_the_rate() -> None:
    times = run_virtual(take(Pacer(30), 75))
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 29  # Telegram counts a sliding second; one slot of slack for jitter
    average = (len(times) - 1) / (times[-1] - times[0])
    assert 27.5 <= average <= 30


def test_retry_after_holds_every_sender() -> None:
    async def held() -> tuple[float, list[float]]:
        pacer = Pacer(1000)
        await pacer.slot()
        pacer.hold(0.3)
        held_at = asyncio.get_running_loop().time()
        return held_at, await take(pacer, 5)

    held_at, times = run_virtual(held())
    assert min(times) - held_at >= 0.29
