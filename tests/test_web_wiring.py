"""WEBAPP_URL turns the Mini App on: served (its own server in polling mode, the webhook
server in webhook mode), an "Open dashboard" web_app button under /start, and each admin's
chat menu button; unset, nothing of it appears (and a menu button an earlier start set goes
back to the default)."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.support import ADMIN_ID, SECOND_ADMIN_ID, until_leading
from tests.test_web import auth, init_data

WEBAPP_URL = "https://school.example/dashboard"
PAGE = WEBAPP_URL + "/"


def web_app_buttons(message: Any) -> list[dict[str, Any]]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row if "web_app" in button]


async def menu_button(standin: Any, chat_id: int) -> dict[str, Any]:
    from tests.support import CONSOLE_TOKEN

    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{standin.url}/bot{CONSOLE_TOKEN}/getChatMenuButton", json={"chat_id": chat_id}
        ) as response:
            answer = await response.json()
    assert answer["ok"], answer
    result: dict[str, Any] = answer["result"]
    return result


async def test_polling_mode_serves_the_page_and_offers_the_button(
    make_settings: Any, pool: asyncpg.Pool, standin: Any
) -> None:
    from bot.app import running

    settings = make_settings(webapp_url=WEBAPP_URL, webapp_listen="127.0.0.1:0")
    async with running(settings, pool) as app:
        await until_leading(app)
        await app.polling_started.wait()
        assert app.webapp is not None
        host, port = app.webapp.addresses[0][:2]
        base = f"http://{host}:{port}/dashboard/"
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "api/me", headers=auth(init_data())) as me:
                assert me.status == 200
            async with http.get(base + "api/me") as refused:
                assert refused.status == 401
            async with http.get(f"http://{host}:{port}/healthz") as health:
                assert health.status == 200
                # the same report as the webhook server's: this instance leads
                report = await health.json()
                assert report["status"] == "ok" and report["role"] == "leader"
                assert report["term"] == app.leadership.epoch

        await standin.send_message(ADMIN_ID, "/start")
        reply = await standin.wait_for_message(ADMIN_ID)
        buttons = web_app_buttons(reply)
        assert [b["web_app"]["url"] for b in buttons] == [PAGE]
        assert buttons[0]["text"] == "📊 Open dashboard"
        for admin in (ADMIN_ID, SECOND_ADMIN_ID):
            button = await menu_button(standin, admin)
            assert button == {
                "type": "web_app",
                "text": "📊 Open dashboard",
                "web_app": {"url": PAGE},
            }


async def test_unset_nothing_changes(make_settings: Any, pool: asyncpg.Pool, standin: Any) -> None:
    from bot.app import running

    async with running(make_settings(), pool) as app:
        await until_leading(app)
        assert app.webapp is None
        await standin.send_message(ADMIN_ID, "/start")
        reply = await standin.wait_for_message(ADMIN_ID)
        assert web_app_buttons(reply) == []
        assert await menu_button(standin, ADMIN_ID) == {"type": "default"}


async def test_unsetting_it_takes_the_menu_buttons_back(
    make_settings: Any, pool: asyncpg.Pool, standin: Any
) -> None:
    """Telegram keeps a chat's menu button: a restart without WEBAPP_URL resets the admins'
    web_app buttons to the default (the commands), and only those."""
    from bot.app import running

    async with running(make_settings(webapp_url=WEBAPP_URL), pool) as app:
        await app.polling_started.wait()
    for admin in (ADMIN_ID, SECOND_ADMIN_ID):
        assert (await menu_button(standin, admin))["type"] == "web_app"
    # a button of the admin's own choosing (commands) is not ours to reset
    await set_menu_button(standin, SECOND_ADMIN_ID, {"type": "commands"})

    async with running(make_settings(), pool) as app:
        await app.polling_started.wait()
        assert app.webapp is None
        assert await menu_button(standin, ADMIN_ID) == {"type": "default"}
        assert await menu_button(standin, SECOND_ADMIN_ID) == {"type": "commands"}
        await standin.send_message(ADMIN_ID, "/start")
        assert web_app_buttons(await standin.wait_for_message(ADMIN_ID)) == []


async def set_menu_button(standin: Any, chat_id: int, button: dict[str, Any]) -> None:
    from tests.support import CONSOLE_TOKEN

    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{standin.url}/bot{CONSOLE_TOKEN}/setChatMenuButton",
            json={"chat_id": chat_id, "menu_button": button},
        ) as response:
            assert (await response.json())["ok"]


@pytest.mark.parametrize("webapp_url", [WEBAPP_URL, ""])
async def test_webhook_mode_mounts_the_page_on_the_same_server(
    make_settings: Any, pool: asyncpg.Pool, webapp_url: str
) -> None:
    from bot.app import build_app
    from bot.webhook import build_web_app

    settings = make_settings(
        webhook_url="https://bot.example/webhook",
        webhook_secret="s3cret",
        webapp_url=webapp_url,
    )
    app = build_app(settings, pool)
    try:
        web_app, _ = build_web_app(app)
        async with TestClient(TestServer(web_app)) as client:
            me = await client.get("/dashboard/api/me", headers=auth(init_data()))
            assert me.status == (200 if webapp_url else 404)
            assert (await client.get("/healthz")).status in (200, 503)
    finally:
        await app.close()
