"""Phrases of the analytics console."""

CATALOG: dict[str, dict[str, str]] = {
    "cmd_stats": {"ru": "Сводка по школе", "en": "School at a glance"},
    "cmd_growth": {"ru": "График роста пользователей", "en": "User growth chart"},
    "cmd_daily": {"ru": "По дням", "en": "Day by day"},
    "cmd_courses": {"ru": "Курсы и потоки", "en": "Courses and streams"},
    "cmd_events": {"ru": "Топ событий", "en": "Top events"},
    "cmd_lessons": {"ru": "Бесплатные уроки", "en": "Free lessons"},
    "cmd_funnel": {"ru": "Воронка", "en": "Funnel"},
    "cmd_retention": {"ru": "Удержание по когортам", "en": "Cohort retention"},
    "cmd_leads": {"ru": "Горячие лиды", "en": "Hot leads"},
    "cmd_user": {"ru": "Карточка пользователя", "en": "User card"},
    "cmd_schema": {"ru": "Отчёт о базе данных", "en": "Database report"},
    "cmd_export": {"ru": "Выгрузка CSV", "en": "CSV export"},
}
