"""Digest texts and chart labels (pure functions of data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

from bot.charts import Labels
from bot.config import Settings
from bot.digest import DayFigures, Digest, Preference
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


def settings_text(
    texts: Texts, preference: Preference, send_at: time | None, settings: Settings
) -> str:
    """/digest without arguments: whether and when this admin gets the digest, how to change."""
    if not preference.enabled:
        state = [texts("digest_settings_off")]
    elif send_at is None:
        state = [texts("digest_settings_no_time")]
    else:
        state = [texts("digest_settings_on", time=send_at.strftime("%H:%M"), tz=settings.timezone)]
        default = settings.digest_at
        if preference.send_at is not None and default is not None and default != send_at:
            state.append(texts("digest_settings_own_time", default=default.strftime("%H:%M")))
    return "\n".join([texts("digest_settings_title"), *state, "", texts("digest_settings_how")])


def lateness(texts: Texts, late_by: timedelta) -> str:
    """How late, in words: "2 часа 15 минут", "1 minute"."""
    minutes = int(late_by.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return texts.count(minutes, "minute")
    if not minutes:
        return texts.count(hours, "hour")
    return f"{texts.count(hours, 'hour')} {texts.count(minutes, 'minute')}"


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
        caption_lines.append(texts("digest_late", late=lateness(texts, digest.late_by)))
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
            "digest_statuses",
            created=texts.number(created),
            pending=texts.number(pending),
            paid=texts.number(paid),
            cancelled=texts.number(cancelled),
        ),
        _line(texts, "digest_payments", "payments", digest),
        _line(texts, "digest_registrations", "registrations", digest),
        _line(texts, "digest_attendance", "attendance", digest),
        _line(texts, "digest_events", "events", digest),
        *(
            [_line(texts, "digest_blocked", "blocked", digest)]
            if any(d.blocked for d in (digest.yesterday, digest.day_before, digest.week_before))
            else []
        ),
        texts(
            "digest_broadcasts",
            broadcasts=texts.count(y.broadcasts, "broadcast"),
            delivered=texts.number(y.delivered),
            recipients=texts.number(y.recipients),
            rate=texts.percent(y.delivered, y.recipients),
        )
        if y.broadcasts
        else texts("digest_no_broadcasts"),
    ]
    return "\n".join(caption_lines), "\n".join(details)
