"""Phrases of the daily digest, and the digest rendered from its dataclass (pure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.digest import DayFigures, Digest
    from bot.telegram.texts import Texts

CATALOG: dict[str, dict[str, str]] = {
    "cmd_digest": {"ru": "Ежедневная сводка", "en": "Daily digest"},
    "digest_title": {"ru": "<b>Сводка за {day}</b>", "en": "<b>Daily digest for {day}</b>"},
    "digest_total_users": {
        "ru": "Новых пользователей: {new} · всего {total}",
        "en": "New users: {new} · {total} in total",
    },
    "digest_late": {
        "ru": "⏰ Сводка опоздала на {late}: бот был недоступен в назначенное время.",
        "en": "⏰ This digest is {late} late: the bot was offline at the scheduled time.",
    },
    "digest_skipped": {
        "ru": "⚠️ Не отправлены сводки за {days}: бот был недоступен больше 6 часов.",
        "en": "⚠️ Digests for {days} were skipped: the bot was offline for over 6 hours.",
    },
    "digest_compare": {
        "ru": "<b>{day}</b> · в скобках: к {before} и к {week}",
        "en": "<b>{day}</b> · in brackets: vs {before} and vs {week}",
    },
    "digest_new_users": {"ru": "Новые пользователи", "en": "New users"},
    "digest_bookings": {"ru": "Бронирования", "en": "Bookings"},
    "digest_statuses": {
        "ru": "создано {created} · на проверке {pending} · оплачено {paid} · отменено {cancelled}",
        "en": "created {created} · in review {pending} · paid {paid} · cancelled {cancelled}",
    },
    "digest_payments": {"ru": "Подтверждённые оплаты", "en": "Confirmed payments"},
    "digest_registrations": {
        "ru": "Записи на бесплатные уроки",
        "en": "Free-lesson registrations",
    },
    "digest_attendance": {"ru": "Посещения уроков", "en": "Lesson attendance"},
    "digest_events": {"ru": "События", "en": "Events"},
    "digest_blocked": {"ru": "Заблокировали бота", "en": "Blocked the bot"},
    "digest_broadcasts": {
        "ru": "Рассылки: {count}, доставлено {delivered} из {recipients} ({rate})",
        "en": "Broadcasts: {count}, delivered {delivered} of {recipients} ({rate})",
    },
    "digest_no_broadcasts": {"ru": "Рассылок не было", "en": "No broadcasts"},
    "digest_chart_title": {
        "ru": "Новые пользователи за 30 дней",
        "en": "New users over 30 days",
    },
    "digest_usage": {
        "ru": "/digest — прислать сейчас · /digest off · /digest on · /digest 08:30",
        "en": "/digest — send it now · /digest off · /digest on · /digest 08:30",
    },
    "digest_turned_off": {
        "ru": "Ежедневная сводка выключена для вас. Включить: /digest on",
        "en": "Your daily digest is off. Turn it back on with /digest on",
    },
    "digest_turned_on": {
        "ru": "Ежедневная сводка включена: каждый день в {time} ({tz}).",
        "en": "Your daily digest is on: every day at {time} ({tz}).",
    },
    "digest_globally_off": {
        "ru": "Сводка включена, но DIGEST_TIME пуст: укажите время, например /digest 09:00",
        "en": "Your digest is on, but DIGEST_TIME is empty: pick a time, e.g. /digest 09:00",
    },
    "digest_preparing": {"ru": "Готовлю сводку…", "en": "Preparing the digest…"},
}


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
