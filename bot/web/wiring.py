"""Turning the Mini App on: where it is served, and the admins' ways in (menu and /start).

The app (bot/app.py, bot/webhook.py) calls these with WEBAPP_URL and WEBAPP_LISTEN; with
WEBAPP_URL unset nothing is served and only :func:`withdraw_dashboard` runs, taking back the
menu buttons an earlier start with WEBAPP_URL gave the admins (Telegram keeps them).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import MenuButtonDefault, MenuButtonWebApp, WebAppInfo
from aiohttp import web

from bot.web.app import build_webapp, serve_webapp, standalone, webapp_prefix

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.health import Health
    from bot.services import Services

logger = logging.getLogger(__name__)


def page_url(webapp_url: str) -> str:
    """The address of the page itself: WEBAPP_URL's path (or /app), with a trailing slash."""
    parts = urlsplit(webapp_url)
    return urlunsplit(parts._replace(path=webapp_prefix(webapp_url) + "/"))


def webapp_for(settings: Settings, services: Services) -> web.Application:
    """The Mini App on the chat's services, checking initData with the console bot's token."""
    return build_webapp(
        services, settings.console_token, settings.admin_ids, settings.language, settings.tz
    )


def mount(parent: web.Application, settings: Settings, services: Services, url: str) -> None:
    """Webhook mode: the Mini App on the same server, under WEBAPP_URL's path."""
    parent.add_subapp(webapp_prefix(url), webapp_for(settings, services))


async def serve(
    settings: Settings, services: Services, url: str, listen: str, health: Health
) -> web.AppRunner:
    """Polling mode: a server of its own on WEBAPP_LISTEN (the caller cleans it up)."""
    root = standalone(webapp_for(settings, services), webapp_prefix(url), services, health)
    return await serve_webapp(root, listen)


async def offer_dashboard(
    bot: Bot,
    admin_ids: Iterable[int],
    url: str,
    label_for: Callable[[int], Awaitable[str]],
) -> None:
    """Each admin's chat menu button opens the dashboard (setChatMenuButton, per chat)."""
    for admin_id in admin_ids:
        try:
            await bot.set_chat_menu_button(
                chat_id=admin_id,
                menu_button=MenuButtonWebApp(
                    text=await label_for(admin_id), web_app=WebAppInfo(url=page_url(url))
                ),
            )
        except TelegramAPIError as exc:  # an admin who never opened the bot has no chat yet
            logger.warning("could not set the dashboard button for admin %s: %s", admin_id, exc)


async def withdraw_dashboard(bot: Bot, admin_ids: Iterable[int]) -> None:
    """WEBAPP_URL unset: an admin's chat menu button that opens a Mini App goes back to the
    default (the commands). Telegram keeps a chat's button across restarts, so one set by an
    earlier start would open a page no longer served; other chats are only asked."""
    for admin_id in admin_ids:
        try:
            button = await bot.get_chat_menu_button(chat_id=admin_id)
            if button.type == "web_app":
                await bot.set_chat_menu_button(chat_id=admin_id, menu_button=MenuButtonDefault())
                logger.info("took the dashboard button back from admin %s", admin_id)
        except TelegramAPIError as exc:  # an admin who never opened the bot has no chat yet
            logger.warning("could not reset the menu button of admin %s: %s", admin_id, exc)
