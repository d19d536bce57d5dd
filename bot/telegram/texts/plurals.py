"""Nouns that follow a number, in every CLDR plural form of each language.

The form for a number comes from Babel's CLDR rules (never hand-written): Russian has
``one`` (1, 21, 101), ``few`` (2–4, 22–24), ``many`` (0, 5–20, 25…) and ``other`` (fractions);
English has ``one`` and ``other``. Use :meth:`bot.telegram.texts.Texts.count` ("4 брони") or
:meth:`~bot.telegram.texts.Texts.plural` (the word alone) with a key of :data:`NOUNS`.
"""

from __future__ import annotations

from babel import Locale

# key → language → CLDR category → word. Every language lists every category it has.
NOUNS: dict[str, dict[str, dict[str, str]]] = {
    "recipient": {
        "ru": {
            "one": "получатель",
            "few": "получателя",
            "many": "получателей",
            "other": "получателя",
        },
        "en": {"one": "recipient", "other": "recipients"},
    },
    "user": {
        "ru": {
            "one": "пользователь",
            "few": "пользователя",
            "many": "пользователей",
            "other": "пользователя",
        },
        "en": {"one": "user", "other": "users"},
    },
    "person": {
        "ru": {"one": "человек", "few": "человека", "many": "человек", "other": "человека"},
        "en": {"one": "person", "other": "people"},
    },
    "booking": {
        "ru": {"one": "бронь", "few": "брони", "many": "броней", "other": "брони"},
        "en": {"one": "booking", "other": "bookings"},
    },
    "event": {
        "ru": {"one": "событие", "few": "события", "many": "событий", "other": "события"},
        "en": {"one": "event", "other": "events"},
    },
    "row": {
        "ru": {"one": "строка", "few": "строки", "many": "строк", "other": "строки"},
        "en": {"one": "row", "other": "rows"},
    },
    "registration": {
        "ru": {
            "one": "регистрация",
            "few": "регистрации",
            "many": "регистраций",
            "other": "регистрации",
        },
        "en": {"one": "registration", "other": "registrations"},
    },
    "message": {
        "ru": {"one": "сообщение", "few": "сообщения", "many": "сообщений", "other": "сообщения"},
        "en": {"one": "message", "other": "messages"},
    },
    "broadcast": {
        "ru": {"one": "рассылка", "few": "рассылки", "many": "рассылок", "other": "рассылки"},
        "en": {"one": "broadcast", "other": "broadcasts"},
    },
    "day": {
        "ru": {"one": "день", "few": "дня", "many": "дней", "other": "дня"},
        "en": {"one": "day", "other": "days"},
    },
    "week": {
        "ru": {"one": "неделя", "few": "недели", "many": "недель", "other": "недели"},
        "en": {"one": "week", "other": "weeks"},
    },
    "hour": {
        "ru": {"one": "час", "few": "часа", "many": "часов", "other": "часа"},
        "en": {"one": "hour", "other": "hours"},
    },
    "minute": {
        "ru": {"one": "минута", "few": "минуты", "many": "минут", "other": "минуты"},
        "en": {"one": "minute", "other": "minutes"},
    },
    "second": {
        "ru": {"one": "секунда", "few": "секунды", "many": "секунд", "other": "секунды"},
        "en": {"one": "second", "other": "seconds"},
    },
    "recipient_dative": {  # "Отправить 400 получателям": the send button names whom
        "ru": {
            "one": "получателю",
            "few": "получателям",
            "many": "получателям",
            "other": "получателям",
        },
        "en": {"one": "recipient", "other": "recipients"},
    },
    "character": {
        "ru": {"one": "символ", "few": "символа", "many": "символов", "other": "символа"},
        "en": {"one": "character", "other": "characters"},
    },
    "table": {
        "ru": {"one": "таблица", "few": "таблицы", "many": "таблиц", "other": "таблицы"},
        "en": {"one": "table", "other": "tables"},
    },
    "student": {
        "ru": {"one": "студент", "few": "студента", "many": "студентов", "other": "студента"},
        "en": {"one": "student", "other": "students"},
    },
}

LOCALES = {"ru": Locale("ru"), "en": Locale("en")}


def category(language: str, n: float) -> str:
    """The CLDR plural category of ``n`` in ``language`` (one, few, many, other)."""
    return LOCALES[language].plural_form(abs(n))


def word(key: str, language: str, n: float) -> str:
    """The form of noun ``key`` that goes with ``n``."""
    forms = NOUNS[key][language]
    return forms.get(category(language, n), forms["other"])
