"""What the admin sees once a broadcast exists: live card, reports, history, schedule list.

Pure functions of data, like the compose flow's views; the delivery engine renders through
``CardPresenter`` so the domain side never imports Telegram texts.
"""

from __future__ import annotations

import re

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcast import Broadcast, HistoryPage, Progress, Report
from bot.broadcast.models import (
    BLOCKED,
    CANCELLED,
    CHAT_NOT_FOUND,
    DEACTIVATED,
    FLOOD_LIMIT,
    OUTCOME_UNKNOWN,
    SERVER_ERROR,
    TOO_OLD,
)
from bot.telegram.broadcast_views import Control, HistoryAt, audience_label, button, duration
from bot.telegram.texts import Texts, quote

PREVIEW_CHARS = 80


REASON_KEYS = {
    BLOCKED: "bc_reason_blocked",
    DEACTIVATED: "bc_reason_deactivated",
    CHAT_NOT_FOUND: "bc_reason_chat_not_found",
    OUTCOME_UNKNOWN: "bc_reason_outcome_unknown",
    CANCELLED: "bc_reason_cancelled",
    SERVER_ERROR: "bc_reason_server_error",
    FLOOD_LIMIT: "bc_reason_flood_limit",
    TOO_OLD: "bc_reason_too_old",
}


def reason_text(texts: Texts, reason: str) -> str:
    key = REASON_KEYS.get(reason)
    return texts(key) if key else quote(reason)


def reason_lines(texts: Texts, reasons: list[tuple[str, int]]) -> str:
    return "".join(
        texts("bc_reason_line", reason=reason_text(texts, r), n=texts.number(n))
        for r, n in reasons
    )


def status_text(texts: Texts, status: str) -> str:
    key = f"bc_status_{status}"
    return texts(key) if texts.has(key) else quote(status)


def progress_bar(done: int, total: int, width: int = 12) -> str:
    filled = round(width * done / total) if total else width
    return "▓" * filled + "░" * (width - filled)


def card_keyboard(texts: Texts, broadcast: Broadcast) -> InlineKeyboardMarkup:
    bid = broadcast.id
    if broadcast.status == "sending":
        row = [
            button(texts("bc_btn_pause"), Control(broadcast_id=bid, action="pause")),
            button(texts("bc_btn_stop"), Control(broadcast_id=bid, action="cancel")),
        ]
    elif broadcast.status == "paused":
        row = [
            button(texts("bc_btn_resume"), Control(broadcast_id=bid, action="resume")),
            button(texts("bc_btn_stop"), Control(broadcast_id=bid, action="cancel")),
        ]
    else:
        row = [button(texts("bc_btn_details"), Control(broadcast_id=bid, action="open"))]
    return InlineKeyboardMarkup(inline_keyboard=[row])


def card_text(texts: Texts, progress: Progress) -> str:
    b, c = progress.broadcast, progress.counts
    done = c.sent + c.failed + c.deleted
    total = max(b.total, done + c.pending)
    return texts(
        "bc_card",
        id=b.id,
        status=status_text(texts, b.status),
        audience=audience_label(texts, b.audience),
        bar=progress_bar(done, total),
        percent=texts.percent(done, total) if total else "100%",
        sent=texts.number(c.sent),
        failed=texts.number(c.failed),
        pending=texts.number(c.pending),
        rate=texts.number(round(progress.rate, 1)),
        eta=duration(texts, progress.eta_s) if b.status == "sending" else "—",
    )


def report_text(texts: Texts, report: Report) -> str:
    b, c = report.broadcast, report.counts
    return texts(
        "bc_report",
        id=b.id,
        status=status_text(texts, b.status),
        sent=texts.number(c.sent),
        total=texts.number(b.total),
        failed=texts.number(c.failed),
        reasons=reason_lines(texts, report.reasons),
        blocked=texts.number(c.blocked),
        duration=duration(texts, report.duration_s),
    )


def deletion_report_text(texts: Texts, report: Report) -> str:
    return texts(
        "bc_delete_report",
        id=report.broadcast.id,
        deleted=texts.number(report.counts.deleted),
        failed=texts.number(report.counts.not_deleted),
        reasons=reason_lines(texts, report.delete_errors),
    )


def details_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(texts("bc_btn_details"), Control(broadcast_id=bid, action="open"))]
        ]
    )


class CardPresenter:
    """The Telegram rendering the delivery engine uses for cards and reports."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    def card(self, progress: Progress) -> tuple[str, InlineKeyboardMarkup | None]:
        return card_text(self.texts, progress), card_keyboard(self.texts, progress.broadcast)

    def report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        return report_text(self.texts, report), details_keyboard(self.texts, report.broadcast.id)

    def deletion_report(self, report: Report) -> tuple[str, InlineKeyboardMarkup | None]:
        text = deletion_report_text(self.texts, report)
        return text, details_keyboard(self.texts, report.broadcast.id)


def snippet(text: str) -> str:
    """A short plain preview of a broadcast's text for lists."""
    plain = re.sub(r"<[^>]*>", "", text).replace("\n", " ").strip()
    if len(plain) > PREVIEW_CHARS:
        plain = plain[: PREVIEW_CHARS - 1] + "…"
    return quote(plain)


def author_label(author_id: int | None) -> str:
    return str(author_id) if author_id is not None else "—"


def history_text(texts: Texts, page: HistoryPage) -> str:
    if not page.items:
        return texts("bc_history_none")
    lines = [texts("bc_history_title", page=page.page + 1, pages=page.pages)]
    for b in page.items:
        lines.append(
            texts(
                "bc_history_item",
                id=b.id,
                when=texts.when(b.started_at or b.created_at),
                author=author_label(b.author_id),
                audience=audience_label(texts, b.audience)
                if b.audience
                else quote(b.recipient_group or b.recipient_type or "—"),
                sent=texts.number(b.successful),
                total=texts.number(b.total),
                status=status_text(texts, b.status),
            )
        )
    return "\n".join(lines)


def history_keyboard(texts: Texts, page: HistoryPage) -> InlineKeyboardMarkup | None:
    opens = [
        button(texts("bc_btn_open", id=b.id), Control(broadcast_id=b.id, action="open"))
        for b in page.items
    ]
    rows = [opens[i : i + 4] for i in range(0, len(opens), 4)]
    nav = []
    if page.page > 0:
        nav.append(button(texts("bc_btn_prev"), HistoryAt(page=page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(button(texts("bc_btn_next"), HistoryAt(page=page.page + 1)))
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def detail_text(texts: Texts, report: Report) -> str:
    b, c = report.broadcast, report.counts
    reasons = texts("bc_detail_reasons") + reason_lines(texts, report.reasons)
    delete_errors = texts("bc_detail_delete_errors") + reason_lines(texts, report.delete_errors)
    return texts(
        "bc_detail",
        id=b.id,
        status=status_text(texts, b.status),
        when=texts.when(b.started_at or b.created_at),
        author=author_label(b.author_id),
        audience=audience_label(texts, b.audience),
        total=texts.number(b.total),
        blocked=texts.number(b.excluded_blocked),
        duplicates=texts.number(b.duplicates_removed),
        sent=texts.number(c.sent),
        failed=texts.number(c.failed),
        deleted=texts.number(c.deleted),
        pending=texts.number(c.pending),
        reasons=reasons if report.reasons else "",
        delete_errors=delete_errors if report.delete_errors else "",
        preview=snippet(b.message_text),
    )


def detail_keyboard(texts: Texts, report: Report) -> InlineKeyboardMarkup:
    b, c = report.broadcast, report.counts
    rows: list[list[InlineKeyboardButton]] = []
    if b.status in ("sending", "paused"):
        rows.append(card_keyboard(texts, b).inline_keyboard[0])
    if b.status in ("done", "cancelled"):
        if c.failed:
            rows.append(
                [button(texts("bc_btn_retry"), Control(broadcast_id=b.id, action="retry"))]
            )
        if c.sent:
            rows.append(
                [button(texts("bc_btn_delete"), Control(broadcast_id=b.id, action="delete"))]
            )
    rows.append([button(texts("bc_btn_export"), Control(broadcast_id=b.id, action="export"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def delete_confirm_keyboard(texts: Texts, bid: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(texts("bc_btn_delete_yes"), Control(broadcast_id=bid, action="delete_yes"))],
            [button(texts("bc_btn_back"), Control(broadcast_id=bid, action="open"))],
        ]
    )


def scheduled_text(texts: Texts, items: list[Broadcast]) -> str:
    if not items:
        return texts("bc_scheduled_none")
    lines = [texts("bc_scheduled_title")]
    for b in items:
        lines.append(
            texts(
                "bc_scheduled_item",
                id=b.id,
                when=texts.when(b.scheduled_at),
                audience=audience_label(texts, b.audience),
                preview=snippet(b.message_text),
            )
        )
    return "\n\n".join(lines)


def scheduled_keyboard(texts: Texts, items: list[Broadcast]) -> InlineKeyboardMarkup | None:
    if not items:
        return None
    rows = [
        [
            button(
                texts("bc_btn_unschedule", id=b.id),
                Control(broadcast_id=b.id, action="unschedule"),
            )
        ]
        for b in items
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
