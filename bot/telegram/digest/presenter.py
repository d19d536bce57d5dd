"""How a digest reaches an admin: the growth chart with a headline, then the comparison."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile

from bot import charts
from bot.digest import Digest
from bot.telegram.core.language import Languages
from bot.telegram.core.replies import render
from bot.telegram.digest.views import chart_labels, render_digest


class ChatDigestPresenter:
    """Sends digests through the console bot, each in its admin's language (implements
    ``bot.digest.DigestPresenter``)."""

    def __init__(self, bot: Bot, languages: Languages) -> None:
        self.bot = bot
        self.languages = languages

    async def deliver(self, admin_id: int, digest: Digest) -> None:
        texts = await self.languages.for_admin(admin_id)
        png = await render(charts.growth_chart, digest.growth, chart_labels(texts))
        caption, details = render_digest(texts, digest)
        await self.bot.send_photo(admin_id, BufferedInputFile(png, "growth.png"), caption=caption)
        await self.bot.send_message(admin_id, details)
