"""kill -9 the bot process mid-broadcast, start it again: every recipient ends settled and the
stand-in saw nobody twice. The bot runs as a real `hsl-bot run` subprocess."""

from __future__ import annotations

import asyncio
import math
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.broadcast.delivery import CLAIM_MAX, CLAIM_WINDOW_S
from bot.broadcast.engine import Window
from tests.support import CONSOLE_TOKEN, bot_env
from tests.test_broadcast_support import (
    add_plain_users,
    assert_exactly_once,
    compose,
    received,
    send_now,
    wait_finished,
)

HSL_BOT = Path(sys.executable).parent / "hsl-bot"
RATE = 150


def claim_size_at(rate: float) -> int:
    """Recipients one claim takes at this rate (as Delivery computes it)."""
    return max(1, min(CLAIM_MAX, math.ceil(rate * CLAIM_WINDOW_S)))


@pytest.fixture
async def spawn(db_dsn: str, standin: Any, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start `hsl-bot run` processes (cwd without a .env); all are killed at the end."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"bot-{len(processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [str(HSL_BOT), "run"],
            env=bot_env(db_dsn, standin.url, tmp_path, **extra),
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()


async def kill_when(standin: Any, process: subprocess.Popen[bytes], delivered: int) -> None:
    await standin.wait_for(lambda: standin.delivered_count() >= delivered, timeout=30)
    process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(process.wait)


@pytest.mark.parametrize("kill_points", [(5, 100, 170), (60,)])
async def test_crash_mid_broadcast_resumes_without_duplicates(
    standin: Any,
    pool: asyncpg.Pool,
    spawn: Callable[..., Any],
    kill_points: tuple[int, ...],
) -> None:
    await add_plain_users(pool, standin, 500000, 300)
    standin.set_faults(latency=0.02)
    process = spawn(BROADCAST_RATE=str(RATE))
    text = "Survives crashes"
    review = await compose_when_up(standin, text)
    bid = await send_now(standin, review)
    # admin messages so far (the card, replies) are in the count too
    base = standin.delivered_count()
    for point in kill_points:
        await kill_when(standin, process, base + point)
        process = spawn(BROADCAST_RATE=str(RATE))
    await wait_finished(pool, bid, timeout=60)
    await assert_exactly_once(pool, standin, bid, text)
    unknown = await pool.fetch(
        "SELECT user_id FROM message_recipients WHERE message_id = $1"
        " AND failure_reason = 'outcome unknown'",
        bid,
    )
    # what a crash leaves unknown is bounded by what was claimed and in flight at that moment
    assert len(unknown) <= 100 * len(kill_points)
    # and who never got it at all: at most one claimed batch not yet requested, plus the
    # requests the window lets be in flight, per kill (not "everyone" for three kills)
    never_got = [r["user_id"] for r in unknown if received(standin, r["user_id"], text) == 0]
    per_kill = claim_size_at(RATE) + int(Window().limit)
    assert len(never_got) <= per_kill * len(kill_points), (len(never_got), per_kill)


async def compose_when_up(standin: Any, text: str) -> Any:
    """The subprocess needs a moment to start; compose once it answers."""
    for _ in range(300):  # setMyCommands wakes no waiter: poll
        if standin.commands(CONSOLE_TOKEN):
            break
        await asyncio.sleep(0.1)
    return await compose(standin, "Everyone", text)
