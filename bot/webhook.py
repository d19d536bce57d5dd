"""Webhook mode: an aiohttp server behind a load balancer, with a health check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.web.wiring import mount

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 10.0
WEBHOOK_ATTEMPTS = 10  # setWebhook tries, each after the wait a 429 asked for


class GuardedWebhook(SimpleRequestHandler):
    """aiogram's handler, logging requests with a wrong secret and leaving the bot open."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        accepted = super().verify_secret(telegram_secret_token, bot)
        if not accepted:
            logger.warning("webhook request with a wrong secret token refused (401)")
        return accepted

    async def close(self) -> None:
        """The App closes the bot's session after draining, not the web server."""

    async def drain(self, limit_s: float) -> None:
        pending = set(self._background_feed_update_tasks)
        if pending:
            await asyncio.wait(pending, timeout=limit_s)


def listen_address(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host or "0.0.0.0", int(port)


def build_web_app(app: App) -> tuple[web.Application, GuardedWebhook]:
    """The aiohttp application: the webhook route, /healthz and (WEBAPP_URL) the Mini App."""
    settings = app.settings
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    handler = GuardedWebhook(
        app.dispatcher,
        app.console_bot,
        handle_in_background=True,
        secret_token=settings.webhook_secret.get_secret_value(),
    )
    web_app = web.Application()
    handler.register(web_app, path=urlsplit(settings.webhook_url).path or "/")

    web_app.router.add_get("/healthz", app.health.handle)
    if settings.webapp_url:  # the admin Mini App, on the same server under its own path
        mount(web_app, settings, app.services, settings.webapp_url)
    return web_app, handler


async def set_webhook(app: App) -> None:
    """Point Telegram at WEBHOOK_URL with the secret; a 429 is waited out, never fatal."""
    settings = app.settings
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
        try:
            await app.console_bot.set_webhook(
                settings.webhook_url,
                secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=app.dispatcher.resolve_used_update_types(),
                drop_pending_updates=False,
            )
            return
        except TelegramRetryAfter as error:
            logger.info(
                "setWebhook: Telegram asks to wait %s s (attempt %s)", error.retry_after, attempt
            )
            await asyncio.sleep(error.retry_after)
    logger.error("could not set the webhook after %s attempts; serving anyway", WEBHOOK_ATTEMPTS)


async def serve_webhook(app: App, *, stop: asyncio.Event | None = None) -> None:
    """Register the webhook and serve until SIGTERM/SIGINT (or ``stop``), then drain."""
    settings = app.settings
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    web_app, handler = build_web_app(app)
    runner = web.AppRunner(web_app, handle_signals=False, shutdown_timeout=DRAIN_TIMEOUT_S)
    await runner.setup()
    host, port = listen_address(settings.webhook_listen)
    site = web.TCPSite(runner, host, port)
    await site.start()
    logger.info("webhook server listening on %s:%s", host, port)
    # Every instance of a fleet starts here; Telegram answers a second setWebhook within a
    # second with 429. So only an instance that finds the webhook different sets it, and the
    # leader sets it once elected (that also carries a rotated secret); a 429 is waited out.
    info = await app.console_bot.get_webhook_info()
    if info.url != settings.webhook_url or set(info.allowed_updates or ()) != set(
        app.dispatcher.resolve_used_update_types()
    ):
        await set_webhook(app)
    elected = app.leadership.on_elected

    async def set_webhook_then_lead() -> None:
        await set_webhook(app)
        await elected()

    app.leadership.on_elected = set_webhook_then_lead
    await app.announce_commands()
    await app.start_services()
    try:
        await stop.wait()
        logger.info("draining: no new requests, finishing those in flight")
    finally:
        await site.stop()
        await handler.drain(DRAIN_TIMEOUT_S)
        await runner.cleanup()
