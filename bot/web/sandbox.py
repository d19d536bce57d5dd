"""The Mini App in the sandbox: served on a free local port, opened with a signed link.

The sandbox has no public HTTPS address, so no web_app button can open the page from the
terminal chat; instead it prints the page's local address with freshly signed initData for
the sandbox admin (valid for an hour), to open in any browser.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from bot.web.app import DEFAULT_PREFIX, serve_webapp, standalone
from bot.web.initdata import signed_link
from bot.web.wiring import webapp_for

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services

LOCAL = "127.0.0.1"


async def serve_locally(
    settings: Settings,
    services: Services,
    admin_id: int,
    listen: str = f"{LOCAL}:0",
    language_code: str = "en",  # the stand-in's admin writes from an English client
) -> tuple[web.AppRunner, str]:
    """Serve the Mini App on ``listen`` (a free port by default); the runner and the link."""
    root = standalone(webapp_for(settings, services), DEFAULT_PREFIX, services)
    runner = await serve_webapp(root, listen)
    host, port = runner.addresses[0][:2]
    page = f"http://{LOCAL if host in ('0.0.0.0', '::') else host}:{port}{DEFAULT_PREFIX}/"
    user = {"id": admin_id, "first_name": "Admin", "language_code": language_code}
    return runner, signed_link(page, settings.console_token, user)


@contextlib.asynccontextmanager
async def local_dashboard(
    settings: Settings, services: Services, admin_id: int, *, enabled: bool
) -> AsyncIterator[str | None]:
    """The sandbox's dashboard while the sandbox runs: its signed link (None when disabled:
    a replayed script prints the same transcript every time, with no link that changes)."""
    if not enabled:
        yield None
        return
    runner, link = await serve_locally(settings, services, admin_id)
    try:
        yield link
    finally:
        await runner.cleanup()
