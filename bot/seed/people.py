"""Who the synthetic students are: names, Telegram usernames and e-mail addresses.

Most of the school is Russian-speaking, so first names are often Cyrillic; some people write
them in Latin letters, a few are from elsewhere, and some leave the name or username unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"Анна:anna Иван:ivan"`` → ``(("Анна", "anna"), ("Иван", "ivan"))``."""
    return tuple((written, latin) for written, latin in (pair.split(":") for pair in text.split()))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (as written in Cyrillic, transliterated) — the transliteration seeds usernames and e-mails.
RUSSIAN_NAMES = _pairs(
    "Александр:alexander Алексей:alexey Анна:anna Анастасия:anastasia Андрей:andrey Артём:artem "
    "Валерия:valeria Виктория:viktoria Владимир:vladimir Дарья:daria Денис:denis Дмитрий:dmitry "
    "Екатерина:ekaterina Елена:elena Иван:ivan Игорь:igor Ирина:irina Кирилл:kirill "
    "Ксения:ksenia Максим:maxim Мария:maria Михаил:mikhail Наталья:natalia Никита:nikita "
    "Ольга:olga Павел:pavel Полина:polina Роман:roman Сергей:sergey Софья:sofia Татьяна:tatiana "
    "Тимур:timur Юлия:yulia Ярослав:yaroslav "
)
RUSSIAN_SURNAMES = _pairs(
    "Иванов:ivanov Смирнова:smirnova Кузнецов:kuznetsov Попова:popova Соколов:sokolov "
    "Лебедева:lebedeva Козлов:kozlov Новикова:novikova Морозов:morozov Волкова:volkova "
    "Орлов:orlov Фёдорова:fedorova "
)
OTHER_NAMES = _words(
    "John Emma Lucas Sofia Mehmet Aigerim Dilnoza Aziz Nurlan Giorgi Ana David Oleksandr Yana "
    "Arman Madina"
)
USERNAME_WORDS = ("dev", "code", "pro", "ai", "tech", "it", "online", "vibe", "cursor")
MAIL_DOMAINS = (
    ("gmail.com", 0.45),
    ("yandex.ru", 0.2),
    ("mail.ru", 0.18),
    ("icloud.com", 0.06),
    ("outlook.com", 0.05),
    ("bk.ru", 0.03),
    ("proton.me", 0.03),
)
_DOMAIN_NAMES = tuple(name for name, _ in MAIL_DOMAINS)
_DOMAIN_CUMULATIVE = tuple(
    sum(weight for _, weight in MAIL_DOMAINS[: index + 1]) for index in range(len(MAIL_DOMAINS))
)


@dataclass(frozen=True)
class Profile:
    """How one person appears in the course bot's tables."""

    username: str | None
    first_name: str | None
    email: str


class People:
    """Draw profiles; usernames are unique, as Telegram guarantees."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def draw(self, rng: Random) -> Profile:
        """One new person."""
        given, latin = RUSSIAN_NAMES[rng.randrange(len(RUSSIAN_NAMES))]
        surname, latin_surname = RUSSIAN_SURNAMES[rng.randrange(len(RUSSIAN_SURNAMES))]
        style = rng.random()
        first_name: str | None
        if style < 0.50:
            first_name = given if rng.random() < 0.85 else f"{given} {surname}"
        elif style < 0.82:
            first_name = latin.capitalize()
        elif style < 0.94:
            first_name = OTHER_NAMES[rng.randrange(len(OTHER_NAMES))]
            latin = first_name.lower()
        else:
            first_name = None
        username = self._username(rng, latin, latin_surname) if rng.random() < 0.82 else None
        return Profile(username, first_name, _email(rng, username, latin, latin_surname))

    def _username(self, rng: Random, latin: str, surname: str) -> str:
        pattern = rng.random()
        if pattern < 0.3:
            name = f"{latin}_{surname}"
        elif pattern < 0.6:
            name = f"{latin}{rng.randint(1, 2009)}"
        elif pattern < 0.8:
            name = f"{latin}_{USERNAME_WORDS[rng.randrange(len(USERNAME_WORDS))]}"
        else:
            name = f"{surname}{latin[0]}"
        while name in self._taken or len(name) < 5:
            name = f"{name}{rng.randint(0, 99)}"
        self._taken.add(name)
        return name


def _email(rng: Random, username: str | None, latin: str, surname: str) -> str:
    pick = rng.random()
    edges = zip(_DOMAIN_NAMES, _DOMAIN_CUMULATIVE, strict=True)
    domain = next((name for name, edge in edges if pick < edge), _DOMAIN_NAMES[0])
    if username is not None and rng.random() < 0.5:
        local = username.replace("_", ".")
    else:
        local = f"{latin}.{surname}{rng.randint(1, 99)}"
    return f"{local}@{domain}"
