"""Build everything from Settings and run it: pool, bots, dispatcher, background services."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramNotFound, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiohttp import web

from bot.config import ConfigError, Settings
from bot.health import Health
from bot.leadership import Leadership
from bot.services import Services, build_services
from bot.telegram import setup_dispatcher
from bot.telegram.broadcast.presenter import CardPresenter
from bot.telegram.console.commands import ADMIN_COMMANDS, PUBLIC_COMMANDS
from bot.telegram.core.language import MENU_LANGUAGE_CODES, Languages
from bot.telegram.core.session import WaitOutFloods
from bot.telegram.core.storage import PostgresStorage
from bot.telegram.digest.presenter import ChatDigestPresenter
from bot.telegram.texts import Texts
from bot.web.wiring import offer_dashboard, page_url, withdraw_dashboard
from bot.web.wiring import serve as serve_webapp

logger = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 10.0


def make_bot(token: str, settings: Settings) -> Bot:
    """A Bot pointed at TELEGRAM_API_URL, HTML parse mode by default; it waits out 429s
    (except inside the broadcast engine, which paces itself)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(WaitOutFloods())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


def make_storage(settings: Settings, pool: asyncpg.Pool) -> BaseStorage:
    """FSM state in Redis when REDIS_URL is set, else in PostgreSQL: both survive restarts."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        )
    return PostgresStorage(pool)


@dataclass
class App:
    """Everything a running hsl-bot holds."""

    settings: Settings
    pool: asyncpg.Pool
    console_bot: Bot
    sender_bot: Bot
    dispatcher: Dispatcher
    texts: Texts
    services: Services
    leadership: Leadership
    languages: Languages
    polling_started: asyncio.Event = field(default_factory=asyncio.Event)
    webapp: web.AppRunner | None = None  # the Mini App's own server (polling mode)

    @property
    def health(self) -> Health:
        """This instance's /healthz, on whichever server it runs."""
        return Health(self.pool, self.leadership, self.services.digest_scheduler)

    async def announce_commands(self) -> None:
        """Admins see the console commands in their chats; everyone else only /start.

        Each menu is set per client language (Telegram picks the one matching the reader's
        app, else the one without a code), so an admin whose Telegram is in Russian,
        Ukrainian or Belarusian sees Russian descriptions; LANGUAGE set puts its language in all.
        """
        for code in MENU_LANGUAGE_CODES:
            texts = self.languages.for_client(code or None)
            await self.console_bot.set_my_commands(
                [BotCommand(command=c, description=texts(f"cmd_{c}")) for c in PUBLIC_COMMANDS],
                scope=BotCommandScopeDefault(),
                language_code=code or None,
            )
        for admin_id in self.settings.admin_ids:
            try:
                for code in MENU_LANGUAGE_CODES:
                    texts = self.languages.for_client(code or None)
                    await self.console_bot.set_my_commands(
                        [
                            BotCommand(command=c, description=texts(f"cmd_{c}"))
                            for c in ADMIN_COMMANDS
                        ],
                        scope=BotCommandScopeChat(chat_id=admin_id),
                        language_code=code or None,
                    )
            except Exception as exc:  # an admin who never opened the bot has no chat yet
                logger.warning("could not set the command menu for admin %s: %s", admin_id, exc)
        await self.offer_dashboard()

    async def offer_dashboard(self) -> None:
        """With WEBAPP_URL: each admin's chat menu button opens the Mini App. Without it: a
        button an earlier start set is taken back (Telegram keeps it across restarts)."""
        url = self.settings.webapp_url
        if not url:
            await withdraw_dashboard(self.console_bot, self.settings.admin_ids)
            return

        async def label(admin_id: int) -> str:
            return (await self.languages.for_admin(admin_id))("menu_dashboard")

        await offer_dashboard(self.console_bot, self.settings.admin_ids, url, label)

    async def serve_webapp(self) -> None:
        """Polling mode with WEBAPP_URL: the Mini App's own server on WEBAPP_LISTEN."""
        settings = self.settings
        if not settings.webapp_url:
            return
        try:
            self.webapp = await serve_webapp(
                settings, self.services, settings.webapp_url, settings.webapp_listen, self.health
            )
        except OSError as error:
            raise ConfigError(
                f"WEBAPP_LISTEN: cannot listen on {settings.webapp_listen} ({error})"
            ) from None

    async def start_services(self) -> None:
        """Campaign for leadership; the leader alone delivers broadcasts and runs schedules."""
        self.leadership.start()
        # Start-up is over: what it built (aiogram's and pydantic's classes, the app) lives as
        # long as the process. Out of the collector's sight, full collections stop walking it
        # again and again while a broadcast allocates per message.
        gc.freeze()

    async def close(self) -> None:
        if self.webapp is not None:
            await self.webapp.cleanup()
        await self.leadership.stop()
        await self.dispatcher.storage.close()
        await self.console_bot.session.close()
        if self.sender_bot is not self.console_bot:
            await self.sender_bot.session.close()


def build_app(settings: Settings, pool: asyncpg.Pool) -> App:
    """Wire the bots, the dispatcher and its data; nothing runs yet."""
    settings.require_admins()
    languages = Languages(pool, settings.language, settings.tz)
    texts = languages.default  # for updates without a sender; others get their own
    console_bot = make_bot(settings.console_token, settings)
    sender_bot = (
        console_bot
        if settings.sender_token == settings.console_token
        else make_bot(settings.sender_token, settings)
    )
    services = build_services(settings, pool, console_bot, sender_bot)
    # The delivery engine and the digest show things to admins; wired here, at build time,
    # so both are ready before any instance becomes leader. The digest goes to each admin in
    # their own language.
    services.broadcasts.attach(CardPresenter(languages))
    services.digest.attach(ChatDigestPresenter(console_bot, languages))
    dispatcher = Dispatcher(
        storage=make_storage(settings, pool),
        settings=settings,
        texts=texts,
        languages=languages,
        **services.as_data(),
        admin_ids=frozenset(settings.admin_ids),
        dashboard_url=page_url(settings.webapp_url) if settings.webapp_url else None,
    )
    setup_dispatcher(dispatcher)
    leadership = Leadership(pool, services.start, services.stop)
    services.follow(leadership)
    return App(
        settings, pool, console_bot, sender_bot, dispatcher, texts, services, leadership, languages
    )


async def check_tokens(app: App) -> None:
    """Ask Telegram who each bot is: a refused token stops start-up with one line."""
    bots = [("BOT_TOKEN", app.console_bot)]
    if app.sender_bot is not app.console_bot:
        bots.append(("BROADCAST_BOT_TOKEN", app.sender_bot))
    for variable, bot in bots:
        try:
            me = await bot.get_me()
        except (TelegramUnauthorizedError, TelegramNotFound) as error:
            raise ConfigError(
                f"{variable}: Telegram refused this token ({error.message})"
            ) from None
        except TelegramNetworkError as error:  # Telegram unreachable: polling will retry
            logger.warning("could not check %s: %s", variable, error)
            continue
        logger.info("%s is @%s", variable, me.username)


async def poll(app: App, *, handle_signals: bool) -> None:
    """Poll until stopped (SIGTERM/SIGINT or stop_polling), then let handlers finish."""
    await app.console_bot.delete_webhook(drop_pending_updates=False)
    await app.serve_webapp()
    await app.announce_commands()
    await app.start_services()
    # start_polling takes its lock before its first await, so once this is set, a
    # stop_polling() from another task is guaranteed to reach it.
    app.polling_started.set()
    await app.dispatcher.start_polling(
        app.console_bot, handle_signals=handle_signals, close_bot_session=False, polling_timeout=10
    )
    # aiogram runs each update as a task; settle those in flight before closing anything.
    in_flight = set(app.dispatcher._handle_update_tasks)
    if in_flight:
        await asyncio.wait(in_flight, timeout=DRAIN_TIMEOUT_S)


@contextlib.asynccontextmanager
async def running(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[App]:
    """Run the bot in the background of the current loop (tests, sandbox)."""
    app = build_app(settings, pool)
    polling = asyncio.create_task(poll(app, handle_signals=False))
    try:
        yield app
    finally:
        # Leaving before polling began (start-up still announcing commands) must not let it
        # begin afterwards and run forever: wait until it has started, or ended, then stop it.
        started = asyncio.create_task(app.polling_started.wait())
        await asyncio.wait({started, polling}, return_when=asyncio.FIRST_COMPLETED)
        started.cancel()
        try:
            if not polling.done():
                await app.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        finally:
            await app.close()
