"""Fleet benchmark: updates per second by one instance and by two, and leader takeover time.

Run: ``.venv/bin/python tests/benchmarks/fleet.py`` (TEST_DATABASE_URL's server if set, else
the embedded server). The stand-in and a round-robin load balancer run in this process; each
hsl-bot instance is a real `hsl-bot run` process in webhook mode. Many admins send /stats at
once; an update counts as handled when its reply reaches the stand-in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.db.embedded import EmbeddedPostgres  # noqa: E402
from bot.db.migrations import Migrator  # noqa: E402
from bot.sandbox.standin import StandIn  # noqa: E402
from bot.seed import SeedOptions, seed_school  # noqa: E402
from tests.fleet import (  # noqa: E402
    LoadBalancer,
    TcpProxy,
    free_port,
    instance_env,
    start_instance,
    through,
    upstream_of,
    wait_healthy,
)
from tests.support import CONSOLE_TOKEN, with_database  # noqa: E402

ADMINS = [800000 + n for n in range(60)]
ROUNDS = 5  # /stats per admin per run
TAKEOVER_GOAL_S = 15.0


async def throughput(standin: StandIn, dsn: str, data_dir: Path, count: int) -> float:
    """Replies per second with ``count`` instances behind the balancer."""
    ports = [free_port() for _ in range(count)]
    lb = LoadBalancer([f"http://127.0.0.1:{p}/webhook" for p in ports])
    await lb.start()
    extra = {"ADMIN_IDS": ",".join(map(str, ADMINS)), "LOG_LEVEL": "WARNING"}
    instances = [
        await start_instance(instance_env(dsn, standin, data_dir, lb, p, **extra), p, data_dir)
        for p in ports
    ]
    try:
        for instance in instances:
            await wait_healthy(instance)
        # Warm up every instance (first queries, first chart code paths).
        for admin in ADMINS[: 2 * count]:
            await standin.send_message(admin, "/stats", token=CONSOLE_TOKEN)
            await standin.wait_for_message(admin, timeout=30)
        before = standin.delivered_count(CONSOLE_TOKEN)
        total = len(ADMINS) * ROUNDS
        started = time.perf_counter()
        for _ in range(ROUNDS):
            for admin in ADMINS:
                await standin.send_message(admin, "/stats", token=CONSOLE_TOKEN)
        await standin.wait_for(
            lambda: standin.delivered_count(CONSOLE_TOKEN) - before >= total, timeout=300
        )
        elapsed = time.perf_counter() - started
        return total / elapsed
    finally:
        for instance in instances:
            await instance.terminate()
        await lb.stop()


FAULTS = ["kill", "kill", "kill", "stop", "cut"]  # kill -9, SIGSTOP for STOP_S, cut off
STOP_S = 60.0


async def takeovers(standin: StandIn, dsn: str, data_dir: Path) -> list[tuple[str, float]]:
    """Fault the leader of two instances, measure until the other leads; repeat per fault.

    kill: kill -9 (restarted after); stop: SIGSTOP for STOP_S, then SIGCONT; cut: its
    connection to PostgreSQL goes through a proxy that silently drops traffic, then is
    restored. The time is from the fault until the other instance reports itself leader.
    """
    import signal

    import aiohttp

    ports = [free_port(), free_port()]
    lb = LoadBalancer([f"http://127.0.0.1:{p}/webhook" for p in ports])
    await lb.start()
    proxies = [TcpProxy(upstream_of(dsn)) for _ in ports]
    for proxy in proxies:
        await proxy.start()
    extra = {"LOG_LEVEL": "WARNING"}
    envs = [
        instance_env(through(dsn, proxies[i]), standin, data_dir, lb, p, **extra)
        for i, p in enumerate(ports)
    ]
    instances = [await start_instance(envs[i], ports[i], data_dir) for i in range(2)]
    times: list[tuple[str, float]] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:

            async def role(instance: Any) -> str | None:
                return (await instance.health(session) or {}).get("role")

            for fault in FAULTS:
                for instance in instances:
                    await wait_healthy(instance)
                roles: list[str | None] = []
                for _ in range(600):  # other processes: their health is all there is to watch
                    roles = [await role(i) for i in instances]
                    if "leader" in roles:
                        break
                    await asyncio.sleep(0.1)
                index = roles.index("leader")
                leader, survivor = instances[index], instances[1 - index]
                faulted = time.perf_counter()
                if fault == "kill":
                    leader.kill()
                    await leader.process.wait()
                elif fault == "stop":
                    leader.process.send_signal(signal.SIGSTOP)
                else:
                    proxies[index].cut()
                while await role(survivor) != "leader":
                    if time.perf_counter() - faulted > 120:
                        break
                    await asyncio.sleep(0.05)
                times.append((fault, time.perf_counter() - faulted))
                if fault == "kill":
                    instances[index] = await start_instance(envs[index], ports[index], data_dir)
                elif fault == "stop":
                    await asyncio.sleep(max(0.0, STOP_S - (time.perf_counter() - faulted)))
                    leader.process.send_signal(signal.SIGCONT)
                else:
                    proxies[index].restore()
    finally:
        for instance in instances:
            with contextlib.suppress(ProcessLookupError):
                instance.process.send_signal(signal.SIGCONT)
            instance.kill()
            await instance.process.wait()
        for proxy in proxies:
            await proxy.stop()
        await lb.stop()
    return times


def scratch_dir() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="hsl-fleet-"))
    scratch.chmod(0o755)  # as root, the embedded server's own user must enter it
    return scratch


async def main() -> None:
    configured = os.environ.get("TEST_DATABASE_URL")
    server = None
    scratch = scratch_dir()
    if configured:
        admin_dsn = configured
    else:
        server = EmbeddedPostgres(scratch / "db", port=55490)
        admin_dsn = server.start().dsn("postgres")
    name = f"hsl_fleet_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    # the balancer is plain HTTP on 127.0.0.1
    standin = StandIn(rate_limit=None, chat_burst=None, allow_insecure_webhooks=True)
    try:
        connection = await asyncpg.connect(dsn)
        await Migrator(connection).upgrade()
        summary = await seed_school(connection, SeedOptions(10_000, 100_000, 120, 1))
        await connection.close()
        print(f"school: {summary.describe()}")
        await standin.start()
        standin.add_bot(CONSOLE_TOKEN, "hsl_fleet_bot")
        for admin_id in ADMINS:
            standin.create_user(admin_id, first_name="Admin")
        one = await throughput(standin, dsn, scratch, 1)
        two = await throughput(standin, dsn, scratch, 2)
        print(f"updates handled per second (/stats from {len(ADMINS)} admins):")
        print(f"  one instance : {one:8.1f}/s")
        print(f"  two instances: {two:8.1f}/s   ({two / one:.2f}× one)")
        times = await takeovers(standin, dsn, scratch)
        for fault in dict.fromkeys(f for f, _ in times):
            seconds = [t for f, t in times if f == fault]
            print(f"leader takeover after {fault}: " + ", ".join(f"{t:.2f} s" for t in seconds))
        everything = [t for _, t in times]
        median, worst = statistics.median(everything), max(everything)
        print(f"  median {median:.2f} s, max {worst:.2f} s")
        verdict = "met" if worst <= TAKEOVER_GOAL_S else "missed"
        print(f"target takeover_max_seconds: {worst:.2f} (goal {TAKEOVER_GOAL_S:.0f}) {verdict}")
    finally:
        await standin.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if server is not None:
            server.destroy()  # scratch cluster: removed, wherever it was kept


if __name__ == "__main__":
    asyncio.run(main())
