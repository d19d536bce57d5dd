"""What README promises and no other test held: each written as the admin would meet it."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import pytest

from bot.app import running
from bot.broadcast.delivery import Delivery
from tests.support import ADMIN_ID, CONSOLE_TOKEN
from tests.test_analytics import School, ask
from tests.test_analytics import school as school  # the fixture
from tests.test_broadcast_support import (
    add_plain_users,
    choose_audience,
    finish_compose,
    press,
    send_now,
    wait_finished,
)


@pytest.fixture(autouse=True)
def wake_ups_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


def table(document: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(document.decode("utf-8-sig"))))


async def test_export_users_and_registrations(
    standin: Any, school: School, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """README: `/export users|bookings|registrations|events [days]`."""
    users = await ask(standin, "/export users csv")
    assert users.kind == "document" and users.document_name.startswith("users-")
    rows = table(users.document_bytes)
    known = await pool.fetchval("SELECT count(*) FROM users WHERE first_seen_at IS NOT NULL")
    assert len(rows) == known > 0
    assert {"user_id", "username", "first_name", "blocked"} <= rows[0].keys()

    registrations = await ask(standin, "/export registrations csv")
    rows = table(registrations.document_bytes)
    assert len(rows) == len(school.registrations) > 0
    assert f"{len(rows)} rows" in registrations.plain_caption


async def test_growth_buttons_redraw_the_chart_in_place(
    standin: Any, school: School, bot_app: Any
) -> None:
    """README: buttons 7/30/90/365/all redraw it in place."""
    chart = await ask(standin, "/growth")
    assert chart.kind == "photo" and "last 30 days" in chart.plain_caption
    steps = (
        ("90", "last 90 days"),
        ("365", "last 365 days"),
        ("All", "all time"),
        ("30", "last 30"),
    )
    for label, words in steps:
        before = len(chart.edits)
        await press(standin, chart, label)
        await standin.wait_for(lambda n=before: len(chart.edits) > n, timeout=15)
        assert words.lower() in chart.plain_caption.lower(), (label, chart.plain_caption)
        marked = [t for row in chart.buttons for t, _ in row if t.startswith("•")]
        assert marked == [f"• {label} •"]
    # nothing else was sent: every press edited the one chart
    assert len(standin.transcript(ADMIN_ID)) == 1


async def test_polling_deletes_a_webhook_first(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    """README: without WEBHOOK_URL the bot polls, deleting any webhook first."""
    state = standin.bot(CONSOLE_TOKEN)
    state.webhook_url = "https://bot.example.com/old-webhook"
    async with running(make_settings(), pool):
        reply = await ask(standin, "/start")
        assert "School admin console" in reply.plain_text
        assert state.webhook_url == ""


@pytest.mark.parametrize("kind", ["video", "document"])
async def test_a_video_or_a_document_goes_out_with_its_caption(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, kind: str
) -> None:
    """README: one photo/video/document with a caption."""
    ids = await add_plain_users(pool, standin, 750000 if kind == "video" else 751000, 3)
    await choose_audience(standin, "Everyone")
    payload = ("lesson.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64)
    if kind == "video":
        await standin.send_message(ADMIN_ID, video=payload, caption="Watch <b>this</b>")
    else:
        await standin.send_message(ADMIN_ID, document=payload, caption="Read <b>this</b>")
    bid = await send_now(standin, await finish_compose(standin))
    row = await wait_finished(pool, bid)
    assert row["successful_deliveries"] == len(ids)
    for user_id in ids:
        (copy,) = standin.transcript(user_id)
        assert copy.kind == kind
        assert copy.shown_text == ("Watch this" if kind == "video" else "Read this")
