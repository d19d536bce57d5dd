"""A running broadcast on the page: live progress from the control card's own snapshot, and
Pause/Resume from the page doing what the chat's buttons do (the chat's card follows).

The real bot runs here (leading, delivering through the stand-in at a slow BROADCAST_RATE)
and the Mini App is built from that running app's services.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.broadcast.delivery import Delivery
from bot.broadcast.models import Audience, Content, Draft
from bot.web import build_webapp
from bot.web.app import standalone
from tests.support import ADMIN_ID, CONSOLE_TOKEN, until_leading
from tests.test_broadcast_support import add_plain_users, card_of, wait_finished
from tests.test_web import PREFIX, Web, auth, init_data
from tests.test_web_browser import (  # noqa: F401  (the fixtures, by their functions' names)
    Page,
    browser_fixture,
    needs_browser,
    screenshots_fixture,
)

RECIPIENTS = 40
RATE = "8"  # messages per second: slow enough to watch


@pytest.fixture(autouse=True)
def fast_card(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


@pytest.fixture
async def live(make_settings: Any, pool: asyncpg.Pool, standin: Any) -> AsyncIterator[Web]:
    from bot.app import running

    await add_plain_users(pool, standin, 300001, RECIPIENTS)
    settings = make_settings(broadcast_rate=RATE)
    async with running(settings, pool) as app:
        await until_leading(app)
        sub = build_webapp(app.services, CONSOLE_TOKEN, settings.admin_ids, "en", settings.tz)
        client = TestClient(TestServer(standalone(sub, PREFIX, app.services)))
        await client.start_server()
        try:
            yield Web(client, app.services, pool, client.server.app)
        finally:
            await client.close()


async def start_broadcast(web: Web) -> int:
    draft = Draft(
        key=f"live-{time.monotonic_ns()}",
        author_id=ADMIN_ID,
        audience=Audience(kind="everyone"),
        content=Content(kind="text", text="Live"),
    )
    created = await web.services.broadcasts.create(draft)
    assert created.recipients == RECIPIENTS
    return created.broadcast_id


async def shown(web: Web, bid: int) -> dict[str, Any]:
    return await web.json(f"/api/broadcasts/{bid}")


async def until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_progress_moves_and_pause_resume_from_the_page_control_delivery(
    live: Web, standin: Any
) -> None:
    bid = await start_broadcast(live)

    async def sending() -> dict[str, Any] | None:
        d = await shown(live, bid)
        return d if d["counts"]["sent"] > 0 and d["counts"]["pending"] > 0 else None

    first = await until(sending)
    assert first["broadcast"]["actions"] == ["pause", "cancel"]
    assert first["progress"] is not None

    response = await live.client.post(
        f"{PREFIX}/api/broadcasts/{bid}/pause", headers=auth(init_data())
    )
    assert response.status == 200
    assert (await response.json())["broadcast"]["status"] == "paused"
    await asyncio.sleep(0.5)  # sends already handed out settle
    held = (await shown(live, bid))["counts"]
    await asyncio.sleep(1.0)
    still = (await shown(live, bid))["counts"]
    assert still["sent"] == held["sent"] and still["pending"] > 0, "paused, yet sending"
    # the chat's control card says so too (the same service call refreshed it)
    assert "Paused" in card_of(standin, bid).shown_text

    resumed = await live.client.post(
        f"{PREFIX}/api/broadcasts/{bid}/resume", headers=auth(init_data())
    )
    assert resumed.status == 200
    row = await wait_finished(live.pool, bid)
    assert row["status"] == "done" and row["successful_deliveries"] == RECIPIENTS
    final = await shown(live, bid)
    assert final["counts"]["sent"] == RECIPIENTS and final["broadcast"]["actions"] == []


@needs_browser
async def test_the_page_follows_a_running_broadcast_and_pauses_it(
    live: Web, browser: Any, screenshots: Any
) -> None:
    bid = await start_broadcast(live)
    page = Page(browser, live, screenshots)
    await page.open(f"view=broadcast&id={bid}")
    first = await page.figure("count-sent")

    async def moved() -> bool:  # the page refreshes itself: no reload here
        return await page.figure("count-sent") > first

    await until(moved)
    await page.shot("broadcast-live")
    await page.click('[data-control="pause"]')
    await page.wait_for('[data-status="paused"]')
    broadcast = await live.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "paused"
    await page.click('[data-control="resume"]')
    row = await wait_finished(live.pool, bid)
    assert row["successful_deliveries"] == RECIPIENTS

    async def final() -> bool:
        return await page.figure("count-sent") == RECIPIENTS

    await until(final)
