"""Each admin reads their own language; Russian reads right (plural forms from CLDR)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.app import running
from bot.config import load_settings
from bot.digest import DayFigures, Digest, DigestService
from bot.telegram.console.commands import ADMIN_COMMANDS
from bot.telegram.core.language import client_language
from bot.telegram.digest.views import lateness, render_digest
from bot.telegram.privacy.views import several_text
from bot.telegram.texts import Texts
from bot.telegram.texts.plurals import NOUNS
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID, until_leading

MSK = ZoneInfo("Europe/Moscow")
NUMBERS = (1, 2, 5, 11, 21, 22, 25, 101)
# The CLDR category each number takes: Russian one/few/many, English one/other.
RU_FORMS = ("one", "few", "many", "many", "one", "few", "many", "one")
CATEGORY = {
    "ru": dict(zip(NUMBERS, RU_FORMS, strict=True)),
    "en": {n: "one" if n == 1 else "other" for n in NUMBERS},
}


def texts(language: str) -> Texts:
    return Texts(language, MSK)


# --- plural forms ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("key", sorted(NOUNS))
def test_every_noun_takes_the_right_form_after_each_number(language: str, key: str) -> None:
    for n in NUMBERS:
        word = NOUNS[key][language][CATEGORY[language][n]]
        assert texts(language).count(n, key) == f"{n} {word}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 бронь", "2 брони", "5 броней", "11 броней", "21 бронь", "22 брони",
                "25 броней", "101 бронь"]),
        ("en", ["1 booking", "2 bookings", "5 bookings", "11 bookings", "21 bookings",
                "22 bookings", "25 bookings", "101 bookings"]),
    ],
)  # fmt: skip
def test_bookings_read_as_people_say_them(language: str, expected: list[str]) -> None:
    assert [texts(language).count(n, "booking") for n in NUMBERS] == expected


def _digest(broadcasts: int, late_minutes: int | None = None) -> Digest:
    day = DayFigures(date(2026, 11, 19), 3, 2, (1, 0, 1, 0), 1, 1, 1, 7, 0, broadcasts, 10, 8)
    return Digest(
        day=day.day,
        yesterday=day,
        day_before=day,
        week_before=day,
        total_users=5,
        growth=None,  # type: ignore[arg-type]  # the texts never read the chart's data
        late_by=None if late_minutes is None else timedelta(minutes=late_minutes),
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 рассылка", "2 рассылки", "5 рассылок", "11 рассылок", "21 рассылка",
                "22 рассылки", "25 рассылок", "101 рассылка"]),
        ("en", ["1 broadcast", "2 broadcasts", "5 broadcasts", "11 broadcasts", "21 broadcasts",
                "22 broadcasts", "25 broadcasts", "101 broadcasts"]),
    ],
)  # fmt: skip
def test_digest_counts_broadcasts_in_the_right_form(language: str, expected: list[str]) -> None:
    for n, words in zip(NUMBERS, expected, strict=True):
        _, details = render_digest(texts(language), _digest(n))
        assert f"\n{words}: " in details, details


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 минута", "2 минуты", "5 минут", "11 минут", "21 минута", "22 минуты",
                "25 минут", "1 час 41 минута"]),
        ("en", ["1 minute", "2 minutes", "5 minutes", "11 minutes", "21 minutes", "22 minutes",
                "25 minutes", "1 hour 41 minutes"]),
    ],
)  # fmt: skip
def test_a_late_digest_says_how_late_in_words(language: str, expected: list[str]) -> None:
    assert [lateness(texts(language), timedelta(minutes=n)) for n in NUMBERS] == expected
    assert lateness(texts("ru"), timedelta(hours=2)) == "2 часа"
    assert lateness(texts("ru"), timedelta(hours=5, minutes=22)) == "5 часов 22 минуты"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["1 человек", "2 человека", "5 человек", "11 человек", "21 человек",
                "22 человека", "25 человек", "101 человек"]),
        ("en", ["1 person", "2 people", "5 people", "11 people", "21 people", "22 people",
                "25 people", "101 people"]),
    ],
)  # fmt: skip
def test_forget_counts_the_people_who_used_a_username(language: str, expected: list[str]) -> None:
    for n, people in zip(NUMBERS, expected, strict=True):
        shown = several_text(texts(language), "anna", tuple(range(1000, 1000 + n)))
        opening = f"использовали {people}:" if language == "ru" else f"{people} have used @anna"
        assert opening in shown, shown


# --- which language ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("uk", "ru"), ("be", "ru"), ("ru-RU", "ru"), ("UK", "ru"), ("en", "en"),
     ("de", "en"), ("pt-br", "en"), ("kk", "en"), (None, "en"), ("", "en")],
)  # fmt: skip
def test_client_language_maps_russian_ukrainian_belarusian_to_russian(
    code: str | None, language: str
) -> None:
    assert client_language(code) == language


def test_language_unset_or_empty_means_each_admins_own() -> None:
    assert load_settings(language="").language is None
    assert load_settings(language=" EN ").language == "en"
    assert load_settings().language in (None, "ru", "en")  # whatever the environment says


def _speak(standin: Any, user_id: int, code: str | None) -> None:
    standin.users[user_id].language_code = code


async def _start(standin: Any, user_id: int) -> str:
    await standin.send_message(user_id, "/start")
    return str((await standin.wait_for_message(user_id)).plain_text)


async def test_without_language_each_admin_reads_their_clients_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    _speak(standin, ADMIN_ID, "ru")
    _speak(standin, SECOND_ADMIN_ID, "en")
    async with running(make_settings(language=""), pool):
        assert "Админ-консоль школы" in await _start(standin, ADMIN_ID)
        assert "School admin console" in await _start(standin, SECOND_ADMIN_ID)
        _speak(standin, SECOND_ADMIN_ID, "uk")  # the admin switched their app to Ukrainian
        assert "Админ-консоль школы" in await _start(standin, SECOND_ADMIN_ID)
        _speak(standin, SECOND_ADMIN_ID, "de")
        await standin.send_message(SECOND_ADMIN_ID, "/cancel")
        assert (await standin.wait_for_message(SECOND_ADMIN_ID)).plain_text == (
            "Nothing to cancel."
        )
    rows = await pool.fetch("SELECT admin_id, language_code FROM admin_languages")
    assert {r["admin_id"]: r["language_code"] for r in rows} == {
        ADMIN_ID: "ru",
        SECOND_ADMIN_ID: "de",
    }


async def test_language_set_forces_one_language_for_everyone(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    _speak(standin, ADMIN_ID, "en")
    _speak(standin, SECOND_ADMIN_ID, "ru")
    async with running(make_settings(language="ru"), pool):
        assert "Админ-консоль школы" in await _start(standin, ADMIN_ID)
        assert "Админ-консоль школы" in await _start(standin, SECOND_ADMIN_ID)


async def test_strangers_are_answered_in_their_own_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    russian = standin.create_user(616161, first_name="Оля", language_code="ru")
    english = standin.create_user(626262, first_name="Jo", language_code="en")
    async with running(make_settings(language=""), pool):
        assert "служебный бот школы" in await _start(standin, russian.user_id)
        assert "school's service bot" in await _start(standin, english.user_id)


async def test_an_unexpected_error_is_apologised_for_in_the_admins_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    _speak(standin, ADMIN_ID, "ru")
    async with running(make_settings(language=""), pool):
        await pool.execute("ALTER TABLE fsm_state RENAME TO fsm_state_gone")
        try:
            await standin.send_message(ADMIN_ID, "/cancel")
            reply = await standin.wait_for_message(ADMIN_ID)
        finally:
            await pool.execute("ALTER TABLE fsm_state_gone RENAME TO fsm_state")
    assert reply.plain_text.startswith("Что-то пошло не так")


def _menu(standin: Any, scope: dict[str, Any] | None, code: str | None) -> dict[str, str]:
    listed = standin.commands(CONSOLE_TOKEN, scope=scope, language_code=code)
    return {c["command"]: c["description"] for c in listed}


async def test_command_menu_is_set_per_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    admin_chat = {"type": "chat", "chat_id": ADMIN_ID}
    async with running(make_settings(language=""), pool) as app:
        await until_leading(app)
        await standin.wait_for(lambda: _menu(standin, admin_chat, "be"))
        for code in ("ru", "uk", "be"):
            menu = _menu(standin, admin_chat, code)
            assert list(menu) == ADMIN_COMMANDS
            assert menu["help"] == "Список команд" and menu["digest"] == "Ежедневная сводка"
            assert _menu(standin, None, code) == {"start": "Главное меню"}
        default = _menu(standin, admin_chat, None)
        assert list(default) == ADMIN_COMMANDS and default["help"] == "List of commands"
        assert _menu(standin, None, None) == {"start": "Main menu"}


async def test_language_set_puts_its_language_in_every_menu(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    admin_chat = {"type": "chat", "chat_id": SECOND_ADMIN_ID}
    async with running(make_settings(language="en"), pool) as app:
        await until_leading(app)
        await standin.wait_for(lambda: _menu(standin, admin_chat, "be"))
        for code in (None, "ru", "uk", "be"):
            assert _menu(standin, admin_chat, code)["help"] == "List of commands"


def _digest_service(app: Any) -> DigestService:
    service = DigestService(
        app.pool,
        app.services.school,
        app.settings.model_copy(update={"digest_time": "09:00"}),
        app.services.records,
    )
    service.attach(app.services.digest.presenter)
    service.term = app.leadership
    return service


async def test_the_digest_reaches_each_admin_in_their_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "INSERT INTO message_history (message_text, total_recipients, successful_deliveries,"
        " sent_at) VALUES ('a', 3, 2, $1), ('b', 2, 2, $1)",
        datetime(2026, 11, 19, 14, 0, tzinfo=MSK),
    )
    _speak(standin, ADMIN_ID, "be")
    _speak(standin, SECOND_ADMIN_ID, "en")
    async with running(make_settings(language=""), pool) as app:
        await until_leading(app)
        for admin in (ADMIN_ID, SECOND_ADMIN_ID):
            await _start(standin, admin)
        # an hour and a minute late: the lateness is said in words, in each language
        due = datetime(2026, 11, 20, 10, 1, tzinfo=MSK)
        outcomes = await _digest_service(app).tick(due)
        assert len(outcomes) == 2
        russian = [await standin.wait_for_message(ADMIN_ID) for _ in range(2)]
        english = [await standin.wait_for_message(SECOND_ADMIN_ID) for _ in range(2)]
    assert "Сводка за 19.11.2026" in russian[0].plain_caption
    assert "с опозданием (1 час 1 минута)" in russian[0].plain_caption
    assert "2 рассылки: доставлено 4 из 5 (80,0\u00a0%)" in russian[1].plain_text
    assert "Daily digest for 19.11.2026" in english[0].plain_caption
    assert "This digest is 1 hour 1 minute late" in english[0].plain_caption
    assert "2 broadcasts: delivered 4 of 5 (80.0%)" in english[1].plain_text


async def test_an_admin_never_heard_from_gets_the_digest_in_russian(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language=""), pool) as app:
        await until_leading(app)
        await _digest_service(app).tick(datetime(2026, 11, 20, 9, 0, tzinfo=MSK))
        photo = await standin.wait_for_message(ADMIN_ID)
    assert "Сводка за 19.11.2026" in photo.plain_caption


async def test_forget_lists_people_sharing_a_username_with_the_right_word(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        "INSERT INTO bookings (user_id, username, course_id) VALUES (11, 'moved_on', 1),"
        " (12, 'Moved_On', 1)"
    )
    _speak(standin, ADMIN_ID, "ru")
    async with running(make_settings(language=""), pool):
        await standin.send_message(ADMIN_ID, "/forget @moved_on")
        russian = await standin.wait_for_message(ADMIN_ID)
        await standin.send_message(SECOND_ADMIN_ID, "/forget @moved_on")
        english = await standin.wait_for_message(SECOND_ADMIN_ID)
    assert russian.plain_text.startswith("Имя @moved_on использовали 2 человека: 11, 12.")
    assert english.plain_text.startswith("2 people have used @moved_on: 11, 12.")
