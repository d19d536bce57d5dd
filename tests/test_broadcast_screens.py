"""What the broadcast screens say, read in the chat as the admin reads them: failure reasons
in words, who was left out before sending, Retry only when it can help, a photo kept while its
caption is fixed, audience labels, replies that say what a step expects."""

from __future__ import annotations

import ast
import itertools
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

import bot.broadcast.models as models
from bot.app import running
from bot.broadcast.delivery import Delivery
from bot.broadcast.models import Audience
from bot.telegram.broadcast.views import REASON_KEYS, audience_label
from bot.telegram.broadcast.when import parse_when
from bot.telegram.texts import Texts
from tests.support import ADMIN_ID
from tests.test_broadcast_support import (
    Person,
    add_person,
    add_plain_users,
    card_of,
    choose_audience,
    compose,
    expect,
    finish_compose,
    press,
    send_now,
    statuses,
    wait_finished,
)

ROOT = Path(__file__).resolve().parents[1]
MOSCOW = ZoneInfo("Europe/Moscow")
# a 1×1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f3d1ea0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def fast_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCAST_POLL_SECONDS", "3600")
    monkeypatch.setattr(Delivery, "card_every_s", 0.3)


def texts(language: str) -> Texts:
    return Texts(language, MOSCOW)


# 1. every reason code the engine can write has words ---------------------------------------


def _values(node: ast.expr) -> list[ast.expr]:
    """The expressions a value may come from (both arms of ``a if c else b``)."""
    if isinstance(node, ast.IfExp):
        return [*_values(node.body), *_values(node.orelse)]
    return [node]


def _codes(node: ast.expr) -> set[str]:
    """A fixed reason: a string literal, or a constant of bot.broadcast.models."""
    found: set[str] = set()
    for value in _values(node):
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.add(value.value)
        elif isinstance(value, ast.Name) and isinstance(getattr(models, value.id, None), str):
            found.add(getattr(models, value.id))
    return found


def written_reason_codes() -> set[str]:
    """Every fixed failure_reason / delete_error bot/broadcast and its SQL can store.

    Python: ``reason=…`` of an outcome, what the reason functions (``forbidden_reason``,
    ``delete_copy``) return, what ``add_deletion`` is given. SQL: literals assigned to the
    columns. Telegram's own error text (``redact(error.message)``) is not a code.
    """
    codes: set[str] = set()
    for path in sorted((ROOT / "bot" / "broadcast").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "reason":
                        codes |= _codes(keyword.value)
                name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name == "add_deletion" and len(node.args) > 1:
                    codes |= _codes(node.args[1])
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                "reason" in node.name or node.name == "delete_copy"
            ):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        codes |= _codes(inner.value)
    for path in sorted((ROOT / "sql" / "queries").glob("*.sql")):
        sql = path.read_text()
        codes |= set(re.findall(r"(?:failure_reason|delete_error)\s*=\s*'([^']+)'", sql))
    return codes


def test_every_reason_code_the_engine_writes_has_words_in_both_languages() -> None:
    codes = written_reason_codes()
    # the scan finds what the admin saw raw, and the codes known before it
    assert {models.NEVER_STARTED, models.BLOCKED, models.OUTCOME_UNKNOWN, "cancelled"} <= codes
    missing = sorted(code for code in codes if code not in REASON_KEYS)
    assert not missing, f"reason codes without words for the admin: {missing}"
    for code in codes:
        ru, en = texts("ru")(REASON_KEYS[code]), texts("en")(REASON_KEYS[code])
        assert ru and en and ru != code and re.search("[а-я]", ru), (code, ru, en)


# 1, 4, 5: never started, in words; left out, said in the report; no useless Retry ---------


def shown(standin: Any, fragment: str) -> Any:
    """The latest message in the admin's chat that contains ``fragment`` (already read too)."""
    return next(m for m in reversed(standin.transcript(ADMIN_ID)) if fragment in m.shown_text)


def labels(message: Any) -> list[str]:
    return [text for row in message.buttons for text, _ in row]


async def test_never_started_is_in_words_left_out_next_time_and_not_offered_for_retry(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    reachable = await add_plain_users(pool, standin, 940000, 3)
    never = [940100, 940101]
    for user_id in never:
        await add_person(pool, standin, Person(user_id), started=False)

    first = await send_now(standin, await compose(standin, "Everyone", "Hello there"))
    await wait_finished(pool, first)
    report = await expect(standin, f"Broadcast #{first} finished")
    assert "never started the bot: 2" in report.shown_text
    assert "never started: 2" not in report.shown_text.replace("never started the bot", "")

    await standin.send_message(ADMIN_ID, "/history")
    history = await expect(standin, "Broadcast history")
    await press(standin, history, f"#{first}")
    details = await expect(standin, "Failure reasons")
    assert "• never started the bot: 2" in details.shown_text
    # every failure is someone the bot cannot reach: retrying cannot help, so it isn't offered
    assert not any("Retry failed" in label for label in labels(details))
    assert any("Export" in label for label in labels(details))

    # the next broadcast leaves them out before sending, and its final report says so
    second = await send_now(standin, await compose(standin, "Everyone", "Second"))
    started = shown(standin, f"Broadcast #{second} started")
    assert "(excluded as blocked: 0 · never started the bot: 2 · duplicates: 0)" in (
        started.shown_text
    )
    await wait_finished(pool, second)
    report = await expect(standin, f"Broadcast #{second} finished")
    assert f"Delivered: {len(reachable)} of {len(reachable)}" in report.shown_text
    assert "Left out before sending (the bot can't reach them): 2" in report.shown_text
    assert "• never started the bot: 2" in report.shown_text
    assert set(await statuses(pool, second)) == set(reachable)


async def test_retry_failed_is_offered_when_a_failure_can_be_retried(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 941000, 2)
    # in the school's tables, unknown to Telegram: "chat not found" may be worth another try
    await pool.execute(
        "INSERT INTO events (user_id, event_type, created_at) VALUES (941100, 'start_command',"
        " now())"
    )
    await add_person(pool, standin, Person(941200), blocked=True)
    bid = await send_now(standin, await compose(standin, "Everyone", "Try me"))
    await wait_finished(pool, bid)
    await standin.send_message(ADMIN_ID, "/history")
    history = await expect(standin, "Broadcast history")
    await press(standin, history, f"#{bid}")
    details = await expect(standin, "Failure reasons")
    assert "chat not found: 1" in details.shown_text
    await press(standin, details, "Retry failed")
    question = await expect(standin, f"Retry broadcast #{bid}?")
    assert "Recipients it goes to again: 1." in question.shown_text


async def test_a_booked_stream_report_in_russian_counts_who_was_left_out(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    booked = [Person(942000 + n, streams=(("8th_stream", 0),)) for n in range(4)]
    left_out = [Person(942100 + n, streams=(("8th_stream", 1),)) for n in range(2)]
    for person in booked:
        await add_person(pool, standin, person)
    for person in left_out:
        await add_person(pool, standin, person, started=False)
    async with running(make_settings(language="ru"), pool):
        # a first broadcast finds out who never started the bot
        await choose_audience(standin, "Все пользователи", language="ru")
        await standin.send_message(ADMIN_ID, "Первая")
        await press(standin, await expect(standin, "Добавить кнопки-ссылки?"), "Без кнопок")
        await press(standin, await expect(standin, "Предпросмотр"), "Отправить")
        first = await expect(standin, "запущена")
        bid = int(first.shown_text.split("#")[1].split(" ")[0])
        await wait_finished(pool, bid)
        await expect(standin, f"Рассылка #{bid} завершена")

        summary = await choose_audience(
            standin, "📝 8-й поток · Вайб кодинг", "Записавшиеся на поток…", language="ru"
        )
        assert "Аудитория: записавшиеся на 8-й поток · Вайб кодинг" in summary.shown_text
        assert "Получателей: 4 · исключено заблокировавших: 0 · не запускали бота: 2" in (
            summary.shown_text
        )
        await standin.send_message(ADMIN_ID, "Вторая")
        await press(standin, await expect(standin, "Добавить кнопки-ссылки?"), "Без кнопок")
        review = await expect(standin, "Предпросмотр")
        assert "Время отправки: меньше секунды" in review.shown_text
        assert "~0" not in review.shown_text
        await press(standin, review, "Отправить")
        started = await expect(standin, "запущена")
        second = int(started.shown_text.split("#")[1].split(" ")[0])
        assert (
            "(исключено заблокировавших: 0 · не запускали бота: 2 · дубликатов: 0)"
            in started.shown_text
        )
        await wait_finished(pool, second)
        report = await expect(standin, f"Рассылка #{second} завершена")
        assert "Доставлено: 4 из 4" in report.shown_text
        assert "Исключено до отправки (бот не может им написать): 2" in report.shown_text
        assert "• не запускали бота: 2" in report.shown_text


# 2. a photo is kept while its caption is fixed --------------------------------------------


async def test_fixing_a_photo_caption_as_text_keeps_the_photo(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    ids = await add_plain_users(pool, standin, 943000, 2)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, photo=PNG, caption="<b>Photo")
    problem = await expect(standin, "formatting is broken")
    assert "Send the corrected caption as text — the file is kept" in problem.shown_text
    await standin.send_message(ADMIN_ID, "<b>Photo</b>")
    review = await finish_compose(standin)
    shown = [m for m in standin.transcript(ADMIN_ID) if m.seq < review.seq]
    assert shown[-1].kind == "photo" and shown[-1].shown_text == "Photo"
    bid = await send_now(standin, review)
    await wait_finished(pool, bid)
    for user_id in ids:
        (copy,) = standin.transcript(user_id)
        assert copy.kind == "photo" and copy.shown_text == "Photo"


async def test_a_new_text_after_a_fixed_caption_is_a_text_again(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    """Once a caption was accepted the file is not carried into a later text draft."""
    await add_plain_users(pool, standin, 944000, 1)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, photo=PNG, caption="c" * 1025)
    refused = await expect(standin, "Too long a caption")
    assert "the file is kept" in refused.shown_text
    await standin.send_message(ADMIN_ID, "Short")
    review = await finish_compose(standin)
    await press(standin, review, "Edit")
    await expect(standin, "Send the message")
    await standin.send_message(ADMIN_ID, "Just text")
    review = await finish_compose(standin)
    shown = [m for m in standin.transcript(ADMIN_ID) if m.seq < review.seq]
    assert shown[-1].kind == "text" and shown[-1].shown_text == "Just text"


# 3. audience labels ------------------------------------------------------------------------

AUDIENCES = [
    Audience("everyone"),
    Audience("stream", stream="8th_stream", course=1),
    Audience("stream", stream="8th_stream"),
    Audience("booked", stream="8th_stream", course=1),
    Audience("awaiting"),
    Audience("all_but_paid"),
    Audience("unpaid"),
    Audience("lessons"),
    Audience("lessons", lesson="cursor_lesson"),
    Audience("lessons", lesson="cursor_lesson", lesson_date=date(2026, 12, 1)),
    Audience("individual", user_ids=(1, 2)),
]
LABELS = {
    "ru": [
        "все пользователи",
        "студенты — 8-й поток · Вайб кодинг",
        "студенты — 8-й поток · все курсы",
        "записавшиеся на 8-й поток · Вайб кодинг",
        "ждут оплаты (открытая бронь)",
        "все, кроме оплативших",
        "все, кроме оплативших",
        "записавшиеся на бесплатные уроки",
        "записавшиеся на урок по Cursor",
        "записавшиеся на урок по Cursor · 01.12.2026",
        "отдельные получатели (2)",
    ],
    "en": [
        "everyone",
        "students of stream 8 · Vibe coding",
        "students of stream 8 · every course",
        "booked stream 8 · Vibe coding",
        "awaiting payment (an open booking)",
        "everyone but the paid",
        "everyone but the paid",
        "free-lesson registrants",
        "registrants of Cursor lesson",
        "registrants of Cursor lesson on 01.12.2026",
        "individual recipients (2)",
    ],
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_each_audience_reads_as_a_phrase(language: str) -> None:
    shown = [audience_label(texts(language), audience) for audience in AUDIENCES]
    assert shown == LABELS[language]
    for label in shown:
        line = f"Audience: {label}"
        assert line.count(":") == 1, line  # "Аудитория: студенты: …" read badly
        words = label.lower().split()
        assert all(a != b for a, b in itertools.pairwise(words)), label


# 6. replies that say what the step expects ------------------------------------------------


async def test_typing_at_the_preview_points_to_its_buttons(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 945000, 1)
    await compose(standin, "Everyone", "Hi")
    await standin.send_message(ADMIN_ID, "send it please")
    hint = await expect(standin, "waiting for your choice")
    assert "the buttons under the preview above" in hint.shown_text
    assert "See /help" not in hint.shown_text


async def test_typing_a_wrong_time_shows_the_formats_and_in_an_hour_is_a_time(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 946000, 1)
    review = await compose(standin, "Everyone", "Later")
    await press(standin, review, "Schedule")
    await expect(standin, "When should it go out?")
    await standin.send_message(ADMIN_ID, "soonish")
    bad = await expect(standin, "I couldn't read that time")
    assert "19:00" in bad.shown_text and "tomorrow 10:00" in bad.shown_text
    assert "in an hour" in bad.shown_text
    await standin.send_message(ADMIN_ID, photo=PNG)
    await expect(standin, "I couldn't read that time")
    await standin.send_message(ADMIN_ID, "in an hour")
    ok = await expect(standin, "is scheduled for")
    at = await pool.fetchval("SELECT scheduled_at FROM message_history")
    assert timedelta(minutes=58) < at - datetime.now(MOSCOW) <= timedelta(hours=1)
    assert "/scheduled" in ok.shown_text


async def test_an_empty_text_is_refused_at_once_in_the_admins_language(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 947000, 1)
    async with running(make_settings(language="ru"), pool):
        await choose_audience(standin, "Все пользователи", language="ru")
        await standin.send_message(ADMIN_ID, "<b></b>")
        refused = await expect(standin, "В сообщении нет текста")
        assert "Bad Request" not in refused.shown_text
        # still waiting for the message: a real one goes through
        await standin.send_message(ADMIN_ID, "<b>Текст</b>")
        await expect(standin, "Добавить кнопки-ссылки?")


async def test_a_too_long_button_label_is_named_with_the_limit(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 948000, 1)
    await choose_audience(standin, "Everyone")
    await standin.send_message(ADMIN_ID, "With a button")
    await expect(standin, "Add URL buttons?")
    await standin.send_message(ADMIN_ID, "x" * 65 + " | https://example.com")
    refused = await expect(standin, "button label is too long")
    assert "65 characters, the limit is 64" in refused.shown_text
    assert "aren't <code>" not in refused.shown_text and "These lines" not in refused.shown_text


# 7. paused cancel, the estimate, "in an hour", a cancelled schedule in /history -----------


async def test_cancelling_a_paused_broadcast_offers_to_keep_it_paused(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 949000, 40)
    async with running(make_settings(broadcast_rate=5), pool):
        base = standin.delivered_count()
        bid = await send_now(standin, await compose(standin, "Everyone", "Slowly"))
        card = card_of(standin, bid)
        await standin.wait_for(lambda: standin.delivered_count() >= base + 1, timeout=10)
        await press(standin, card, "Pause")
        await standin.wait_for(lambda: "Paused" in card.shown_text, timeout=10)
        await press(standin, card, "Cancel")
        question = await expect(standin, f"Cancel broadcast #{bid} (it is paused)?")
        assert "No, keep it paused" in labels(question)
        assert "No, keep sending" not in labels(question)
        await press(standin, question, "No, keep it paused")
        await standin.wait_for(lambda: "stays paused" in question.shown_text)
        assert await pool.fetchval("SELECT status FROM message_history WHERE id = $1", bid) == (
            "paused"
        )


def test_in_an_hour_is_understood_in_both_languages() -> None:
    now = datetime(2026, 11, 30, 12, 34, 56, tzinfo=MOSCOW)
    hour = datetime(2026, 11, 30, 13, 34, tzinfo=MOSCOW)
    for typed in ("через час", "Через час", "in an hour", "In an hour", "in 1 hour"):
        assert parse_when(typed, now) == hour, typed
    assert parse_when("через 2 часа", now) == hour + timedelta(hours=1)
    assert parse_when("in 30 minutes", now) == hour - timedelta(minutes=30)
    assert parse_when("через неделю", now) is None


async def test_a_cancelled_schedule_shows_its_time_in_history_and_no_0_of_0(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    await add_plain_users(pool, standin, 950000, 1)
    review = await compose(standin, "Everyone", "Never sent")
    await press(standin, review, "Schedule")
    await expect(standin, "When should it go out?")
    await standin.send_message(ADMIN_ID, "tomorrow 10:00")
    await expect(standin, "is scheduled for")
    at = await pool.fetchval("SELECT scheduled_at FROM message_history")
    await standin.send_message(ADMIN_ID, "/scheduled")
    listing = await expect(standin, "Never sent")
    await press(standin, listing, "Cancel #")
    await standin.wait_for(lambda: "Nobody will get it" in listing.shown_text)
    await press(standin, listing, "Yes, cancel")
    await standin.wait_for(lambda: "Nothing is scheduled" in listing.shown_text)
    await standin.send_message(ADMIN_ID, "/history")
    history = await expect(standin, "Broadcast history")
    when = at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    assert f"scheduled for {when}" in history.shown_text
    assert "cancelled before sending" in history.shown_text
    assert "0/0" not in history.shown_text
