"""Broadcast benchmark: throughput against a bare aiogram loop, under latency, at Telegram's
limit, freezing and memory at 100,000 recipients, and kill -9 mid-broadcast; behind
``--freeze-1m``, freezing 1,000,000 and the memory of the freezing and the sending processes.

Run: ``.venv/bin/python tests/benchmarks/broadcast.py`` (TEST_DATABASE_URL's server if set,
else an embedded server). The stand-in runs in its own process (this file with
``--serve-standin``), controlled over a small HTTP API; the engine runs in this process for
the rate figures and as `hsl-bot run` subprocesses for memory and crashes. Each target ends
with a line ``target <name>: <measured> (goal <goal>) met|missed`` (see targets.py).

No figure counts for work that was not done. Before a target can be met the benchmark checks,
in the database and in the stand-in, that every recipient it set up was frozen, delivered
exactly once and recorded ``sent`` (rates count only verified deliveries), that the bot
process measured for memory stayed alive to the end, and that each kill -9 run really killed a
broadcast midway and settled all its recipients; otherwise the target is ``missed`` with the
reason after " — ". A scratch database on TEST_DATABASE_URL's server is dropped at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402

from tests.benchmarks.targets import Targets, problems  # noqa: E402
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID, with_database  # noqa: E402

FIRST_USER = 10_000_000
USERS = 100_000
STREAMS = {"bench_20k": 20_000, "bench_5k": 5_000, "bench_1k": 1_000}
HSL_BOT = Path(sys.executable).parent / "hsl-bot"


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
            standin.set_faults(
                latency=body.get("latency", 0.0),
                error_after_delivery_rate=body.get("error_after_delivery_rate", 0.0),
                drop_after_delivery_rate=body.get("drop_after_delivery_rate", 0.0),
                seed=body.get("seed"),
            )
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


async def prepare_database(server_dsn: str, name: str) -> str:
    from bot.db.migrations import Migrator

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


async def drop_database(server_dsn: str, name: str) -> None:
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --- verifying the work -----------------------------------------------------------------------


@dataclass
class Delivered:
    """What one broadcast did, from the database and from the stand-in, against what it should.

    A figure about a broadcast counts only if every recipient the benchmark set up was frozen,
    got exactly one message (the stand-in's count) and ended ``sent`` (the database's rows,
    with ``successful_deliveries`` agreeing).
    """

    expected: int
    frozen: int = 0  # message_recipients rows
    total_recipients: int = 0  # message_history.total_recipients
    statuses: dict[str, int] = field(default_factory=dict)  # delivery_status -> rows
    recorded: int = 0  # message_history.successful_deliveries
    delivered: int = 0  # the stand-in's deliveries to benchmark users since the last reset
    duplicates: int = 0
    finished: bool = False

    @property
    def sent(self) -> int:
        return self.statuses.get("sent", 0)

    @property
    def done(self) -> int:
        """Recipients verifiably delivered: a ``sent`` row and a message in the stand-in."""
        return min(self.sent, self.delivered)

    def problem(self) -> str | None:
        if self.frozen != self.expected:
            return f"{self.frozen} of {self.expected} recipients frozen"
        if not self.finished:
            return f"not finished: only {self.done} of {self.expected} delivered"
        if self.sent != self.expected or self.delivered != self.expected:
            rows = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
            return (
                f"only {self.done} of {self.expected} delivered "
                f"(rows: {rows or 'none'}; the stand-in counted {self.delivered})"
            )
        if self.duplicates:
            return f"{self.duplicates} duplicate deliveries"
        if self.recorded != self.sent or self.total_recipients != self.frozen:
            return (
                f"message_history says {self.recorded} delivered of {self.total_recipients},"
                f" the rows say {self.sent} of {self.frozen}"
            )
        return None


async def count_delivered(
    pool: asyncpg.Pool, remote: Remote, bid: int, expected: int, finished: bool
) -> Delivered:
    """Count what broadcast ``bid`` did (stand-in figures are since the last ``reset``)."""
    row = await pool.fetchrow(
        "SELECT total_recipients, coalesce(successful_deliveries, 0) AS recorded,"
        " finished_at IS NOT NULL AS finished FROM message_history WHERE id = $1",
        bid,
    )
    rows = await pool.fetch(
        "SELECT delivery_status, count(*) AS n FROM message_recipients WHERE message_id = $1"
        " GROUP BY delivery_status",
        bid,
    )
    stats = await remote.call("stats")
    statuses = {r["delivery_status"]: int(r["n"]) for r in rows}
    return Delivered(
        expected=expected,
        frozen=sum(statuses.values()),
        total_recipients=row["total_recipients"] if row else 0,
        statuses=statuses,
        recorded=row["recorded"] if row else 0,
        delivered=stats["delivered"],
        duplicates=stats["duplicates"],
        finished=finished and bool(row and row["finished"]),
    )


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


async def wait_finished(
    db: asyncpg.Pool | asyncpg.Connection, bid: int, timeout: float = 600
) -> float | None:
    """When broadcast ``bid`` finished (monotonic clock), or None if not within ``timeout``.

    Where the engine runs in this process, pass a connection of its own: a pool's query costs
    a second round trip (the connection is reset on release), 50 times a second, and that CPU
    would be counted as the engine's.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await db.fetchval("SELECT finished_at FROM message_history WHERE id = $1", bid):
            return time.monotonic()
        await asyncio.sleep(0.02)
    return None


@dataclass
class EngineRun:
    work: Delivered
    elapsed: float  # confirm → finished (or → giving up)
    stats: dict[str, Any]
    cpu_s: float = 0.0  # this process's CPU over the same span (the engine runs in it)

    @property
    def rate(self) -> float:
        """Verified deliveries per second: a run whose sends failed scores what it delivered."""
        return self.work.done / self.elapsed if self.elapsed > 0 else 0.0


async def engine_rate(
    dsn: str, remote: Remote, data_dir: Path, rate: float, stream: str, text: str
) -> EngineRun:
    """End to end in this process: confirm → every recipient settled, and what was delivered."""
    from bot.app import running
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=10)
    watch = await asyncpg.connect(dsn)
    try:
        async with running(settings_for(dsn, remote, data_dir, rate), pool) as app:
            for _ in range(600):  # elected and delivering
                if app.leadership.is_leader and app.services.broadcasts.delivery.owner:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)
            await remote.call("reset")
            started, cpu = time.monotonic(), time.process_time()
            created = await app.services.broadcasts.create(
                draft(Audience("stream", stream=stream), text)
            )
            finished = await wait_finished(watch, created.broadcast_id)
            elapsed = (finished or time.monotonic()) - started
            cpu = time.process_time() - cpu
            stats = await remote.call("stats")
            work = await count_delivered(
                pool, remote, created.broadcast_id, STREAMS[stream], finished is not None
            )
            return EngineRun(work, elapsed, stats, cpu)
    finally:
        await watch.close()
        await pool.close()


@dataclass
class BareRun:
    count: int
    delivered: int
    elapsed: float
    cpu_s: float = 0.0  # this process's CPU while the loop ran

    @property
    def rate(self) -> float:
        return self.delivered / self.elapsed if self.elapsed > 0 else 0.0

    def problem(self) -> str | None:
        if self.delivered != self.count:
            return f"the bare loop delivered only {self.delivered} of {self.count}"
        return None


async def bare_loop(
    remote: Remote,
    count: int,
    concurrency: int,
    text: str,
    *,
    plain: bool = False,
    prepared: bool = False,
) -> BareRun:
    """A bare aiogram send_message loop with ``concurrency`` requests in flight.

    By default it sends the request the engine sends (HTML parse mode, link previews off, as
    ``bot.app.make_bot`` sets them), so the ratio measures the engine against aiogram's own
    way of sending the same message; ``plain`` sends bare text, the cheapest request there
    is, for reference; ``prepared`` posts the request the way the engine does (built once,
    bot.broadcast.outgoing.Outgoing), for reference: what the engine's bookkeeping alone
    costs. Its rate counts what the stand-in delivered.
    """
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.broadcast import Content
    from bot.broadcast.outgoing import Outgoing

    session = AiohttpSession(api=TelegramAPIServer.from_base(remote.url), limit=concurrency)
    default = (
        None if plain else DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)
    )
    bot = Bot(CONSOLE_TOKEN, session=session, default=default)
    queue = iter(range(FIRST_USER, FIRST_USER + count))

    send = Outgoing(bot, Content("text", text)).send

    async def worker() -> None:
        if prepared:
            for user_id in queue:
                await send(user_id)
            return
        for user_id in queue:
            await bot.send_message(user_id, text)

    await remote.call("reset")
    started, cpu = time.monotonic(), time.process_time()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    except Exception as error:  # counted below: the loop delivered less than it was asked to
        print(f"  bare loop stopped: {error!r}", flush=True)
    elapsed = time.monotonic() - started
    cpu = time.process_time() - cpu
    await session.close()
    stats = await remote.call("stats")
    return BareRun(count, stats["delivered"], elapsed, cpu)


PAIRS = 3  # bare loop / engine runs, alternated


def per_message_ms(cpu_s: float, messages: int) -> float:
    return 1000 * cpu_s / messages if messages else float("inf")


async def best_concurrency(remote: Remote) -> int:
    """The bare loop's fastest number of requests in flight against this stand-in."""
    best_c, best = 0, 0.0
    for concurrency in (10, 50, 100, 200):
        probe = await bare_loop(remote, 5_000, concurrency, f"probe {concurrency}")
        print(
            f"  bare aiogram loop, {concurrency} in flight: {probe.rate:.0f} msg/s"
            f" ({probe.delivered} of {probe.count} delivered)"
        )
        if probe.problem() is None and probe.rate > best:
            best_c, best = concurrency, probe.rate
    await remote.call("prune")
    return best_c or 100


async def bookkeeping_cost(dsn: str, remote: Remote, work: Path, targets: Targets) -> None:
    """The engine against a bare aiogram loop sending the same 20,000 requests.

    Both run in this process, alternately, PAIRS times: other work on a small machine moves
    single runs by ±30 % and moves neighbours alike, so each pair gives a ratio and the
    targets take the median pair. CPU is this process's (user + system) over each run; the
    engine's includes its bookkeeping (claims, settlement, the control card), not the
    database server's share.
    """
    best_c = await best_concurrency(remote)
    pairs: list[tuple[BareRun, EngineRun]] = []
    for n in range(PAIRS):
        bare = await bare_loop(remote, 20_000, best_c, f"bare 20k {n}")
        await remote.call("prune")
        ours = await engine_rate(dsn, remote, work, 100_000, "bench_20k", f"engine 20k {n}")
        await remote.call("prune")
        pairs.append((bare, ours))
        print(
            f"  pair {n + 1}: bare loop {bare.rate:.0f} msg/s at {best_c} in flight,"
            f" {per_message_ms(bare.cpu_s, bare.delivered):.3f} ms CPU per message;"
            f" engine {ours.rate:.0f} msg/s ({ours.work.done} of {ours.work.expected}"
            f" delivered), {per_message_ms(ours.cpu_s, ours.work.done):.3f} ms CPU per message",
            flush=True,
        )
    plain = await bare_loop(remote, 20_000, best_c, "plain 20k", plain=True)
    await remote.call("prune")
    print(
        f"  for reference, plain text without parse mode or link options: {plain.rate:.0f} msg/s"
    )
    ready = await bare_loop(remote, 20_000, best_c, "prepared 20k", prepared=True)
    await remote.call("prune")
    engine_rate_s = sorted(o.rate for _, o in pairs)[len(pairs) // 2]
    engine_ms = sorted(per_message_ms(o.cpu_s, o.work.done) for _, o in pairs)[len(pairs) // 2]
    ready_ms = per_message_ms(ready.cpu_s, ready.delivered)
    print(
        f"  for reference, the bare loop posting the engine's prepared request: "
        f"{ready.rate:.0f} msg/s, {ready_ms:.3f} ms CPU per message — the engine's bookkeeping"
        f" on top of it (median engine run): {engine_rate_s / max(ready.rate, 1e-9):.2f}x the"
        f" rate, {engine_ms / ready_ms:.2f}x the CPU per message"
    )
    report_pairs(pairs, targets)


def report_pairs(pairs: list[tuple[BareRun, EngineRun]], targets: Targets) -> None:
    """The median pair's throughput ratio and CPU-per-message ratio, as targets."""
    problem = problems(*(p for b, o in pairs for p in (o.work.problem(), b.problem())))
    middle = len(pairs) // 2
    rates = sorted(pairs, key=lambda pair: pair[1].rate / max(pair[0].rate, 1e-9))
    bare, ours = rates[middle]
    ratio = ours.rate / bare.rate if bare.rate > 0 else 0.0
    targets.report(
        "overhead_ratio",
        f"{ratio:.2f} (median of {len(pairs)} pairs: engine {ours.rate:.0f}"
        f" vs bare {bare.rate:.0f} msg/s)",
        ">= 0.9",
        ratio >= 0.9,
        problem,
    )
    costs = sorted(
        (
            (per_message_ms(o.cpu_s, o.work.done), per_message_ms(b.cpu_s, b.delivered))
            for b, o in pairs
        ),
        key=lambda cost: cost[0] / cost[1],
    )
    engine_ms, bare_ms = costs[middle]
    targets.report(
        "cpu_per_message_ratio",
        f"{engine_ms / bare_ms:.2f}x (median of {len(pairs)} pairs: engine {engine_ms:.3f}"
        f" vs bare {bare_ms:.3f} ms CPU per message)",
        "<= 1.15x",
        engine_ms / bare_ms <= 1.15,
        problem,
    )


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


def exited(process: subprocess.Popen[bytes], data_dir: Path) -> str:
    """Why a bot process is gone, with the end of its log printed for the reader."""
    tail = (data_dir / "bot.log").read_text(errors="replace").splitlines()[-15:]
    print("  bot.log (last lines):", *(f"    {line}" for line in tail), sep="\n", flush=True)
    return f"the bot exited (code {process.returncode})"


def rss_kb(process: subprocess.Popen[bytes], field: str = "VmRSS") -> int | None:
    """The process's resident memory, or None once it has exited (a zombie has no VmRSS)."""
    if process.poll() is not None:
        return None
    try:
        lines = Path(f"/proc/{process.pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


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


async def memory_and_freeze(dsn: str, remote: Remote, data_dir: Path, targets: Targets) -> None:
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=4)
    await remote.call("reset")
    process = spawn_bot(dsn, remote, data_dir, 100_000)
    try:
        await asyncio.sleep(8)  # started, elected, idle
        idle = rss_kb(process)
        start_failure = None if idle is not None else exited(process, data_dir)
        bid, freeze_s = await create_in_db(pool, Audience("everyone"), "memory run")
        frozen = await pool.fetchval(
            "SELECT count(*) FROM message_recipients WHERE message_id = $1", bid
        )
        total = await pool.fetchval(
            "SELECT total_recipients FROM message_history WHERE id = $1", bid
        )
        targets.report(
            "freeze_100k",
            f"{freeze_s:.2f} s for {frozen} recipients",
            "<= 0.5 s",
            freeze_s <= 0.5,
            None
            if frozen == total == USERS
            else f"{frozen} rows frozen (total_recipients {total}), expected {USERS}",
        )
        peak, died = idle or 0, None
        finished = False
        deadline = time.monotonic() + 900
        while start_failure is None and time.monotonic() < deadline:
            now = rss_kb(process)
            if now is None:
                died = exited(process, data_dir)
                break
            peak = max(peak, now)
            if await pool.fetchval("SELECT finished_at FROM message_history WHERE id = $1", bid):
                finished = True
                break
            await asyncio.sleep(0.05)
        work = await count_delivered(pool, remote, bid, USERS, finished)
        problem: str | None
        if start_failure:
            problem = f"no idle reading: {start_failure} during start-up"
        elif died:
            problem = f"{died} after {work.done} of {USERS} delivered"
        elif not finished:
            problem = f"not finished in 900 s: {work.done} of {USERS} delivered"
        else:
            problem = work.problem()
        idle_mb, peak_mb = (idle or 0) / 1024, peak / 1024
        targets.report(
            "memory_100k",
            f"idle {idle_mb:.0f} MB, peak {peak_mb:.0f} MB (+{peak_mb - idle_mb:.0f} MB), "
            f"{work.done} delivered",
            "peak <= idle + 50 MB",
            peak_mb - idle_mb <= 50,
            problem,
        )
    finally:
        process.terminate()
        process.wait()
        await pool.close()
    await remote.call("prune")


KILL_RECIPIENTS = STREAMS["bench_5k"]


@dataclass
class KillRun:
    point: int
    at_kill: int = 0  # the stand-in's deliveries when the first bot was killed
    failure: str | None = None  # why the run could not be carried out
    frozen: int = 0
    sent: int = 0
    unknown: int = 0  # failed with 'outcome unknown'
    other_failed: int = 0
    pending: int = 0
    delivered: int = 0  # the stand-in's deliveries over both processes
    duplicates: int = 0

    def problem(self) -> str | None:
        """Why this run does not show what a kill -9 does to a broadcast, if it does not."""
        if self.failure:
            return self.failure
        if self.frozen != KILL_RECIPIENTS:
            return f"{self.frozen} of {KILL_RECIPIENTS} recipients frozen"
        if self.at_kill >= KILL_RECIPIENTS:
            return "killed after the broadcast had already been delivered"
        if self.sent + self.unknown != KILL_RECIPIENTS:
            return (
                f"{self.sent} sent + {self.unknown} outcome unknown of {KILL_RECIPIENTS}"
                f" ({self.other_failed} failed otherwise, {self.pending} pending)"
            )
        if not self.sent <= self.delivered <= self.sent + self.unknown:
            return f"the stand-in counted {self.delivered} deliveries for {self.sent} sent rows"
        return None


async def kill_runs(
    dsn: str, remote: Remote, data_dir: Path, targets: Targets, runs: int = 5
) -> None:
    from bot.broadcast import Audience
    from bot.db.pool import create_pool

    pool = await create_pool(dsn, max_size=4)
    await remote.call("faults", latency=0.02)
    rng = random.Random(2026)
    done: list[KillRun] = []
    try:
        for run in range(runs):
            result = KillRun(point=rng.randint(250, 4750))
            done.append(result)
            await remote.call("reset")
            bid, _ = await create_in_db(pool, Audience("stream", stream="bench_5k"), f"kill {run}")
            process = spawn_bot(dsn, remote, data_dir, 500)
            deadline = time.monotonic() + 120
            while (delivered_now := (await remote.call("stats"))["delivered"]) < result.point:
                if process.poll() is not None:
                    result.failure = f"run {run}: {exited(process, data_dir)} before the kill"
                    break
                if time.monotonic() > deadline:
                    result.failure = f"run {run}: only {delivered_now} delivered in 120 s"
                    break
                await asyncio.sleep(0.01)
            process.send_signal(signal.SIGKILL)
            process.wait()
            result.at_kill = (await remote.call("stats"))["delivered"]
            if not result.failure:
                process = spawn_bot(dsn, remote, data_dir, 500)
                try:
                    if await wait_finished(pool, bid, timeout=120) is None:
                        result.failure = f"run {run}: not finished 120 s after the restart"
                finally:
                    process.terminate()
                    process.wait()
            stats = await remote.call("stats")
            result.delivered, result.duplicates = stats["delivered"], stats["duplicates"]
            for r in await pool.fetch(
                "SELECT delivery_status, failure_reason = 'outcome unknown' AS unknown,"
                " count(*) AS n FROM message_recipients WHERE message_id = $1 GROUP BY 1, 2",
                bid,
            ):
                result.frozen += r["n"]
                if r["delivery_status"] == "sent":
                    result.sent += r["n"]
                elif r["delivery_status"] == "pending":
                    result.pending += r["n"]
                elif r["delivery_status"] == "failed" and r["unknown"]:
                    result.unknown += r["n"]
                else:
                    result.other_failed += r["n"]
            print(
                f"  kill run {run}: killed after {result.at_kill} (aimed at {result.point}),"
                f" {result.delivered} delivered, {result.sent} sent,"
                f" {result.unknown} outcome unknown",
                flush=True,
            )
    finally:
        await remote.call("faults", latency=0.0)
        await pool.close()
    duplicates = sum(r.duplicates for r in done)
    unsettled = sum(r.pending for r in done)
    unknown = sum(r.unknown for r in done)
    problem = problems(*(r.problem() for r in done))
    targets.report(
        "kill9_duplicates",
        f"{duplicates} duplicates over {runs} kills",
        "0",
        duplicates == 0,
        problem,
    )
    targets.report(
        "kill9_unsettled",
        f"{unsettled} unsettled ({unknown} ended 'outcome unknown')",
        "0",
        unsettled == 0,
        problem,
    )


async def ambiguous_answers(dsn: str, remote: Remote, work: Path, targets: Targets) -> None:
    """Telegram delivers, then the bot gets a 5xx or no answer: one copy each, none resent."""
    await remote.call(
        "faults", error_after_delivery_rate=0.15, drop_after_delivery_rate=0.05, seed=11
    )
    run = await engine_rate(dsn, remote, work, 200, "bench_1k", "ambiguous 1k")
    await remote.call("faults")
    pool = await asyncpg.connect(dsn)
    try:
        reasons = {
            r["failure_reason"]: int(r["n"])
            for r in await pool.fetch(
                "SELECT failure_reason, count(*) AS n FROM message_recipients"
                " WHERE message_id = (SELECT max(id) FROM message_history)"
                " AND delivery_status = 'failed' GROUP BY 1"
            )
        }
    finally:
        await pool.close()
    w, expected = run.work, STREAMS["bench_1k"]
    unknown = reasons.pop("outcome unknown", 0)
    problem = problems(
        None if w.frozen == expected else f"{w.frozen} of {expected} frozen",
        None if w.finished else "not finished",
        None if not reasons else f"other failures: {reasons}",
        None if unknown else "no answer was lost: the scenario did not happen",
        None if w.sent + unknown == expected else f"{w.sent} sent + {unknown} unknown",
        None if w.delivered == expected else f"the stand-in delivered {w.delivered}",
    )
    targets.report(
        "ambiguous_5xx_duplicates",
        f"{w.duplicates} duplicates; {unknown} of {expected} ended 'outcome unknown'",
        "0",
        w.duplicates == 0,
        problem,
    )


MILLION = 1_000_000


async def million_only() -> None:
    """The 1M freeze on TEST_DATABASE_URL's server (or an embedded one)."""
    from bot.db.embedded import EmbeddedPostgres

    targets = Targets()
    work = Path(tempfile.mkdtemp(prefix="hsl-bench-broadcast-"))
    server = None
    server_dsn = os.environ.get("TEST_DATABASE_URL")
    if not server_dsn:
        server = EmbeddedPostgres(work / "pg", port=55442)
        server_dsn = server.start().dsn("postgres")
    remote = Remote(work / "standin.json")
    try:
        await freeze_million(server_dsn, remote, work, targets)
    finally:
        await remote.close()
        if server is not None:
            server.destroy()
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(["", "summary:", *targets.lines]))


SENDER_WATCH_S = 30.0  # how long the sender's memory is watched while it delivers the 1M


def own_rss_kb() -> int:
    """This process's resident memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def freeze_million(
    server_dsn: str, remote: Remote, data_dir: Path, targets: Targets
) -> None:
    """Freeze "everyone" at 1,000,000 users (behind --freeze-1m: seeding takes minutes), and
    watch memory: of this process, which freezes (sampled while the statement runs), and of
    the sender, an `hsl-bot run` process that then delivers to them for SENDER_WATCH_S.

    Users are written straight into ``users`` (no events), in a scratch database of their own,
    with the table's own triggers off while seeding: whatever they keep up to date (analytics)
    is not what this measures, and would otherwise be worked off by the sender meanwhile.
    """
    from datetime import UTC, datetime

    from bot.broadcast import Audience
    from bot.db.migrations import Migrator
    from bot.db.pool import create_pool

    name = f"hsl_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = with_database(server_dsn, name)
    process = None
    try:
        conn = await asyncpg.connect(dsn)
        await Migrator(conn).upgrade()
        seeded = time.monotonic()
        now = datetime.now(UTC)
        await conn.execute("ALTER TABLE users DISABLE TRIGGER USER")
        await conn.copy_records_to_table(
            "users",
            records=((i, now) for i in range(FIRST_USER, FIRST_USER + MILLION)),
            columns=["user_id", "first_seen_at"],
        )
        await conn.execute("ALTER TABLE users ENABLE TRIGGER USER")
        await conn.execute("ANALYZE")
        await conn.close()
        await remote.call("users", first=FIRST_USER, count=MILLION)
        print(f"  1M users seeded in {time.monotonic() - seeded:.0f} s", flush=True)

        process = spawn_bot(dsn, remote, data_dir, 100_000)
        await asyncio.sleep(8)  # started, elected, idle
        sender_idle = rss_kb(process)
        sender_failure = None if sender_idle is not None else exited(process, data_dir)

        pool = await create_pool(dsn, max_size=2)
        try:
            idle = peak = own_rss_kb()
            freezing = True

            async def sample() -> None:
                nonlocal peak
                while freezing:
                    peak = max(peak, own_rss_kb())
                    await asyncio.sleep(0.01)

            sampler = asyncio.create_task(sample())
            await asyncio.sleep(0)
            bid, freeze_s = await create_in_db(pool, Audience("everyone"), "million")
            freezing = False
            await sampler
            peak = max(peak, own_rss_kb())
            frozen = await pool.fetchval(
                "SELECT count(*) FROM message_recipients WHERE message_id = $1", bid
            )
            sender_peak, died = sender_idle or 0, None
            await remote.call("reset")
            deadline = time.monotonic() + SENDER_WATCH_S
            while sender_failure is None and time.monotonic() < deadline:
                now_kb = rss_kb(process)
                if now_kb is None:
                    died = exited(process, data_dir)
                    break
                sender_peak = max(sender_peak, now_kb)
                await asyncio.sleep(0.05)
            delivered = (await remote.call("stats"))["delivered"]
        finally:
            await pool.close()
        targets.report(
            "freeze_1m",
            f"{freeze_s:.2f} s for {frozen} recipients",
            "<= 5 s",
            freeze_s <= 5,
            None if frozen == MILLION else f"{frozen} rows frozen, expected {MILLION}",
        )
        targets.report(
            "freeze_1m_rss",
            f"the freezing process: idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB"
            f" (+{(peak - idle) / 1024:.0f} MB)",
            "peak <= idle + 100 MB",
            peak - idle <= 100 * 1024,
            None if frozen == MILLION else f"{frozen} rows frozen, expected {MILLION}",
        )
        sender_idle_mb, sender_peak_mb = (sender_idle or 0) / 1024, sender_peak / 1024
        targets.report(
            "sender_1m_rss",
            f"the sender: idle {sender_idle_mb:.0f} MB, peak {sender_peak_mb:.0f} MB"
            f" (+{sender_peak_mb - sender_idle_mb:.0f} MB) over {SENDER_WATCH_S:.0f} s"
            f" delivering the 1M broadcast ({delivered} delivered)",
            "peak <= idle + 100 MB",
            sender_peak_mb - sender_idle_mb <= 100,
            problems(
                f"no idle reading: {sender_failure}" if sender_failure else None,
                died,
                None if delivered else "the sender delivered nothing",
            ),
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait()
        await drop_database(server_dsn, name)


async def main(only: str | None = None) -> None:
    """Every scenario in order; ``only`` ("ambiguous"): just that one (a quick check)."""
    from bot.broadcast import Audience  # noqa: F401 - import cost outside the timings
    from bot.db.embedded import EmbeddedPostgres

    targets = Targets()
    work = Path(tempfile.mkdtemp(prefix="hsl-bench-broadcast-"))
    server = None
    server_dsn = os.environ.get("TEST_DATABASE_URL")
    if not server_dsn:
        server = EmbeddedPostgres(work / "pg", port=55442)
        server_dsn = server.start().dsn("postgres")
    remote = Remote(work / "standin.json")
    name = f"hsl_bench_{uuid.uuid4().hex[:8]}"
    try:
        dsn = await prepare_database(server_dsn, name)
        await remote.call("users", first=FIRST_USER, count=USERS)
        print(f"database and stand-in ready ({USERS} users)", flush=True)
        if only == "ambiguous":
            await ambiguous_answers(dsn, remote, work, targets)
            return

        # 1. bookkeeping cost: our engine against a bare aiogram loop, no limits, no latency
        await bookkeeping_cost(dsn, remote, work, targets)

        # 2. 50 ms latency, limits off
        await remote.call("faults", latency=0.05)
        latent = await engine_rate(dsn, remote, work, 100_000, "bench_20k", "latency 20k")
        await remote.call("faults", latency=0.0)
        await remote.call("prune")
        targets.report(
            "latency_50ms_rate",
            f"{latent.rate:.0f} msg/s",
            ">= 1000 msg/s",
            latent.rate >= 1000,
            latent.work.problem(),
        )

        # 3. Telegram's free limit: 30 msg/s, 50 ms latency, BROADCAST_RATE=30, 1,000 recipients
        await remote.call("limits", rate_limit=30, chat_burst=5)
        await remote.call("faults", latency=0.05)
        limited = await engine_rate(dsn, remote, work, 30, "bench_1k", "limited 1k")
        await remote.call("limits", rate_limit=None, chat_burst=None)
        await remote.call("faults", latency=0.0)
        stats, problem = limited.stats, limited.work.problem()
        span = stats["last"] - stats["first"] if stats["delivered"] > 1 else 0.0
        achieved = (stats["delivered"] - 1) / span if span > 0 else 0.0
        share = achieved / 30
        targets.report(
            "limit_30_share",
            f"{achieved:.1f} msg/s = {share:.1%} of 30",
            ">= 95%",
            share >= 0.95,
            problem,
        )
        targets.report(
            "limit_30_429s", f"{stats['too_many']} x 429", "0", stats["too_many"] == 0, problem
        )
        targets.report(
            "limit_30_exactly_once",
            f"{stats['delivered']} delivered to {STREAMS['bench_1k']},"
            f" {stats['duplicates']} duplicates",
            "each exactly once",
            stats["delivered"] == STREAMS["bench_1k"] and stats["duplicates"] == 0,
            problem,
        )
        await remote.call("prune")

        # 4. freezing and memory at 100,000
        await memory_and_freeze(dsn, remote, work, targets)

        # 5. kill -9 at random points, 5 times
        await kill_runs(dsn, remote, work, targets)

        # 6. 5xx and lost answers after Telegram delivered: "outcome unknown", never twice
        await ambiguous_answers(dsn, remote, work, targets)
    finally:
        await remote.close()
        if server is not None:
            server.destroy()  # scratch cluster: removed, wherever it was kept
        else:
            await drop_database(server_dsn, name)  # scratch database on the given server
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(["", "summary:", *targets.lines]))


if __name__ == "__main__":
    if "--help" in sys.argv or "-h" in sys.argv:
        print(
            "usage: broadcast.py [--only ambiguous | --freeze-1m]\n"
            "  (default) every scenario at 100,000 users\n"
            "  --only ambiguous   only the 5xx / lost-answer scenario\n"
            "  --freeze-1m        only the freeze of 1,000,000 recipients, with the memory of\n"
            "                     the process freezing and of a sender delivering to them\n"
            "                     (seeds a scratch database; a minute or two)"
        )
    elif len(sys.argv) == 2 and sys.argv[1] == "--freeze-1m":
        asyncio.run(million_only())
    elif len(sys.argv) == 3 and sys.argv[1] == "--serve-standin":
        asyncio.run(serve_standin(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--only":
        asyncio.run(main(sys.argv[2]))
    else:
        asyncio.run(main())
