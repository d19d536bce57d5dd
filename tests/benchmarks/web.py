"""Mini App benchmark: every API route's p50 at 1M events, through HTTP and the initData check.

Run: ``.venv/bin/python tests/benchmarks/web.py`` (TEST_DATABASE_URL's server if set, else the
embedded server; ``--events N --users N`` for another scale). The school is seeded as
tests/benchmarks/analytics.py seeds it (`hsl-bot seed`'s generator, 100k users / 1M events over
180 days), with six broadcasts to everyone (the routes read the newest: a history, as a school
has); the Mini App is built from the chat's services and served on a loopback port; each
route is asked RUNS times with freshly signed initData (the signature is checked every time),
warm, and its p50 reported. A route that answers anything but 200 (or, for the overview, a
figure other than the service's) misses its target whatever its time.
Ends with one line per route: ``target web <route> p50: X ms (goal ≤ 50 ms) met|missed``.
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
        for number in range(1, BROADCASTS + 1):
            draft = Draft(
                key=f"bench-{uuid.uuid4().hex}",
                author_id=ADMIN_ID,
                audience=Audience(kind="everyone"),
                content=Content(kind="text", text=f"Benchmark {number}"),
            )
            bid = (await services.broadcasts.create(draft)).broadcast_id
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
            "recipients": f"/api/broadcasts/{bid}/recipients?status=pending&q=1",
            "recipients csv": f"/api/broadcasts/{bid}/csv",
        }
        total = await pool.fetchval(
            "SELECT total_recipients FROM message_history WHERE id=$1", bid
        )
        print(f"  broadcast #{bid} to {total} recipients, the newest of {BROADCASTS}", flush=True)
        for name, path in gets.items():

            async def get(path: str = path) -> tuple[int, Any]:
                async with client.get(PREFIX + path, headers=headers()) as response:
                    return response.status, await response.read()

            p50, problem = await measure(get)
            if name == "overview":
                async with client.get(PREFIX + path, headers=headers()) as response:
                    shown = await response.json()
                if shown["stats"] != plain(await services.school.stats()):
                    problem = problems(problem, "overview differs from the stats service")
            targets.report(
                f"web {name} p50", f"{p50:.1f} ms", f"≤ {GOAL_MS:.0f} ms", p50 <= GOAL_MS, problem
            )

        actions = iter(["pause", "resume"] * (RUNS + 2))

        async def control() -> tuple[int, Any]:
            action = next(actions)
            async with client.post(
                f"{PREFIX}/api/broadcasts/{bid}/{action}", headers=headers()
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
