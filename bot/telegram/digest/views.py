"""Digest texts and chart labels (pure functions of data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.charts import Labels
from bot.digest import DayFigures, Digest
from bot.telegram.analytics.views import growth_labels
from bot.telegram.texts import Texts


def chart_labels(texts: Texts) -> Labels:
    """The /growth chart's labels, under the digest's own title."""
    return replace(growth_labels(texts), title=texts("digest_chart_title"))


def schedule_text(texts: Texts, send_at: time | None, timezone: str) -> str:
    """When this admin's digest comes, or why it does not."""
    if send_at is None:
        return texts("digest_globally_off")
    return texts("digest_turned_on", time=send_at.strftime("%H:%M"), tz=timezone)


def _delta(texts: Texts, now: int, before: int, week: int) -> str:
    return f"{texts.number(now)} ({texts.signed(now - before)} · {texts.signed(now - week)})"


def _line(texts: Texts, key: str, field: str, digest: Digest) -> str:
    values = [getattr(d, field) for d in (digest.yesterday, digest.day_before, digest.week_before)]
    return f"{texts(key)}: {_delta(texts, *values)}"


def render_digest(texts: Texts, digest: Digest) -> tuple[str, str]:
    """The photo caption (headline) and the detailed comparison message."""
    day = texts.day(digest.day)
    caption_lines = [
        texts("digest_title", day=day),
        texts(
            "digest_total_users",
            new=texts.number(digest.yesterday.new_users),
            total=texts.number(digest.total_users),
        ),
    ]
    if digest.late_by is not None:
        minutes = int(digest.late_by.total_seconds() // 60)
        late = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
        caption_lines.append(texts("digest_late", late=late))
    if digest.unknown_days:
        caption_lines.append(
            texts("digest_unknown", days=", ".join(texts.day(d) for d in digest.unknown_days))
        )
    if digest.skipped_days:
        caption_lines.append(
            texts("digest_skipped", days=", ".join(texts.day(d) for d in digest.skipped_days))
        )
    y: DayFigures = digest.yesterday
    created, pending, paid, cancelled = y.statuses
    details = [
        texts(
            "digest_compare",
            day=day,
            before=texts.day(digest.day_before.day),
            week=texts.day(digest.week_before.day),
        ),
        _line(texts, "digest_new_users", "new_users", digest),
        _line(texts, "digest_bookings", "bookings", digest),
        "   "
        + texts(
            "digest_statuses", created=created, pending=pending, paid=paid, cancelled=cancelled
        ),
        _line(texts, "digest_payments", "payments", digest),
        _line(texts, "digest_registrations", "registrations", digest),
        _line(texts, "digest_attendance", "attendance", digest),
        _line(texts, "digest_events", "events", digest),
        _line(texts, "digest_blocked", "blocked", digest),
        texts(
            "digest_broadcasts",
            count=y.broadcasts,
            delivered=texts.number(y.delivered),
            recipients=texts.number(y.recipients),
            rate=texts.percent(y.delivered, y.recipients),
        )
        if y.broadcasts
        else texts("digest_no_broadcasts"),
    ]
    return "\n".join(caption_lines), "\n".join(details)
