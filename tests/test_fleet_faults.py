"""A leader that hangs or is cut off from PostgreSQL is replaced, and once it wakes it sends
nothing: its term is over and every claim it tries carries the old epoch (fenced leadership).

Each instance reaches PostgreSQL through a TCP proxy of this test's own, so one instance can
be cut off (its traffic silently dropped, the sockets left open) and restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from bot.leadership import LEADER_LOCK_KEY
from tests.fleet import (
    Instance,
    LoadBalancer,
    TcpProxy,
    free_port,
    instance_env,
    start_instance,
    through,
    upstream_of,
    wait_healthy,
)
from tests.test_broadcast_support import (
    add_plain_users,
    assert_exactly_once,
    compose,
    send_now,
    wait_finished,
)

RATE = "40"


@dataclass
class Fleet:
    lb: LoadBalancer
    instances: list[Instance]
    proxies: list[TcpProxy]


@pytest.fixture
async def proxied_fleet(standin: Any, db_dsn: str, tmp_path: Path) -> AsyncIterator[Fleet]:
    standin.allow_insecure_webhooks = True
    ports = [free_port(), free_port()]
    lb = LoadBalancer([f"http://127.0.0.1:{port}/webhook" for port in ports])
    await lb.start()
    proxies = [TcpProxy(upstream_of(db_dsn)) for _ in ports]
    for proxy in proxies:
        await proxy.start()
    instances = [
        await start_instance(
            instance_env(through(db_dsn, proxy), standin, tmp_path, lb, port, BROADCAST_RATE=RATE),
            port,
            tmp_path,
        )
        for port, proxy in zip(ports, proxies, strict=True)
    ]
    try:
        for instance in instances:
            await wait_healthy(instance)
        yield Fleet(lb, instances, proxies)
    finally:
        for instance in instances:
            with contextlib.suppress(ProcessLookupError):
                instance.process.send_signal(signal.SIGCONT)
            instance.kill()
        for instance in instances:
            await instance.process.wait()
        for proxy in proxies:
            await proxy.stop()
        await lb.stop()


async def health(instance: Instance) -> dict[str, Any]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        return await instance.health(session) or {}


async def leader_index(fleet: Fleet) -> int:
    for _ in range(200):
        for index, instance in enumerate(fleet.instances):
            if (await health(instance)).get("role") == "leader":
                return index
        await asyncio.sleep(0.05)
    raise AssertionError("no leader")


async def until_leads(instance: Instance, attempts: int = 300) -> int:
    """The term the instance leads, once it does (30 s at most)."""
    for _ in range(attempts):
        report = await health(instance)
        if report.get("role") == "leader" and report.get("http_status") == 200:
            return int(report["term"])
        await asyncio.sleep(0.1)
    raise AssertionError("the other instance never took over")


async def run_broadcast(standin: Any, pool: asyncpg.Pool, first_id: int, text: str) -> int:
    await add_plain_users(pool, standin, first_id, 160)
    standin.set_faults(latency=0.02)
    base = standin.delivered_count()
    bid = await send_now(standin, await compose(standin, "Everyone", text))
    await standin.wait_for(lambda: standin.delivered_count() >= base + 40, timeout=30)
    return bid


async def claims_after(pool: asyncpg.Pool, bid: int, owners: set[int], moment: Any) -> int:
    """Claims made by these sender processes after ``moment`` (the database's clock)."""
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM message_recipients WHERE message_id = $1"
            " AND claimed_by = ANY($2::int[]) AND attempted_at > $3",
            bid,
            list(owners),
            moment,
        )
    )


async def owners_so_far(pool: asyncpg.Pool, bid: int) -> set[int]:
    rows = await pool.fetch(
        "SELECT DISTINCT claimed_by FROM message_recipients"
        " WHERE message_id = $1 AND claimed_by IS NOT NULL",
        bid,
    )
    return {r["claimed_by"] for r in rows}


async def until_the_term_holds_the_lock(pool: asyncpg.Pool, term: int) -> None:
    """Until term ``term``'s session holds the leader lock (nothing can depose it then); the
    term must not change meanwhile."""
    for _ in range(300):
        row = await pool.fetchrow(
            "SELECT t.epoch, EXISTS (SELECT 1 FROM pg_locks AS l WHERE l.locktype = 'advisory'"
            " AND l.granted AND l.pid = t.backend_pid"
            " AND ((l.classid::bigint << 32) | l.objid::bigint) = $1) AS locked"
            " FROM leader_term AS t",
            LEADER_LOCK_KEY,
        )
        assert row["epoch"] == term, "another term began: the healthy leader was deposed"
        if row["locked"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the leader that took over never took the lock")


async def test_a_frozen_leader_is_replaced_and_sends_nothing_when_it_wakes(
    standin: Any, proxied_fleet: Fleet, pool: asyncpg.Pool
) -> None:
    fleet = proxied_fleet
    text = "Through a frozen leader"
    bid = await run_broadcast(standin, pool, 740000, text)
    index = await leader_index(fleet)
    frozen, survivor = fleet.instances[index], fleet.instances[1 - index]
    owners = await owners_so_far(pool, bid)
    frozen.process.send_signal(signal.SIGSTOP)
    term = await until_leads(survivor)
    taken_over_at = await pool.fetchval("SELECT now()")
    # Woken as soon as the other took over (past leadership.STALE_S), while it may still be
    # sending. The takeover ended the frozen one's session, so it finds the leader lock free:
    # it must leave the new term alone until the new leader has taken the lock.
    frozen.process.send_signal(signal.SIGCONT)
    await until_the_term_holds_the_lock(pool, term)
    await wait_finished(pool, bid, timeout=60)
    assert await pool.fetchval("SELECT epoch FROM leader_term") == term
    assert await claims_after(pool, bid, owners, taken_over_at) == 0
    await assert_exactly_once(pool, standin, bid, text)
    # once awake it knows it is not the leader any more
    for _ in range(100):
        if (await health(frozen)).get("role") == "standby":
            break
        await asyncio.sleep(0.1)
    assert (await health(frozen)).get("role") == "standby"


async def test_a_leader_cut_off_from_the_database_is_replaced_and_sends_nothing_after(
    standin: Any, proxied_fleet: Fleet, pool: asyncpg.Pool
) -> None:
    fleet = proxied_fleet
    text = "Through a cut-off leader"
    bid = await run_broadcast(standin, pool, 741000, text)
    index = await leader_index(fleet)
    isolated, survivor = fleet.instances[index], fleet.instances[1 - index]
    owners = await owners_so_far(pool, bid)
    fleet.proxies[index].cut()
    term = await until_leads(survivor)
    taken_over_at = await pool.fetchval("SELECT now()")
    await wait_finished(pool, bid, timeout=60)
    fleet.proxies[index].restore()
    assert await pool.fetchval("SELECT epoch FROM leader_term") == term
    assert await claims_after(pool, bid, owners, taken_over_at) == 0
    await assert_exactly_once(pool, standin, bid, text)
    report = await health(isolated)
    assert report.get("role") != "leader" or report.get("http_status") == 503
