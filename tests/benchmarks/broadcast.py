"""Broadcast benchmark: throughput against a bare aiogram loop, under latency, at Telegram's
limit, freezing and memory at 100,000 recipients, and kill -9 mid-broadcast.

Run: ``.venv/bin/python tests/benchmarks/broadcast.py`` (TEST_DATABASE_URL's server if set,
else an embedded server). The stand-in runs in its own process (this file with
``--serve-standin``), controlled over a small HTTP API; the engine runs in this process for
the rate figures and as `hsl-bot run` subprocesses for memory and crashes. Each target ends
with a line ``target <name>: <measured> (goal <goal>) met|missed``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402

from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID  # noqa: E402

FIRST_USER = 10_000_000
USERS = 100_000
STREAMS = {"bench_20k": 20_000, "bench_5k": 5_000, "bench_1k": 1_000}
HSL_BOT = Path(sys.executable).parent / "hsl-bot"
results: list[str] = []


def target(name: str, measured: str, goal: str, met: bool) -> None:
    line = f"target {name}: {measured} (goal {goal}) {'met' if met else 'missed'}"
    results.append(line)
    print(line, flush=True)


# --- the stand-in process ---------------------------------------------------------------------


async def serve_standin(port_file: str) -> None:
    """Serve the stand-in and a control API; write both URLs to ``port_file``."""
    from bot.sandbox.standin import StandIn

    standin = StandIn(rate_limit=None, chat_burst=None)
    await standin.start()
    standin.add_bot(CONSOLE_TOKEN, "hsl_console_bot")
    for admin in (ADMIN_ID, SECOND_ADMIN_ID):
        standin.create_user(admin, first_name="Admin")
    stamps: list[float] = []
    original = standin.deliver

    def deliver(message: Any) -> None:
        original(message)
        if message.chat_id >= FIRST_USER:
            stamps.append(time.monotonic())
            message.reply_markup = None  # keep the stand-in's memory small
            message.entities = []

    standin.deliver = deliver  # type: ignore[method-assign]
    base = {"too_many": 0, "duplicates": 0}

    async def control(request: web.Request) -> web.Response:
        op = request.match_info["op"]
        body = await request.json() if request.can_read_body else {}
        if op == "users":
            for user_id in range(body["first"], body["first"] + body["count"]):
                standin.create_user(user_id)
        elif op == "limits":
            standin.set_limits(
                rate_limit=body.get("rate_limit"), chat_burst=body.get("chat_burst")
            )
        elif op == "faults":
            standin.set_faults(latency=body.get("latency", 0.0))
        elif op == "reset":
            stamps.clear()
            base["too_many"] = standin.too_many_requests_served
            base["duplicates"] = standin.duplicate_deliveries()
        elif op == "prune":
            # drop delivered messages the benchmark no longer reads
            standin.sent.clear()
            standin.by_chat.clear()
            standin.messages.clear()
        stats = {
            "delivered": len(stamps),
            "first": stamps[0] if stamps else None,
            "last": stamps[-1] if stamps else None,
            "too_many": standin.too_many_requests_served - base["too_many"],
            "duplicates": standin.duplicate_deliveries() - base["duplicates"],
            "now": time.monotonic(),
        }
        return web.json_response(stats)

    app = web.Application()
    app.router.add_post("/control/{op}", control)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    control_port = runner.addresses[0][1]
    info = json.dumps({"api": standin.url, "control": control_port})
    await asyncio.to_thread(Path(port_file).write_text, info)
    await asyncio.Event().wait()


class Remote:
    """The benchmark's handle on the stand-in process."""

    def __init__(self, port_file: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-standin", str(port_file)], cwd=ROOT
        )
        for _ in range(200):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        info = json.loads(port_file.read_text())
        self.url = info["api"]
        self.control_url = f"http://127.0.0.1:{info['control']}/control"
        self.session: aiohttp.ClientSession | None = None

    async def call(self, op: str, **body: Any) -> dict[str, Any]:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        async with self.session.post(f"{self.control_url}/{op}", json=body) as response:
            result: dict[str, Any] = await response.json()
            return result

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.process.terminate()
        self.process.wait()


# --- the database -----------------------------------------------------------------------------


async def prepare_database(server_dsn: str) -> str:
    from bot.db.migrations import Migrator
    from tests.conftest import with_database

    name = f"hsl_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = with_database(server_dsn, name)
    conn = await asyncpg.connect(dsn)
    await Migrator(conn).upgrade()
    ids = range(FIRST_USER, FIRST_USER + USERS)
    await conn.copy_records_to_table(
        "events", records=[(i, "start_command") for i in ids], columns=["user_id", "event_type"]
    )
    for stream, count in STREAMS.items():
        await conn.copy_records_to_table(
            "bookings",
            records=[(i, 1, stream, 2) for i in range(FIRST_USER, FIRST_USER + count)],
            columns=["user_id", "course_id", "course_stream", "confirmed"],
        )
    await conn.execute("ANALYZE")
    await conn.close()
    return dsn


# --- the engine -------------------------------------------------------------------------------


def settings_for(dsn: str, remote: Remote, data_dir: Path, rate: float) -> Any:
    from bot.config import load_settings

    return load_settings(
        bot_token=CONSOLE_TOKEN,
        admin_ids=f"{ADMIN_ID},{SECOND_ADMIN_ID}",
        database_url=dsn,
        telegram_api_url=remote.url,
        data_dir=data_dir,
        language="en",
        digest_time="",
        redis_url="",
        broadcast_bot_token="",
        webhook_url="",
        broadcast_rate=rate,
    )


def draft(audience: Any, text: str) -> Any:
    from bot.broadcast import Content, Draft

    return Draft(secrets.token_hex(6), ADMIN_ID, audience, Content("text", text))


async def wait_finished(pool: asyncpg.Pool, bid: int, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await pool.fetchval("SELECT finished_at FROM message_history WHERE id = $1", bid):
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise TimeoutError(f"broadcast {bid} did not finish")


async def engine_rate(
    dsn: str, remote: Remote, data_dir: Path, rate: float, stream: str, text: str
) -> tuple[float, dict[str, Any]]:
    """End to end in this process: confirm → every recipient settled; messages per second."""
    from bot.app import running
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=10)
    try:
        async with running(settings_for(dsn, remote, data_dir, rate), pool) as app:
            for _ in range(600):  # elected and delivering
                if app.leadership.is_leader and app.services.broadcasts.delivery.owner:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            await remote.call("reset")
            started = time.monotonic()
            created = await app.services.broadcasts.create(
                draft(Audience("stream", stream=stream), text)
            )
            finished = await wait_finished(pool, created.broadcast_id)
            stats = await remote.call("stats")
            return created.recipients / (finished - started), stats
    finally:
        await pool.close()


async def bare_loop(
    remote: Remote, count: int, concurrency: int, text: str, *, plain: bool = False
) -> float:
    """A bare aiogram send_message loop with ``concurrency`` requests in flight.

    By default it sends the request the engine sends (HTML parse mode, link previews off, as
    ``bot.app.make_bot`` sets them), so the ratio measures bookkeeping rather than message
    format; ``plain`` sends bare text, the cheapest request there is, for reference.
    """
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(remote.url), limit=concurrency)
    default = (
        None if plain else DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)
    )
    bot = Bot(CONSOLE_TOKEN, session=session, default=default)
    queue = iter(range(FIRST_USER, FIRST_USER + count))

    async def worker() -> None:
        for user_id in queue:
            await bot.send_message(user_id, text)

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    await session.close()
    return count / elapsed


# --- subprocesses -----------------------------------------------------------------------------


def spawn_bot(dsn: str, remote: Remote, data_dir: Path, rate: float) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(
        BOT_TOKEN=CONSOLE_TOKEN,
        ADMIN_IDS=f"{ADMIN_ID},{SECOND_ADMIN_ID}",
        DATABASE_URL=dsn,
        TELEGRAM_API_URL=remote.url,
        DATA_DIR=str(data_dir),
        LANGUAGE="en",
        DIGEST_TIME="",
        LOG_LEVEL="WARNING",
        BROADCAST_RATE=str(rate),
    )
    log = open(data_dir / "bot.log", "ab")  # noqa: SIM115
    return subprocess.Popen([str(HSL_BOT), "run"], env=env, cwd=data_dir, stdout=log, stderr=log)


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def create_in_db(pool: asyncpg.Pool, audience: Any, text: str) -> tuple[int, float]:
    """Confirm a broadcast through the service (recipients frozen); return id and seconds."""
    from bot.app import make_bot
    from bot.broadcast import BroadcastService
    from bot.config import load_settings

    settings = load_settings(bot_token=CONSOLE_TOKEN, admin_ids=str(ADMIN_ID))
    bot = make_bot(CONSOLE_TOKEN, settings)
    service = BroadcastService(pool, settings, bot, bot)
    started = time.monotonic()
    created = await service.create(draft(audience, text))
    elapsed = time.monotonic() - started
    await bot.session.close()
    return created.broadcast_id, elapsed


async def memory_and_freeze(dsn: str, remote: Remote, data_dir: Path) -> None:
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=4)
    process = spawn_bot(dsn, remote, data_dir, 100_000)
    try:
        await asyncio.sleep(8)  # started, elected, idle
        idle = rss_kb(process.pid)
        bid, freeze_s = await create_in_db(pool, Audience("everyone"), "memory run")
        frozen = await pool.fetchval(
            "SELECT total_recipients FROM message_history WHERE id = $1", bid
        )
        target("freeze_100k", f"{freeze_s:.2f} s for {frozen} recipients", "<= 1 s", freeze_s <= 1)
        peak = idle
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            peak = max(peak, rss_kb(process.pid))
            if await pool.fetchval("SELECT finished_at FROM message_history WHERE id = $1", bid):
                break
            await asyncio.sleep(0.05)
        sent = await pool.fetchval(
            "SELECT successful_deliveries FROM message_history WHERE id = $1", bid
        )
        growth = (peak - idle) / 1024
        target(
            "memory_100k",
            f"idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB (+{growth:.0f} MB), "
            f"{sent} sent",
            "peak <= idle + 50 MB",
            growth <= 50,
        )
    finally:
        process.terminate()
        process.wait()
        await pool.close()
    await remote.call("prune")


async def kill_runs(dsn: str, remote: Remote, data_dir: Path, runs: int = 5) -> None:
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=4)
    await remote.call("faults", latency=0.02)
    duplicates = unsettled = unknown = 0
    rng = random.Random(2026)
    try:
        for run in range(runs):
            await remote.call("reset")
            bid, _ = await create_in_db(pool, Audience("stream", stream="bench_5k"), f"kill {run}")
            process = spawn_bot(dsn, remote, data_dir, 500)
            point = rng.randint(250, 4750)
            while (await remote.call("stats"))["delivered"] < point:
                if process.poll() is not None:
                    raise RuntimeError("the bot exited early; see bot.log")
                await asyncio.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait()
            process = spawn_bot(dsn, remote, data_dir, 500)
            try:
                await wait_finished(pool, bid, timeout=120)
            finally:
                process.terminate()
                process.wait()
            stats = await remote.call("stats")
            duplicates += stats["duplicates"]
            unsettled += await pool.fetchval(
                "SELECT count(*) FROM message_recipients WHERE message_id = $1"
                " AND delivery_status = 'pending'",
                bid,
            )
            unknown += await pool.fetchval(
                "SELECT count(*) FROM message_recipients WHERE message_id = $1"
                " AND failure_reason = 'outcome unknown'",
                bid,
            )
            print(f"  kill run {run}: killed after {point}, {stats['delivered']} delivered")
    finally:
        await remote.call("faults", latency=0.0)
        await pool.close()
    target(
        "kill9_duplicates",
        f"{duplicates} duplicates over {runs} kills",
        "0",
        duplicates == 0,
    )
    target(
        "kill9_unsettled",
        f"{unsettled} unsettled ({unknown} ended 'outcome unknown')",
        "0",
        unsettled == 0,
    )


async def main() -> None:
    from bot.broadcast import Audience  # noqa: F401 - import cost outside the timings
    from bot.db.embedded import EmbeddedPostgres

    work = Path(tempfile.mkdtemp(prefix="hsl-bench-broadcast-"))
    server = None
    server_dsn = os.environ.get("TEST_DATABASE_URL")
    if not server_dsn:
        server = EmbeddedPostgres(work / "pg", port=55442)
        server_dsn = server.start().dsn("postgres")
    remote = Remote(work / "standin.json")
    try:
        dsn = await prepare_database(server_dsn)
        await remote.call("users", first=FIRST_USER, count=USERS)
        print(f"database and stand-in ready ({USERS} users)", flush=True)

        # 1. bookkeeping cost: our engine against a bare aiogram loop, no limits, no latency
        best_c, best = 0, 0.0
        for concurrency in (10, 50, 100, 200):
            rate = await bare_loop(remote, 5_000, concurrency, f"probe {concurrency}")
            print(f"  bare aiogram loop, {concurrency} in flight: {rate:.0f} msg/s")
            if rate > best:
                best_c, best = concurrency, rate
        await remote.call("prune")
        bare = await bare_loop(remote, 20_000, best_c, "bare 20k")
        await remote.call("prune")
        plain = await bare_loop(remote, 20_000, best_c, "plain 20k", plain=True)
        await remote.call("prune")
        ours, _ = await engine_rate(dsn, remote, work, 100_000, "bench_20k", "engine 20k")
        await remote.call("prune")
        print(f"  bare loop {bare:.0f} msg/s at {best_c} in flight; engine {ours:.0f} msg/s")
        print(
            f"  for reference, plain text without parse mode or link options: {plain:.0f} msg/s"
            f" (engine / plain = {ours / plain:.2f})"
        )
        target(
            "overhead_ratio",
            f"{ours / bare:.2f} (engine {ours:.0f} vs bare {bare:.0f} msg/s)",
            ">= 0.8",
            ours / bare >= 0.8,
        )

        # 2. 50 ms latency, limits off
        await remote.call("faults", latency=0.05)
        latent, _ = await engine_rate(dsn, remote, work, 100_000, "bench_20k", "latency 20k")
        await remote.call("faults", latency=0.0)
        await remote.call("prune")
        target("latency_50ms_rate", f"{latent:.0f} msg/s", ">= 500 msg/s", latent >= 500)

        # 3. Telegram's free limit: 30 msg/s, 50 ms latency, BROADCAST_RATE=30, 1,000 recipients
        await remote.call("limits", rate_limit=30, chat_burst=5)
        await remote.call("faults", latency=0.05)
        _, stats = await engine_rate(dsn, remote, work, 30, "bench_1k", "limited 1k")
        await remote.call("limits", rate_limit=None, chat_burst=None)
        await remote.call("faults", latency=0.0)
        span = stats["last"] - stats["first"]
        achieved = (stats["delivered"] - 1) / span if span > 0 else 0.0
        share = achieved / 30
        exactly_once = stats["delivered"] == STREAMS["bench_1k"] and stats["duplicates"] == 0
        target(
            "limit_30_share",
            f"{achieved:.1f} msg/s = {share:.1%} of 30",
            ">= 95%",
            share >= 0.95,
        )
        target("limit_30_429s", f"{stats['too_many']} x 429", "0", stats["too_many"] == 0)
        target(
            "limit_30_exactly_once",
            f"{stats['delivered']} delivered to 1000, {stats['duplicates']} duplicates",
            "each exactly once",
            exactly_once,
        )
        await remote.call("prune")

        # 4. freezing and memory at 100,000
        await memory_and_freeze(dsn, remote, work)

        # 5. kill -9 at random points, 5 times
        await kill_runs(dsn, remote, work)
    finally:
        await remote.close()
        if server is not None:
            server.destroy()  # scratch cluster: removed, wherever it was kept
    print("\n".join(["", "summary:", *results]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-standin":
        asyncio.run(serve_standin(sys.argv[2]))
    else:
        asyncio.run(main())
