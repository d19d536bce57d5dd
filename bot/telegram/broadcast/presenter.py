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
from bot.telegram.texts import Texts

PROBLEM_KEYS = {
    TOKEN_REFUSED: "bc_problem_token_refused",
    DOWNLOAD_FAILED: "bc_problem_download_failed",
}


class CardPresenter:
    """The live card, the final report and the deletion report of a broadcast."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    def card(self, progress: Progress) -> tuple[str, InlineKeyboardMarkup | None]:
        return card_text(self.texts, progress), card_keyboard(self.texts, progress.broadcast)

    def report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        return report_text(self.texts, report), details_keyboard(self.texts, report.broadcast.id)

    def deletion_report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        text = deletion_report_text(self.texts, report)
        return text, details_keyboard(self.texts, report.broadcast.id)

    def problem(self, broadcast_id: int, problem: str) -> str:
        key = PROBLEM_KEYS[problem]
        return self.texts(key, id=broadcast_id, attempts=DOWNLOAD_ATTEMPTS)
