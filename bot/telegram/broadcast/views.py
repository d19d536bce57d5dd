"""Broadcast texts (pure functions of data): the compose flow, the live card, reports,
history and the schedule list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.broadcast import (
    Audience,
    AudienceSize,
    Broadcast,
    Created,
    HistoryPage,
    Progress,
    Report,
)
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
from bot.telegram.core import paging
from bot.telegram.core.formatting import excerpt, plain
from bot.telegram.core.paging import Page
from bot.telegram.texts import Texts, quote

EXCERPT_CHARS = 80  # a broadcast's text in one entry of a list
NAME_CHARS = 100  # a stream or lesson name, wherever it is shown (the school's data: any length)
PASTED_CHARS = 40  # of one pasted entry that matched nobody
SCHEDULED_PER_PAGE = 10  # broadcasts on one page of /scheduled, each with its Cancel button
PROGRESS_BAR_WIDTH = 12
TIME_CHOICES = 5  # scheduling buttons offered


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


# the audience -----------------------------------------------------------------------------


def shown_name(value: str | None) -> str:
    """A stream or lesson name from the school's tables, quoted and cut to a sane length."""
    return excerpt(value or "", NAME_CHARS)


def audience_label(texts: Texts, audience: Audience | None) -> str:
    if audience is None:
        return texts("bc_aud_unknown")
    if audience.kind == "stream":
        return texts("bc_aud_stream", stream=shown_name(audience.stream))
    if audience.kind == "booked":
        return texts("bc_aud_booked", stream=shown_name(audience.stream))
    if audience.kind == "lessons":
        if audience.lesson:
            return texts("bc_aud_lessons", lesson=shown_name(audience.lesson))
        return texts("bc_aud_lessons_all")
    if audience.kind == "individual":
        return texts("bc_aud_individual", n=len(set(audience.user_ids)))
    return texts(f"bc_aud_{audience.kind}")


def excluded_others(texts: Texts, never_started: int, deactivated: int) -> str:
    """Who else the sending bot cannot reach, by reason (nothing when nobody)."""
    parts = [
        texts(key, n=texts.number(n))
        for key, n in (
            ("bc_excluded_never_started", never_started),
            ("bc_excluded_deactivated", deactivated),
        )
        if n
    ]
    return "".join(parts)


def audience_summary(texts: Texts, audience: Audience, size: AudienceSize) -> str:
    return texts(
        "bc_audience_summary",
        audience=audience_label(texts, audience),
        recipients=texts.number(size.recipients),
        blocked=texts.number(size.blocked),
        others=excluded_others(texts, size.never_started, size.deactivated),
        duplicates=texts.number(size.duplicates),
    )


def unknown_recipients(texts: Texts, unknown: tuple[str, ...], shown: int = 30) -> str:
    """The pasted entries that matched nobody (the first ``shown`` of them)."""
    if not unknown:
        return ""
    items = ", ".join(excerpt(u, PASTED_CHARS) for u in unknown[:shown])
    more = "…" if len(unknown) > shown else ""
    return texts("bc_unknown_recipients", n=len(unknown), items=items + more)


# composing --------------------------------------------------------------------------------


def duration(texts: Texts, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s" if texts.language == "en" else f"{seconds} с"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if texts.language == "en" else f"{minutes} мин {secs} с"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if texts.language == "en" else f"{hours} ч {minutes} мин"


def review_text(texts: Texts, summary: str, recipients: int, rate: float) -> str:
    eta = texts("bc_eta", eta=duration(texts, recipients / rate), rate=texts.number(rate))
    return "\n".join([texts("bc_preview_title"), summary, eta])


def started_text(texts: Texts, created: Created) -> str:
    return texts(
        "bc_started",
        id=created.broadcast_id,
        recipients=texts.number(created.recipients),
        blocked=texts.number(created.blocked),
        others=excluded_others(texts, created.never_started, created.deactivated),
        duplicates=texts.number(created.duplicates),
    )


def time_choices(now: datetime) -> list[datetime]:
    """Common choices in the local zone: in an hour, today/tomorrow 10:00 and 19:00."""
    local = now.replace(second=0, microsecond=0)
    choices = [local + timedelta(hours=1)]
    for days in (0, 1):
        for hour in (10, 19):
            at = (local + timedelta(days=days)).replace(hour=hour, minute=0)
            if at > now + timedelta(minutes=5):
                choices.append(at)
    return choices[:TIME_CHOICES]


# a broadcast that exists ------------------------------------------------------------------


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


def progress_bar(done: int, total: int, width: int = PROGRESS_BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else width
    return "▓" * filled + "░" * (width - filled)


def card_text(texts: Texts, progress: Progress) -> str:
    """The live control card: status, a progress bar, counts, rate and time left."""
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
    """The final report of a delivery."""
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
                else shown_name(b.recipient_group or b.recipient_type or "—"),
                sent=texts.number(b.successful),
                total=texts.number(b.total),
                status=status_text(texts, b.status),
            )
        )
    return "\n".join(lines)


def detail_text(texts: Texts, report: Report) -> str:
    """Everything about one broadcast, for /history's details."""
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
        others=excluded_others(texts, b.excluded_never_started, b.excluded_deactivated),
        duplicates=texts.number(b.duplicates_removed),
        sent=texts.number(c.sent),
        failed=texts.number(c.failed),
        deleted=texts.number(c.deleted),
        pending=texts.number(c.pending),
        reasons=reasons if report.reasons else "",
        delete_errors=delete_errors if report.delete_errors else "",
        preview=excerpt(plain(b.message_text), EXCERPT_CHARS),
    )


def scheduled_text(texts: Texts, items: Sequence[Broadcast], page: int = 0, pages: int = 1) -> str:
    """A page of /scheduled: the title (with the page when there are several), the items."""
    if not items:
        return texts("bc_scheduled_none")
    title = texts("bc_scheduled_title")
    if pages > 1:
        title += " · " + texts("list_page", page=page + 1, pages=pages)
    lines = [title]
    for b in items:
        lines.append(
            texts(
                "bc_scheduled_item",
                id=b.id,
                when=texts.when(b.scheduled_at),
                audience=audience_label(texts, b.audience),
                preview=excerpt(plain(b.message_text), EXCERPT_CHARS),
            )
        )
    return "\n\n".join(lines)


def _measured_scheduled(texts: Texts) -> Callable[[Sequence[Broadcast]], str]:
    widest = paging.WIDEST_PAGE_NUMBER
    return lambda items: scheduled_text(texts, items, widest, widest)


def scheduled_page(texts: Texts, items: Sequence[Broadcast], number: int) -> Page[Broadcast]:
    """Page ``number`` of the scheduled broadcasts: as many as one message holds."""
    return paging.page(items, number, SCHEDULED_PER_PAGE, _measured_scheduled(texts))


def scheduled_page_of(texts: Texts, items: Sequence[Broadcast], bid: int) -> int:
    """The page of /scheduled that shows broadcast ``bid`` (the first, if none does)."""
    index = next((n for n, b in enumerate(items) if b.id == bid), 0)
    return paging.page_of(items, index, SCHEDULED_PER_PAGE, _measured_scheduled(texts))
