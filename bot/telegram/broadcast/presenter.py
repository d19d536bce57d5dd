"""What the delivery engine shows admins, rendered with the console's texts.

The engine (``bot.broadcast``) knows only the ``Presenter`` protocol; the app attaches this.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.broadcast import Progress, Report
from bot.broadcast.delivery import DOWNLOAD_ATTEMPTS
from bot.broadcast.models import DOWNLOAD_FAILED, TOKEN_REFUSED
from bot.telegram.broadcast.keyboards import card_keyboard, details_keyboard
from bot.telegram.broadcast.views import card_text, deletion_report_text, report_text
from bot.telegram.core.language import Languages
from bot.telegram.texts import Texts

PROBLEM_KEYS = {
    TOKEN_REFUSED: "bc_problem_token_refused",
    DOWNLOAD_FAILED: "bc_problem_download_failed",
}


class CardPresenter:
    """The live card, the final report and the deletion report of a broadcast, each in the
    language of the admin who started it (an admin the bot knows nothing about: the default)."""

    def __init__(self, languages: Languages) -> None:
        self.languages = languages

    async def _texts(self, admin_id: int | None) -> Texts:
        if admin_id is None:
            return self.languages.default
        return await self.languages.for_admin(admin_id)

    async def card(self, progress: Progress) -> tuple[str, InlineKeyboardMarkup | None]:
        texts = await self._texts(progress.broadcast.author_id)
        return card_text(texts, progress), card_keyboard(texts, progress.broadcast)

    async def report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        texts = await self._texts(report.broadcast.author_id)
        return report_text(texts, report), details_keyboard(texts, report.broadcast.id)

    async def deletion_report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        texts = await self._texts(report.broadcast.author_id)
        return deletion_report_text(texts, report), details_keyboard(texts, report.broadcast.id)

    async def problem(self, broadcast_id: int, problem: str, reader_id: int) -> str:
        texts = await self._texts(reader_id)
        return texts(PROBLEM_KEYS[problem], id=broadcast_id, attempts=DOWNLOAD_ATTEMPTS)
