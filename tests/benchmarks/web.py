"""Mini App benchmark: every API route's p50 at 1M events, through HTTP and the initData check.

Run: ``.venv/bin/python tests/benchmarks/web.py`` (TEST_DATABASE_URL's server if set, else the
embedded server; ``--events N --users N`` for another scale). The school is seeded as
tests/benchmarks/analytics.py seeds it (`hsl-bot seed`'s generator, 100k users / 1M events over
180 days), with six broadcasts to everyone, delivered and ended (their rows as the engine
settles them: a history, as a school has; the routes read the newest, whose recipients file the
engine writes when the send ends, as here) and a seventh still sending, 40 % through, its
front moving at 25 a second while its routes are read (its recipients file is written from the
pieces kept by the requests before and the rows that moved since). The Mini App is
built from the chat's services and served on a loopback port; each route is asked RUNS times
with freshly signed initData (the signature is checked every time), warm, and its p50 reported.
A route that answers anything but 200 (or, for the overview, a figure other than the
service's; for a CSV, a file other than the recipients' rows) misses its target whatever its
time. Ends with one line per route: ``target web <route> p50: X ms (goal ≤ 50 ms) met|missed``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.app import make_bot  # noqa: E402
from bot.broadcast.models import Audience, Content, Draft  # noqa: E402
from bot.broadcast.store import write_recipients_csv  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.db.pool import create_pool  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.web import build_webapp  # noqa: E402
from bot.web.app import standalone  # noqa: E402
from bot.web.data import plain  # noqa: E402
from bot.web.initdata import sign_init_data  # noqa: E402
from tests.benchmarks.targets import Targets, problems  # noqa: E402
from tests.support import with_database  # noqa: E402

USERS, EVENTS, DAYS = 100_000, 1_000_000, 180
RUNS = 20
BROADCASTS = 6  # to everyone, one after another; the last is measured
GOAL_MS = 50.0
TOKEN = "1000001:bench-console"
ADMIN_ID = 700001
PREFIX = "/app"


async def seeded(server_dsn: str, users: int, events: int, created: list[str]) -> str:
    admin = await asyncpg.connect(server_dsn)
    name = f"hsl_bench_web_{uuid.uuid4().hex[:6]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    created.append(name)
    await admin.close()
    conn = await asyncpg.connect(with_database(server_dsn, name))
    await Migrator(conn).upgrade()
    started = time.perf_counter()
    summary = await seed_school(conn, SeedOptions(users=users, events=events, days=DAYS, seed=1))
    print(f"  seeded {summary.describe()} in {time.perf_counter() - started:.0f} s", flush=True)
    await conn.execute("VACUUM ANALYZE")
    await conn.close()
    return with_database(server_dsn, name)


async def deliver(pool: asyncpg.Pool, bid: int, share: float) -> None:
    """Settle the first ``share`` of a broadcast's recipients as the engine does
    (broadcast_claim, then broadcast_settle: 25 a second, 1 in 31 failed for one of the
    engine's reasons) and, for all of them, end it as broadcast_finish does."""
    await pool.execute(
        """
        WITH front AS (
            SELECT id, user_id, row_number() OVER (ORDER BY id) AS n FROM message_recipients
            WHERE message_id = $1
        ), settled AS (
            SELECT id, user_id, n, now() - interval '1 day' + n * interval '40 ms' AS at
            FROM front WHERE n <= (SELECT count(*) FROM front) * $2::float8
        )
        UPDATE message_recipients r
        SET attempted_at = s.at, settled_at = s.at + interval '150 ms',
            delivery_status = CASE WHEN s.user_id % 31 = 0 THEN 'failed' ELSE 'sent' END,
            telegram_message_id = CASE WHEN s.user_id % 31 <> 0 THEN 1000 + s.n END,
            failure_reason = CASE WHEN s.user_id % 31 = 0
                THEN (ARRAY['blocked', 'deactivated', 'chat not found'])[s.user_id % 3 + 1] END
        FROM settled s WHERE r.id = s.id
        """,
        bid,
        share,
    )
    await pool.execute(
        """
        UPDATE message_history h
        SET started_at = now() - interval '1 day',
            successful_deliveries = (SELECT count(*) FROM message_recipients
                                     WHERE message_id = $1 AND delivery_status = 'sent'),
            status = CASE WHEN $2::float8 >= 1 THEN 'done' ELSE status END,
            finished_at = CASE WHEN $2::float8 >= 1 THEN now() END
        WHERE id = $1
        """,
        bid,
        share,
    )


async def send(pool: asyncpg.Pool, bid: int) -> None:
    """Go on with a running broadcast as the sender does at 25 a second: every 0.12 s claim the
    next 3 recipients (its claims: rate × 0.1 s) and settle the 3 claimed before (its outcomes),
    each a statement of its own. Until cancelled."""
    claimed: list[int] = []
    while True:
        if claimed:
            await pool.execute(
                "UPDATE message_recipients SET delivery_status = 'sent', settled_at = now(),"
                " telegram_message_id = id WHERE id = ANY($1::int[])",
                claimed,
            )
        rows = await pool.fetch(
            "UPDATE message_recipients SET attempted_at = now(), claimed_by = 1 WHERE id IN ("
            " SELECT id FROM message_recipients WHERE message_id = $1"
            " AND delivery_status = 'pending' AND attempted_at IS NULL ORDER BY id LIMIT 3)"
            " RETURNING id",
            bid,
        )
        claimed = [row["id"] for row in rows]
        await asyncio.sleep(0.12)


def headers() -> dict[str, str]:
    user = {"id": ADMIN_ID, "first_name": "Bench", "language_code": "en"}
    return {"Authorization": "tma " + sign_init_data(TOKEN, user)}


async def measure(
    call: Callable[[], Awaitable[tuple[int, Any]]], runs: int = RUNS
) -> tuple[float, str | None]:
    """p50 in ms of ``runs`` warm calls, and a problem when any answered other than 200."""
    await call()  # warm: rollups prepared, plans cached
    times, problem = [], None
    for _ in range(runs):
        started = time.perf_counter()
        status, _ = await call()
        times.append((time.perf_counter() - started) * 1000)
        if status != 200 and problem is None:
            problem = f"answered {status}"
    return statistics.median(times), problem


async def run(dsn: str, data_dir: Path) -> Targets:
    settings = load_settings(
        bot_token=TOKEN,
        admin_ids=str(ADMIN_ID),
        database_url=dsn,
        telegram_api_url="http://127.0.0.1:9",
        data_dir=data_dir,
        language="en",
        timezone="Europe/Moscow",
        digest_time="",
        redis_url="",
        broadcast_bot_token="",
        webhook_url="",
    )
    pool = await create_pool(dsn, max_size=8)
    bot = make_bot(settings.console_token, settings)
    services = build_services(settings, pool, bot, bot)
    sub = build_webapp(services, TOKEN, settings.admin_ids, "en", settings.tz)
    client = TestClient(TestServer(standalone(sub, PREFIX, services)))
    await client.start_server()
    targets = Targets()
    try:
        # The measured broadcast is the newest of several, as in a school's history: its
        # recipients are read among every earlier broadcast's rows.
        for number in range(1, BROADCASTS + 2):
            draft = Draft(
                key=f"bench-{uuid.uuid4().hex}",
                author_id=ADMIN_ID,
                audience=Audience(kind="everyone"),
                content=Content(kind="text", text=f"Benchmark {number}"),
            )
            created = (await services.broadcasts.create(draft)).broadcast_id
            if number <= BROADCASTS:
                bid = created
                await deliver(pool, bid, 1.0)
                started = time.perf_counter()
                await write_recipients_csv(pool, bid, settings.tz)  # as the engine, at the end
                written_ms = (time.perf_counter() - started) * 1000
            else:
                running = created
                await deliver(pool, running, 0.4)
        await pool.execute("VACUUM ANALYZE message_recipients")
        stream = (await services.school.streams())[0]
        someone = await pool.fetchrow(
            "SELECT user_id, username FROM users WHERE username IS NOT NULL LIMIT 1"
        )
        booking = await pool.fetchrow(
            "SELECT id, course_stream, confirmed, referral_code,"
            " coalesce(discount_percent, 0) AS discount_percent FROM bookings"
            " WHERE confirmed = 0 LIMIT 1"
        )
        gets = {
            "me": "/api/me",
            "overview": "/api/overview",
            "growth": "/api/growth?days=30",
            "growth all": "/api/growth?days=all",
            "daily": "/api/daily?days=30",
            "streams": "/api/streams",
            "students": f"/api/streams/{stream.key}",
            "funnel": "/api/funnel?days=30",
            "retention": "/api/retention",
            "leads": "/api/leads",
            "people search": f"/api/people?q=%40{someone['username']}",
            "person": f"/api/people/{someone['user_id']}",
            "history": "/api/broadcasts",
            "broadcast": f"/api/broadcasts/{bid}",
            "recipients": f"/api/broadcasts/{bid}/recipients?status=failed&q=1",
            "recipients csv": f"/api/broadcasts/{bid}/csv",
            "running broadcast": f"/api/broadcasts/{running}",
            "running recipients": f"/api/broadcasts/{running}/recipients?status=pending&q=1",
            "running recipients csv": f"/api/broadcasts/{running}/csv",
        }
        total = await pool.fetchval(
            "SELECT total_recipients FROM message_history WHERE id=$1", bid
        )
        print(
            f"  broadcast #{bid} to {total} recipients, the newest ended of {BROADCASTS};"
            f" #{running} sending; #{bid}'s recipients file written in {written_ms:.0f} ms"
            " when it ended",
            flush=True,
        )
        for name, path in gets.items():

            async def get(path: str = path) -> tuple[int, Any]:
                async with client.get(PREFIX + path, headers=headers()) as response:
                    return response.status, await response.read()

            sender = None
            if name.startswith("running"):  # the sender's front moves while it is read
                sender = asyncio.create_task(send(pool, running))
            try:
                p50, problem = await measure(get)
            finally:
                if sender is not None:
                    sender.cancel()
                    await asyncio.gather(sender, return_exceptions=True)
            if name == "overview":
                async with client.get(PREFIX + path, headers=headers()) as response:
                    shown = await response.json()
                if shown["stats"] != plain(await services.school.stats()):
                    problem = problems(problem, "overview differs from the stats service")
            if name.endswith("csv"):
                measured = running if name.startswith("running") else bid
                _, body = await get()
                if body != await write_recipients_csv(pool, measured, settings.tz, kept=False):
                    problem = problems(problem, "the file is not the recipients' rows")
            targets.report(
                f"web {name} p50", f"{p50:.1f} ms", f"≤ {GOAL_MS:.0f} ms", p50 <= GOAL_MS, problem
            )

        actions = iter(["pause", "resume"] * (RUNS + 2))

        async def control() -> tuple[int, Any]:
            action = next(actions)
            async with client.post(
                f"{PREFIX}/api/broadcasts/{running}/{action}", headers=headers()
            ) as response:
                return response.status, await response.read()

        p50, problem = await measure(control)
        targets.report(
            "web pause/resume p50", f"{p50:.1f} ms", f"≤ {GOAL_MS:.0f} ms", p50 <= GOAL_MS, problem
        )

        state = {
            k: booking[k]
            for k in ("course_stream", "confirmed", "referral_code", "discount_percent")
        }

        async def edit() -> tuple[int, Any]:
            wanted = {"discount_percent": 5 if state["discount_percent"] != 5 else 0}
            body = {"expected": state, "set": wanted}
            async with client.post(
                f"{PREFIX}/api/bookings/{booking['id']}", json=body, headers=headers()
            ) as response:
                answer = await response.json()
            if response.status == 200:
                state.update(answer["booking"]["state"])
            return response.status, answer

        p50, problem = await measure(edit)
        targets.report(
            "web booking edit p50", f"{p50:.1f} ms", f"≤ {GOAL_MS:.0f} ms", p50 <= GOAL_MS, problem
        )
    finally:
        await client.close()
        await bot.session.close()
        await pool.close()
    return targets


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args(argv)
    configured = os.environ.get("TEST_DATABASE_URL")
    server: EmbeddedPostgres | None = None
    if configured:
        server_dsn = configured
    else:
        server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="hsl-bench-pg-")), port=55434)
        server_dsn = server.start().dsn("postgres")
    created: list[str] = []
    try:
        print(f"== {args.users} users / {args.events} events ==", flush=True)
        dsn = await seeded(server_dsn, args.users, args.events, created)
        with tempfile.TemporaryDirectory() as data_dir:
            targets = await run(dsn, Path(data_dir))
    finally:
        admin = await asyncpg.connect(server_dsn)
        for name in created:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            server.destroy()
    print("\n== targets ==")
    print("\n".join(targets.lines))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
