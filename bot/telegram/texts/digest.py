"""Phrases of the daily digest."""

from __future__ import annotations

CATALOG: dict[str, dict[str, str]] = {
    "cmd_digest": {"ru": "Ежедневная сводка", "en": "Daily digest"},
    "digest_title": {"ru": "<b>Сводка за {day}</b>", "en": "<b>Daily digest for {day}</b>"},
    "digest_total_users": {
        "ru": "Новых пользователей: {new} · всего {total}",
        "en": "New users: {new} · {total} in total",
    },
    "digest_late": {
        "ru": "⏰ Сводка с опозданием ({late}): бот был недоступен в назначенное время.",
        "en": "⏰ This digest is {late} late: the bot was offline at the scheduled time.",
    },
    "digest_unknown": {
        "ru": "⚠️ Сводка за {days} могла не дойти: бот остановился во время отправки.",
        "en": "⚠️ The digest of {days} may not have arrived: the bot stopped while sending it.",
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
    "digest_blocked": {
        "ru": "Выяснилось в рассылках, что заблокировали бот курса",
        "en": "Found by broadcasts to have blocked the course bot",
    },
    "digest_broadcasts": {
        "ru": "{broadcasts}: доставлено {delivered} из {recipients} ({rate})",
        "en": "{broadcasts}: delivered {delivered} of {recipients} ({rate})",
    },
    "digest_no_broadcasts": {"ru": "Рассылок не было", "en": "No broadcasts"},
    "digest_chart_title": {
        "ru": "Новые пользователи за 30 дней",
        "en": "New users over 30 days",
    },
    "usage_digest": {"ru": "/digest [now|on|off|ЧЧ:ММ]", "en": "/digest [now|on|off|HH:MM]"},
    "digest_settings_title": {"ru": "<b>Ежедневная сводка</b>", "en": "<b>Daily digest</b>"},
    "digest_settings_on": {
        "ru": "Для вас включена: каждый день в {time} ({tz}).",
        "en": "On for you: every day at {time} ({tz}).",
    },
    "digest_settings_own_time": {
        "ru": "Это ваше время; общее (DIGEST_TIME) — {default}.",
        "en": "That is your own time; everyone else's (DIGEST_TIME) is {default}.",
    },
    "digest_settings_no_time": {
        "ru": "Для вас включена, но приходить не будет: время не задано (DIGEST_TIME пуст). "
        "Задайте своё время: <code>/digest 08:30</code>",
        "en": "On for you, but it will never be sent: no time is set (DIGEST_TIME is empty). "
        "Set a time of your own: <code>/digest 08:30</code>",
    },
    "digest_settings_off": {"ru": "Для вас выключена.", "en": "Off for you."},
    "digest_settings_how": {
        "ru": "Прислать сейчас: /digest now · своё время: <code>/digest 08:30</code> · "
        "выключить: /digest off · включить: /digest on",
        "en": "Send it now: /digest now · your own time: <code>/digest 08:30</code> · "
        "turn off: /digest off · turn on: /digest on",
    },
    "digest_now_button": {"ru": "📨 Прислать сейчас", "en": "📨 Send now"},
    "digest_off_button": {"ru": "🔕 Выключить", "en": "🔕 Turn off"},
    "digest_on_button": {"ru": "🔔 Включить", "en": "🔔 Turn on"},
    "digest_turned_off": {
        "ru": "Ежедневная сводка выключена для вас. Включить: /digest on",
        "en": "Your daily digest is off. Turn it back on with /digest on",
    },
    "digest_turned_on": {
        "ru": "Ежедневная сводка включена: каждый день в {time} ({tz}).",
        "en": "Your daily digest is on: every day at {time} ({tz}).",
    },
    "digest_globally_off": {
        "ru": "Сводка включена, но приходить не будет: время не задано (DIGEST_TIME пуст). "
        "Задайте своё время: <code>/digest 08:30</code>",
        "en": "Your digest is on, but it will never be sent: no time is set (DIGEST_TIME is "
        "empty). Set a time of your own: <code>/digest 08:30</code>",
    },
    "digest_preparing": {"ru": "Готовлю сводку…", "en": "Preparing the digest…"},
}
