"""The Mini App's own words (tabs, buttons, column heads), Russian and English.

Labels of the school's codes (statuses, streams, reasons, funnel steps) and phrases with
figures in them (a stream's lists, /stats's lines) come with the data, from the chat's
catalogs, so a page and a chat message call a thing the same name; a fixed word the chat has
too is the chat's own entry here. The page receives this catalog in the viewer's language from
``/api/me``.
"""

from __future__ import annotations

from bot.telegram.texts import analytics as chat

CATALOG: dict[str, dict[str, str]] = {
    "title": {"ru": "Панель школы", "en": "School dashboard"},
    "tab_overview": {"ru": "Сводка", "en": "Overview"},
    "tab_growth": {"ru": "Рост", "en": "Growth"},
    "tab_daily": {"ru": "По дням", "en": "Daily"},
    "tab_courses": {"ru": "Курсы", "en": "Courses"},
    "tab_funnel": {"ru": "Воронка", "en": "Funnel"},
    "tab_retention": {"ru": "Удержание", "en": "Retention"},
    "tab_leads": {"ru": "Лиды", "en": "Leads"},
    "tab_people": {"ru": "Люди", "en": "People"},
    "tab_broadcasts": {"ru": "Рассылки", "en": "Broadcasts"},
    "users": chat.CATALOG["stats_users"],  # /stats's lines, as the overview's cards
    "signups": chat.CATALOG["stats_registrations"],
    "registrations": {"ru": "Записи на уроки", "en": "Lesson sign-ups"},  # a daily series
    "by_status": {"ru": "Брони по статусам", "en": "Bookings by status"},
    "last_broadcast": {"ru": "Последняя рассылка", "en": "Last broadcast"},
    "spark_bookings": {"ru": "Брони за 30 дней", "en": "Bookings, 30 days"},
    "spark_events": {"ru": "События за 30 дней", "en": "Events, 30 days"},
    "spark_confirmations": {"ru": "Оплаты за 30 дней", "en": "Payments, 30 days"},
    "period_all": {"ru": "всё", "en": "all"},
    "days_short": {"ru": "дн.", "en": "d"},
    "new_users": {"ru": "Новые", "en": "New"},
    "total": {"ru": "Всего", "en": "Total"},
    "day": {"ru": "День", "en": "Day"},
    "bookings": {"ru": "Брони", "en": "Bookings"},
    "events": {"ru": "События", "en": "Events"},
    "confirmations": {"ru": "Оплаты", "en": "Payments"},
    "stream": {"ru": "Поток", "en": "Stream"},
    "course": {"ru": "Курс", "en": "Course"},
    "current": {"ru": "текущий", "en": "current"},
    "people": {"ru": "Люди", "en": "People"},
    "back": {"ru": "← Назад", "en": "← Back"},
    "prev": {"ru": "◀", "en": "◀"},
    "next": {"ru": "▶", "en": "▶"},
    "page": {"ru": "стр. {n} из {of}", "en": "page {n} of {of}"},
    "cohort": {"ru": "Неделя", "en": "Week"},
    "size": {"ru": "Размер", "en": "Size"},
    "tier_hot": {"ru": "Горячие", "en": "Hot"},
    "tier_warm": {"ru": "Тёплые", "en": "Warm"},
    "tier_cool": {"ru": "Холодные", "en": "Cool"},
    "hot_leads": {"ru": "Самые активные", "en": "Most active"},
    "as_of": {"ru": "на момент", "en": "as of"},
    "search": {"ru": "Имя, @username или id", "en": "Name, @username or id"},
    "find": {"ru": "Найти", "en": "Find"},
    "nobody": {"ru": "Никого не нашлось", "en": "Nobody found"},
    "first_seen": {"ru": "Впервые", "en": "First seen"},
    "last_seen": {"ru": "Последний раз", "en": "Last seen"},
    "card_bookings": {"ru": "Брони", "en": "Bookings"},
    "card_registrations": {"ru": "Записи на уроки", "en": "Lesson sign-ups"},
    "card_events": {"ru": "Последние события", "en": "Latest events"},
    "card_broadcasts": {"ru": "Рассылки", "en": "Broadcasts"},
    "history": {"ru": "История рассылок", "en": "Broadcast history"},
    "recipients": {"ru": "Получатели", "en": "Recipients"},
    "sent": {"ru": "доставлено", "en": "sent"},
    "failed": {"ru": "ошибки", "en": "failed"},
    "pending": {"ru": "в очереди", "en": "pending"},
    "deleted": {"ru": "удалено", "en": "deleted"},
    "all_states": {"ru": "Все", "en": "All"},
    "reason": {"ru": "Причина", "en": "Reason"},
    "status": {"ru": "Статус", "en": "Status"},
    "csv": {"ru": "Скачать CSV", "en": "Download CSV"},
    "pause": {"ru": "⏸ Пауза", "en": "⏸ Pause"},
    "resume": {"ru": "▶ Продолжить", "en": "▶ Resume"},
    "cancel": {"ru": "✖ Отменить", "en": "✖ Cancel"},
    "cancel_confirm": {
        "ru": "Отменить рассылку #{id}? Не получат: {pending}.",
        "en": "Cancel broadcast #{id}? {pending} will not get it.",
    },
    "refused": {
        "ru": "Нельзя: рассылка сейчас «{status}».",
        "en": "Not now: the broadcast is {status}.",
    },
    "rate": {"ru": "{rate} сообщ./с", "en": "{rate} msg/s"},
    "eta": {"ru": "осталось ~{s} с", "en": "~{s} s left"},
    "error": {"ru": "Не получилось загрузить. Обновите страницу.", "en": "Could not load."},
    "denied": {
        "ru": "Нет доступа. Откройте панель кнопкой в чате с ботом.",
        "en": "No access. Open the dashboard from the bot's chat.",
    },
    "manage": {"ru": "Изменить", "en": "Edit"},
    "move_to": {"ru": "Перенести в поток", "en": "Move to stream"},
    "set_status": {"ru": "Статус", "en": "Status"},
    "referral_code": {"ru": "Реферальный код", "en": "Referral code"},
    "discount": {"ru": "Скидка, %", "en": "Discount, %"},
    "before_after": {"ru": "Было → станет", "en": "Before → after"},
    "confirm": {"ru": "Подтвердить", "en": "Confirm"},
    "dismiss": {"ru": "Отмена", "en": "Cancel"},
    "saved": {"ru": "Сохранено", "en": "Saved"},
    "stale": {
        "ru": "Бронь изменилась, пока карточка была открыта. Сейчас: {now}",
        "en": "The booking changed since the card was shown. Now: {now}",
    },
    "invalid": {"ru": "Неверное значение", "en": "Invalid value"},
    "no_change": {"ru": "Ничего не меняется", "en": "Nothing changes"},
}


def catalog(language: str) -> dict[str, str]:
    """Every phrase in one language."""
    return {key: variants[language] for key, variants in CATALOG.items()}
