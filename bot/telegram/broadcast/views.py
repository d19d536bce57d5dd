"""Broadcast texts (pure functions of data): the compose flow, the live card, reports,
history and the schedule list."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.broadcast import (
    Audience,
    AudienceSize,
    Broadcast,
    Counts,
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
    NETWORK,
    NEVER_STARTED,
    OUTCOME_UNKNOWN,
    SERVER_ERROR,
    TOO_OLD,
    CourseStream,
    LessonDay,
)
from bot.telegram.broadcast.html_check import HtmlProblem
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

# Every failure_reason / delete_error code the engine writes, in words (tests/
# test_broadcast_screens.py finds the codes in bot/broadcast and sql/ and fails on a new one
# without words). Anything else stored there is Telegram's own error text, shown as it is.
REASON_KEYS = {
    BLOCKED: "bc_reason_blocked",
    NEVER_STARTED: "bc_reason_never_started",
    DEACTIVATED: "bc_reason_deactivated",
    CHAT_NOT_FOUND: "bc_reason_chat_not_found",
    OUTCOME_UNKNOWN: "bc_reason_outcome_unknown",
    CANCELLED: "bc_reason_cancelled",
    SERVER_ERROR: "bc_reason_server_error",
    FLOOD_LIMIT: "bc_reason_flood_limit",
    TOO_OLD: "bc_reason_too_old",
    NETWORK: "bc_reason_network",
}


# the audience -----------------------------------------------------------------------------

MENU_KEYS = {  # the text above each audience menu: what its buttons mean
    "main": "bc_choose_audience",
    "students": "bc_students_menu",
    "booked": "bc_booked_menu",
    "lessons": "bc_lessons_menu",
}


def audience_menu_text(texts: Texts, menu: str, two_bots: bool) -> str:
    """The text above an audience menu; with no course bot, who this bot can reach at all."""
    text = texts(MENU_KEYS[menu])
    if two_bots:
        return text
    return "\n\n".join([text, texts("bc_one_bot_note")])


def shown_name(value: str | None) -> str:
    """A stream or lesson name from the school's tables, quoted and cut to a sane length."""
    return excerpt(value or "", NAME_CHARS)


def stream_name(texts: Texts, stream: str | None) -> str:
    """A stream as people say it ("8-й поток"), quoted and cut."""
    return shown_name(texts.code_name("stream", stream))


def course_name(texts: Texts, course: int | None) -> str:
    """A course by its name ("Вайб кодинг"); "every course" for older stream audiences."""
    if course is None:
        return texts("bc_aud_any_course")
    return shown_name(texts.code_name("course", str(course)))


def lesson_name(texts: Texts, lesson: str | None) -> str:
    return shown_name(texts.code_name("lesson", lesson))


def stream_button(texts: Texts, key: str, pair: CourseStream) -> str:
    """The label of a stream's button: the stream and its course, as people say them."""
    return texts(
        key,
        stream=texts.code_name("stream", pair.stream),
        course=texts.code_name("course", str(pair.course)) if pair.course is not None else "—",
    )


def lesson_day_button(texts: Texts, lesson: LessonDay) -> str:
    return texts(
        "bc_btn_lesson_day",
        day=lesson.day.strftime("%d.%m"),
        lesson=texts.code_name("lesson", lesson.lesson),
        n=texts.number(lesson.registrants),
    )


def audience_label(texts: Texts, audience: Audience | None) -> str:
    if audience is None:
        return texts("bc_aud_unknown")
    if audience.kind in ("stream", "booked"):
        return texts(
            f"bc_aud_{audience.kind}",
            stream=stream_name(texts, audience.stream),
            course=course_name(texts, audience.course),
        )
    if audience.kind == "lessons":
        if audience.lesson and audience.lesson_date:
            return texts(
                "bc_aud_lesson_day",
                lesson=lesson_name(texts, audience.lesson),
                day=texts.day(audience.lesson_date),
            )
        if audience.lesson:
            return texts("bc_aud_lessons", lesson=lesson_name(texts, audience.lesson))
        return texts("bc_aud_lessons_all")
    if audience.kind == "individual":
        n = len(set(audience.user_ids))
        return texts("bc_aud_individual", n=texts.number(n))
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


def paused_part(texts: Texts, paused_s: float) -> str:
    """ " (of which paused 2 min)" after a run's duration, when it stood paused a second or
    more: the average pace beside it is over the sending time."""
    if paused_s < 1:
        return ""
    return texts("bc_paused_part", paused=duration(texts, paused_s))


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


def html_problem_text(texts: Texts, problem: HtmlProblem, *, media: bool = False) -> str:
    """What is wrong with the admin's HTML, and where, in their language; for a file's
    caption, that the file is kept and only the caption is to be sent again."""
    place = texts(
        f"bc_html_{problem.kind}",
        tag=quote(problem.tag),
        other=quote(problem.other),
        line=problem.line,
    )
    return texts("bc_html_problem_media" if media else "bc_html_problem", problem=place)


def too_long_text(texts: Texts, length: int, limit: int, *, media: bool = False) -> str:
    return texts(
        "bc_too_long_media" if media else "bc_too_long",
        length=texts.count(length, "character"),
        limit=texts.number(limit),
    )


def bad_button_lines(texts: Texts, lines: Sequence[str], label_limit: int, line_chars: int) -> str:
    """Why the typed button lines were refused: a label over the limit is named as such;
    any other line is not ``Label | https://…``."""
    too_long: list[str] = []
    unreadable: list[str] = []
    for line in lines:
        label, sep, _ = line.rpartition("|")
        (too_long if sep and len(label.strip()) > label_limit else unreadable).append(line)
    parts = []
    if too_long:
        longest = max(len(line.rpartition("|")[0].strip()) for line in too_long)
        parts.append(
            texts(
                "bc_button_label_too_long",
                length=texts.count(longest, "character"),
                limit=texts.number(label_limit),
                lines="\n".join(excerpt(line, line_chars) for line in too_long),
            )
        )
    if unreadable or not parts:
        shown = "\n".join(excerpt(line, line_chars) for line in unreadable) or "—"
        parts.append(texts("bc_bad_buttons", lines=shown))
    return "\n\n".join(parts)


def estimate(texts: Texts, seconds: float) -> str:
    """An estimated time: "less than a second", else rounded up ("~1 s", never "~0 s")."""
    if seconds < 1:
        return texts("bc_less_than_second")
    return "~" + duration(texts, math.ceil(seconds))


def review_text(texts: Texts, summary: str, recipients: int, rate: float) -> str:
    eta = texts("bc_eta", eta=estimate(texts, recipients / rate), rate=texts.number(rate))
    return "\n".join([texts("bc_preview_title"), summary, eta])


def started_text(texts: Texts, created: Created) -> str:
    return texts(
        "bc_started",
        id=created.broadcast_id,
        recipients=texts.count(created.recipients, "recipient"),
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
    filled = round(width * done / total) if total else 0
    return "▓" * filled + "░" * (width - filled)


FINAL_STATUSES = ("done", "cancelled", "deleting", "deleted")


def outcome_key(status: str, counts: Counts, total: int) -> str:
    """What happened to a finished broadcast: cancelled, or delivered to all / some / none."""
    if status == "cancelled":
        return "cancelled"
    delivered = counts.sent + counts.deleted
    if total == 0:
        return "empty"
    if delivered == 0:
        return "none"
    if counts.failed or delivered < total:
        return "partly"
    return "all"


def card_status(texts: Texts, broadcast: Broadcast, counts: Counts) -> str:
    """The card's headline: the live status, or once done what happened (never just "sent")."""
    if broadcast.status == "done":
        key = outcome_key("done", counts, broadcast.total)
        return texts(f"bc_outcome_{key}")
    return status_text(texts, broadcast.status)


def card_text(texts: Texts, progress: Progress) -> str:
    """The live control card: status, a progress bar, counts, rate and time left.

    While it runs the bar shows how far it got; once it ended (done or cancelled), how much
    was delivered — a cancelled broadcast's bar is not full.
    """
    b, c = progress.broadcast, progress.counts
    settled = c.sent + c.failed + c.deleted + c.cancelled
    total = max(b.total, settled + c.pending)
    final = b.status in FINAL_STATUSES
    done = c.sent + c.deleted if final else settled
    if b.status == "sending":
        tail = texts(
            "bc_card_live",
            rate=texts.number(round(progress.rate, 1)) if progress.rate > 0 else "—",
            eta=duration(texts, progress.eta_s) if progress.eta_s is not None else "—",
        )
    elif b.status == "paused":
        tail = texts("bc_card_paused")
    else:
        seconds = None
        if b.run_start is not None and b.finished_at is not None:
            seconds = (b.finished_at - b.run_start).total_seconds()
        tail = texts(
            "bc_card_final",
            duration=duration(texts, seconds) + paused_part(texts, b.paused_s),
            rate=texts.number(round(progress.rate, 1)),
        )
    return texts(
        "bc_card",
        id=b.id,
        status=card_status(texts, b, c),
        audience=audience_label(texts, b.audience),
        bar=progress_bar(done, total),
        percent=(texts.percent(done, total) if total else "—")
        + (texts("bc_card_delivered") if final else ""),
        sent=texts.number(c.sent),
        failed=texts.number(c.failed),
        pending=texts.number(c.pending),
        cancelled=texts("bc_card_cancelled", n=texts.number(c.cancelled)) if c.cancelled else "",
        tail=tail,
    )


def failure_reasons(report: Report) -> list[tuple[str, int]]:
    """Why recipients did not get it; the cancelled are not failures (counted apart)."""
    return [(reason, n) for reason, n in report.reasons if reason != CANCELLED]


def left_out(broadcast: Broadcast) -> list[tuple[str, int]]:
    """Who was left out before sending because the sending bot cannot reach them, by reason."""
    counts = (
        (BLOCKED, broadcast.excluded_blocked),
        (NEVER_STARTED, broadcast.excluded_never_started),
        (DEACTIVATED, broadcast.excluded_deactivated),
    )
    return [(reason, n) for reason, n in counts if n]


def report_text(texts: Texts, report: Report) -> str:
    """The final report: what happened (all / some / nobody / cancelled), why, who was left
    out before sending and why, how long."""
    b, c = report.broadcast, report.counts
    key = outcome_key(b.status, c, b.total)
    parts = [
        texts(
            f"bc_report_{key}",
            id=b.id,
            sent=texts.number(c.sent + c.deleted),
            total=texts.number(b.total),
            cancelled=texts.number(c.cancelled),
        )
    ]
    if c.failed:
        reasons = reason_lines(texts, failure_reasons(report))
        parts.append(texts("bc_report_failed", failed=texts.number(c.failed), reasons=reasons))
    if c.blocked:
        parts.append(texts("bc_report_blocked", blocked=texts.number(c.blocked)))
    excluded = left_out(b)
    if excluded:
        parts.append(
            texts(
                "bc_report_left_out",
                n=texts.number(sum(n for _, n in excluded)),
                reasons=reason_lines(texts, excluded),
            )
        )
    if report.duration_s is not None:
        retried = b.run_started_at is not None
        parts.append(
            texts(
                "bc_report_retry_duration" if retried else "bc_report_duration",
                duration=duration(texts, report.duration_s) + paused_part(texts, b.paused_s),
                rate=texts.number(round(report.rate or 0.0, 1)),
            )
        )
    return "".join(parts)


def deletion_report_text(texts: Texts, report: Report) -> str:
    return texts(
        "bc_delete_report",
        id=report.broadcast.id,
        deleted=texts.number(report.counts.deleted),
        failed=texts.number(report.counts.not_deleted),
        reasons=reason_lines(texts, report.delete_errors),
    )


def author_label(texts: Texts, broadcast: Broadcast) -> str:
    """Who made it: their name as the school's tables know it, else their id."""
    if broadcast.author_name:
        return shown_name(broadcast.author_name)
    if broadcast.author_id is None:
        return "—"
    return texts("bc_author_id", id=broadcast.author_id)


def history_text(texts: Texts, page: HistoryPage) -> str:
    if not page.items:
        return texts("bc_history_none")
    lines = [texts("bc_history_title", page=page.page + 1, pages=page.pages)]
    for b in page.items:
        # cancelled while scheduled: when it was to go out, and no "0/0" of a send never made
        unsent = b.started_at is None and b.scheduled_at is not None
        lines.append(
            texts(
                "bc_history_item_unsent" if unsent else "bc_history_item",
                id=b.id,
                when=texts.when(b.scheduled_at if unsent else (b.started_at or b.created_at)),
                author=author_label(texts, b),
                audience=audience_label(texts, b.audience)
                if b.audience
                else shown_name(b.recipient_group or b.recipient_type or "—"),
                sent=texts.number(b.successful),
                total=texts.number(b.total),
                status=status_text(texts, b.status),
                preview=excerpt_of(b.message_text),
            )
        )
    return "\n".join(lines)


def detail_text(texts: Texts, report: Report) -> str:
    """Everything about one broadcast, for /history's details."""
    b, c = report.broadcast, report.counts
    failures = failure_reasons(report)
    reasons = texts("bc_detail_reasons") + reason_lines(texts, failures)
    delete_errors = texts("bc_detail_delete_errors") + reason_lines(texts, report.delete_errors)
    return texts(
        "bc_detail",
        id=b.id,
        status=status_text(texts, b.status),
        when=texts.when(b.started_at or b.created_at),
        author=author_label(texts, b),
        audience=audience_label(texts, b.audience),
        total=texts.number(b.total),
        blocked=texts.number(b.excluded_blocked),
        others=excluded_others(texts, b.excluded_never_started, b.excluded_deactivated),
        duplicates=texts.number(b.duplicates_removed),
        sent=texts.number(c.sent),
        failed=texts.number(c.failed),
        cancelled=texts("bc_card_cancelled", n=texts.number(c.cancelled)) if c.cancelled else "",
        deleted=texts.number(c.deleted),
        pending=texts.number(c.pending),
        reasons=reasons if failures else "",
        delete_errors=delete_errors if report.delete_errors else "",
        preview=excerpt_of(b.message_text),
    )


def excerpt_of(message_text: str) -> str:
    """A broadcast's text in a list: one plain line (no raw tags), quoted and cut."""
    return excerpt(plain(message_text), EXCERPT_CHARS)


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
                preview=excerpt_of(b.message_text),
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
