"""The console skeleton, end to end: the real bot polling the stand-in, a real database."""

from __future__ import annotations

import logging
import typing
from typing import Any

import asyncpg
import pytest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import running
from bot.telegram import admin_command_names, admin_routers
from bot.telegram.console.commands import ADMIN_COMMANDS
from bot.telegram.texts import Texts
from tests.support import ADMIN_ID, CONSOLE_TOKEN

PUBLIC_TEXTS = {
    Texts(language, None)(key)  # type: ignore[arg-type]
    for language in ("ru", "en")
    for key in ("public_welcome", "public_unknown")
}


def public_only(standin: Any, user_id: int) -> None:
    """A non-admin's chat holds nothing but the public phrases."""
    for message in standin.transcript(user_id):
        assert message.plain_text in PUBLIC_TEXTS, message.plain_text
        assert not message.buttons


def admin_callback_samples() -> list[str]:
    """A well-formed packed value for every callback prefix an admin router accepts."""
    samples = []
    for router in admin_routers():
        for handler in router.callback_query.handlers:
            for flt in handler.filters or []:
                if isinstance(flt.callback, CallbackQueryFilter):
                    samples.append(_forge(flt.callback.callback_data))
    return sorted(set(samples))


def telegram_callback_prefixes() -> set[str]:
    """The prefix of every CallbackData class the Telegram side defines."""
    admin_routers()  # imports every feature's callbacks
    found: set[str] = set()
    pending = list(CallbackData.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("bot.telegram."):
            found.add(cls.__prefix__)
    assert found, "no callback classes found"
    return found


def _forge(data_class: type[CallbackData]) -> str:
    values: dict[str, Any] = {}
    for name, info in data_class.model_fields.items():
        annotation = info.annotation
        if typing.get_origin(annotation) is typing.Literal:
            values[name] = typing.get_args(annotation)[0]
        elif annotation is int:
            values[name] = 1
        elif annotation is bool:
            values[name] = False
        elif annotation is float:
            values[name] = 1.0
        else:
            values[name] = "stats"
    return data_class(**values).pack()


async def test_admin_start_shows_console_with_buttons(standin: Any, bot_app: Any) -> None:
    await standin.send_message(ADMIN_ID, "/start")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert "School admin console" in reply.plain_text
    labels = [label for row in reply.buttons for label, _ in row]
    assert "School at a glance" in labels and "New broadcast" in labels


async def test_help_lists_every_admin_command(standin: Any, bot_app: Any) -> None:
    await standin.send_message(ADMIN_ID, "/help")
    reply = await standin.wait_for_message(ADMIN_ID)
    for name in ADMIN_COMMANDS:
        assert f"/{name} — " in reply.plain_text


async def test_cancel_without_flow_says_nothing_to_cancel(standin: Any, bot_app: Any) -> None:
    await standin.send_message(ADMIN_ID, "/cancel")
    reply = await standin.wait_for_message(ADMIN_ID)
    assert reply.plain_text == "Nothing to cancel."


async def test_console_speaks_russian_by_default(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language="ru"), pool):
        await standin.send_message(ADMIN_ID, "/start")
        assert "Админ-консоль" in (await standin.wait_for_message(ADMIN_ID)).plain_text
        await standin.send_message(ADMIN_ID, "/help")
        assert "/cancel — Выйти" in (await standin.wait_for_message(ADMIN_ID)).plain_text
        await standin.send_message(ADMIN_ID, "/cancel")
        assert (await standin.wait_for_message(ADMIN_ID)).plain_text == "Нечего отменять."


async def test_admins_get_console_menu_and_others_only_start(standin: Any, bot_app: Any) -> None:
    await standin.wait_for(
        lambda: standin.commands(CONSOLE_TOKEN, scope={"type": "chat", "chat_id": ADMIN_ID})
    )
    admin_menu = standin.commands(CONSOLE_TOKEN, scope={"type": "chat", "chat_id": ADMIN_ID})
    assert [c["command"] for c in admin_menu] == ADMIN_COMMANDS
    assert [c["command"] for c in standin.commands(CONSOLE_TOKEN)] == ["start"]


def test_command_list_matches_what_routers_answer() -> None:
    registered = admin_command_names(admin_routers())
    assert registered <= set(ADMIN_COMMANDS), registered - set(ADMIN_COMMANDS)


async def test_non_admin_gets_no_admin_content_for_any_command_or_button(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    stranger = standin.create_user(424242, first_name="Stranger")
    commands = sorted(admin_command_names(admin_routers()) | set(ADMIN_COMMANDS))
    for name in commands:
        await standin.send_message(stranger.user_id, f"/{name}")
        await standin.wait_for_message(stranger.user_id)
    samples = admin_callback_samples()
    # every kind of button an admin router accepts is tried, or this proves nothing
    assert {data.split(":", 1)[0] for data in samples} == telegram_callback_prefixes()
    answered = []
    for data in samples:
        query_id = standin.forge_press(stranger.user_id, data)
        answered.append(await standin.wait_for_callback_answer(query_id))
    public_only(standin, stranger.user_id)
    assert all(not answer.get("text") for answer in answered)
    denied = await pool.fetch("SELECT action, details FROM audit_log WHERE admin_id = 424242")
    denied_commands = {r["details"]["command"] for r in denied if r["action"] == "denied_command"}
    assert denied_commands == set(commands) - {"start"}
    assert sum(r["action"] == "denied_callback" for r in denied) == len(answered)


async def test_unknown_text_and_admin_command_look_the_same_to_strangers(
    standin: Any, bot_app: Any
) -> None:
    stranger = standin.create_user(434343)
    await standin.send_message(stranger.user_id, "hello there")
    unknown = await standin.wait_for_message(stranger.user_id)
    await standin.send_message(stranger.user_id, "/stats")
    refused = await standin.wait_for_message(stranger.user_id)
    assert unknown.text == refused.text and unknown.reply_markup == refused.reply_markup


async def test_users_are_remembered_and_blocking_tracked(
    standin: Any, bot_app: Any, pool: asyncpg.Pool
) -> None:
    standin.create_user(515151, first_name="Ира", username="ira")
    await standin.send_message(515151, "/start")
    await standin.wait_for_message(515151)
    row = await pool.fetchrow(
        "SELECT username, first_name, bot_seen_at FROM users WHERE user_id = 515151"
    )
    assert row is not None and row["username"] == "ira" and row["first_name"] == "Ира"
    assert row["bot_seen_at"] is not None

    standin.block_bot(515151, CONSOLE_TOKEN)
    await _eventually(pool, "SELECT count(*) FROM blocked_users WHERE user_id = 515151", 1)
    standin.unblock_bot(515151, CONSOLE_TOKEN)
    await _eventually(pool, "SELECT count(*) FROM blocked_users WHERE user_id = 515151", 0)


async def _eventually(pool: asyncpg.Pool, sql: str, expected: int) -> None:
    import asyncio

    for _ in range(100):
        if await pool.fetchval(sql) == expected:
            return
        await asyncio.sleep(0.05)
    assert await pool.fetchval(sql) == expected


async def test_flow_state_survives_a_restart(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    from aiogram.fsm.storage.base import StorageKey

    settings_ = make_settings()
    async with running(settings_, pool) as app:
        key = StorageKey(bot_id=app.console_bot.id, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        await app.dispatcher.storage.set_state(key, "Broadcast:writing_text")
        await app.dispatcher.storage.set_data(key, {"audience": "everyone"})
    async with running(settings_, pool) as app:
        assert await app.dispatcher.storage.get_data(key) == {"audience": "everyone"}
        await standin.send_message(ADMIN_ID, "/cancel")
        reply = await standin.wait_for_message(ADMIN_ID)
        assert reply.plain_text == "Cancelled. Back to the menu."
        assert await app.dispatcher.storage.get_state(key) is None


async def test_unexpected_error_is_logged_once_and_admin_gets_apology(
    standin: Any, bot_app: Any, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    await pool.execute("ALTER TABLE fsm_state RENAME TO fsm_state_gone")
    try:
        with caplog.at_level(logging.ERROR, logger="bot.telegram.core.errors"):
            await standin.send_message(ADMIN_ID, "/cancel")
            reply = await standin.wait_for_message(ADMIN_ID)
    finally:
        await pool.execute("ALTER TABLE fsm_state_gone RENAME TO fsm_state")
    assert reply.plain_text.startswith("Something went wrong")
    assert "Traceback" not in reply.plain_text
    failures = [r for r in caplog.records if r.name == "bot.telegram.core.errors"]
    assert len(failures) == 1 and failures[0].exc_info is not None


_commands = st.sampled_from([f"/{c}" for c in ADMIN_COMMANDS] + ["/start", "/x", "/"])
_texts = st.one_of(
    st.text(max_size=60),
    st.builds(lambda c, rest: f"{c} {rest}", _commands, st.text(max_size=20)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(actions=[(ADMIN_ID, "raw", "/ ")])  # a bare slash from no one crashed the guard once
@given(
    actions=st.lists(
        st.tuples(
            st.sampled_from([ADMIN_ID, 424242, 434343]),
            st.sampled_from(["text", "button", "raw"]),
            _texts,
        ),
        min_size=1,
        max_size=6,
    )
)
async def test_random_traffic_never_crashes_or_leaks(
    standin: Any, bot_app: Any, actions: list[tuple[int, str, str]]
) -> None:
    """Random texts, callback data and malformed updates from random users."""
    errors: list[logging.LogRecord] = []
    handler = _Collect(errors)
    logging.getLogger("bot.telegram.core.errors").addHandler(handler)
    logging.getLogger("aiogram.dispatcher").addHandler(handler)
    try:
        for user_id, kind, text in actions:
            standin.create_user(user_id, first_name="U")
            if kind == "text":
                await standin.send_message(user_id, text or ".")
            elif kind == "button":
                standin.forge_press(user_id, text[:64] or "menu:stats")
            else:
                standin.push_update(
                    CONSOLE_TOKEN,
                    {
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": user_id, "type": "private"},
                            "text": text,
                        }
                    },
                )
        await standin.send_message(434343, "ping")
        await standin.wait_for_message(434343, timeout=10)
    finally:
        logging.getLogger("bot.telegram.core.errors").removeHandler(handler)
        logging.getLogger("aiogram.dispatcher").removeHandler(handler)
    assert not errors, [e.getMessage() for e in errors]
    for stranger in (424242, 434343):
        public_only(standin, stranger)


class _Collect(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


def test_texts_exist_in_both_languages() -> None:
    Texts("ru", None)  # type: ignore[arg-type]  # merging raises on a missing language
    for name in ADMIN_COMMANDS:
        assert Texts("en", None)(f"cmd_{name}")  # type: ignore[arg-type]


_ = Command  # the import documents where command names come from


def _redis_available() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
async def test_flow_state_survives_a_restart_in_redis(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    import uuid

    from aiogram.fsm.storage.base import StorageKey

    settings_ = make_settings(redis_url="redis://127.0.0.1:6379/15")
    admin = 900000 + uuid.uuid4().int % 99999  # a chat of its own in the shared Redis
    standin.create_user(admin, first_name="Admin")
    settings_ = settings_.model_copy(update={"admin_ids": (admin,)})
    async with running(settings_, pool) as app:
        key = StorageKey(bot_id=app.console_bot.id, chat_id=admin, user_id=admin)
        await app.dispatcher.storage.set_state(key, "Broadcast:writing_text")
    async with running(settings_, pool) as app:
        assert await app.dispatcher.storage.get_state(key) == "Broadcast:writing_text"
        await standin.send_message(admin, "/cancel")
        assert (await standin.wait_for_message(admin)).plain_text == "Cancelled. Back to the menu."
        assert await app.dispatcher.storage.get_state(key) is None


async def test_welcome_text_is_configurable_and_shown_as_plain_text(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    settings_ = make_settings(welcome_text="Hi <there> & welcome to the school's bot")
    guest = standin.create_user(454545, first_name="Guest")
    async with running(settings_, pool):
        await standin.send_message(guest.user_id, "/start")
        reply = await standin.wait_for_message(guest.user_id)
    assert reply.plain_text == "Hi <there> & welcome to the school's bot"


# -- menu buttons of commands that need an argument ------------------------------------------

ANNA = 616161


def _latest(standin: Any, message_id: int) -> Any:
    """A console message as it is now (a menu page turns in place)."""
    return next(
        m for m in standin.transcript(ADMIN_ID, token=CONSOLE_TOKEN) if m.message_id == message_id
    )


async def _press(standin: Any, message: Any, label: str) -> None:
    """Press the button labelled ``label`` on the message as it is now."""
    current = _latest(standin, message.message_id)
    data = next(d for row in current.buttons for text, d in row if text == label)
    await standin.press_button(ADMIN_ID, message.message_id, data, token=CONSOLE_TOKEN)


async def _more_menu(standin: Any, texts: Texts) -> Any:
    await standin.send_message(ADMIN_ID, "/start")
    menu = await standin.wait_for_message(ADMIN_ID)
    await _press(standin, menu, texts("menu_more"))
    await standin.wait_for(lambda: _latest(standin, menu.message_id).edits)
    return menu


def _no_usage_line(message: Any) -> None:
    text = message.plain_text or message.plain_caption or ""
    assert not text.startswith(("Usage:", "Использование:")), text


@pytest.mark.parametrize(
    ("language", "ask_user", "ask_forget", "again", "ask_export"),
    [
        (
            "en",
            "Whose card? Send an id, @username or a name",
            "Whose personal data should be erased? Send an id or @username",
            "That is neither an id nor a @username.",
            "Which table? You will get an Excel file with all its rows.",
        ),
        (
            "ru",
            "Кого показать? Пришлите id, @username или имя",
            "Чьи персональные данные удалить? Пришлите id или @username",
            "Это не id и не @username.",
            "Какую таблицу выгрузить? Пришлю файл Excel со всеми строками.",
        ),
    ],
)
async def test_menu_buttons_ask_for_what_their_command_needs(
    standin: Any,
    make_settings: Any,
    pool: asyncpg.Pool,
    language: str,
    ask_user: str,
    ask_forget: str,
    again: str,
    ask_export: str,
) -> None:
    texts = Texts(language, None)  # type: ignore[arg-type]
    standin.create_user(ANNA, first_name="Anna", username="anna_k")
    async with running(make_settings(language=language), pool):
        await standin.send_message(ANNA, "/start")  # the bot now knows her
        await standin.wait_for_message(ANNA)

        # User card: asks whom, takes the next message as the search
        menu = await _more_menu(standin, texts)
        await _press(standin, menu, texts("cmd_user"))
        asked = await standin.wait_for_message(ADMIN_ID)
        assert ask_user in asked.plain_text and "/cancel" in asked.plain_text
        await standin.send_message(ADMIN_ID, "@anna_k")
        card = await standin.wait_for_message(ADMIN_ID)
        _no_usage_line(card)
        assert "Anna" in card.plain_text and str(ANNA) in card.plain_text

        # /cancel leaves the question: the next text is no search
        await _press(standin, menu, texts("cmd_user"))
        assert ask_user in (await standin.wait_for_message(ADMIN_ID)).plain_text
        await standin.send_message(ADMIN_ID, "/cancel")
        assert (await standin.wait_for_message(ADMIN_ID)).plain_text == texts("cancelled")
        await standin.send_message(ADMIN_ID, "@anna_k")
        assert (await standin.wait_for_message(ADMIN_ID)).plain_text == texts("admin_unknown")

        # Erase personal data: asks for the id, asks again for nonsense, then the preview
        menu = await _more_menu(standin, texts)
        await _press(standin, menu, texts("cmd_forget"))
        asked = await standin.wait_for_message(ADMIN_ID)
        assert ask_forget in asked.plain_text and "4214380735" in asked.plain_text
        await standin.send_message(ADMIN_ID, "who knows")
        assert again in (await standin.wait_for_message(ADMIN_ID)).plain_text
        await standin.send_message(ADMIN_ID, str(ANNA))
        preview = await standin.wait_for_message(ADMIN_ID)
        _no_usage_line(preview)
        labels = [label for row in preview.buttons for label, _ in row]
        assert texts("forget_confirm_button") in labels
        await _press(standin, preview, texts("forget_confirm_button"))
        await standin.wait_for(lambda: _latest(standin, preview.message_id).edits)
        done = _latest(standin, preview.message_id).plain_text
        assert f"id {ANNA}" in done and done.startswith("✅")

        # Export: a button per table, then the XLSX of that table
        menu = await _more_menu(standin, texts)
        await _press(standin, menu, texts("cmd_export"))
        offer = await standin.wait_for_message(ADMIN_ID)
        assert ask_export in offer.plain_text
        labels = [label for row in offer.buttons for label, _ in row]
        kinds = ("users", "bookings", "registrations", "events")
        assert labels == [texts(f"export_kind_{kind}") for kind in kinds]
        await _press(standin, offer, texts("export_kind_bookings"))
        document = await standin.wait_for_message(ADMIN_ID, timeout=15)
        _no_usage_line(document)
        assert document.kind == "document"
        assert document.media.file_name.startswith("bookings")
        assert document.media.file_name.endswith(".xlsx")


async def test_no_menu_button_answers_with_a_usage_line(standin: Any, bot_app: Any) -> None:
    """Every button of both menu pages does what it says, in the admin's chat."""
    texts = Texts("en", None)  # type: ignore[arg-type]
    await standin.send_message(ADMIN_ID, "/start")
    menu = await standin.wait_for_message(ADMIN_ID)
    pages = [[label for row in menu.buttons for label, _ in row if label != texts("menu_more")]]
    await _press(standin, menu, texts("menu_more"))
    await standin.wait_for(lambda: _latest(standin, menu.message_id).edits)
    more = _latest(standin, menu.message_id)
    pages.append(
        [label for row in more.buttons for label, _ in row if label != texts("menu_back")]
    )
    for page, labels in enumerate(pages):
        for label in labels:
            await standin.send_message(ADMIN_ID, "/start")
            fresh = await standin.wait_for_message(ADMIN_ID)
            if page:
                await _press(standin, fresh, texts("menu_more"))
                await standin.wait_for(lambda m=fresh: _latest(standin, m.message_id).edits)
            await _press(standin, fresh, label)
            reply = await standin.wait_for_message(ADMIN_ID, timeout=15)
            _no_usage_line(reply)
            await standin.send_message(ADMIN_ID, "/cancel")
            await standin.wait_for_message(
                ADMIN_ID,
                predicate=lambda m: (
                    m.plain_text in (texts("cancelled"), texts("nothing_to_cancel"))
                ),
            )


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("/help export", "help"),
        ("/stats today", "stats"),
        ("/history 2", "history"),
        ("/scheduled all", "scheduled"),
        ("/schema users", "schema"),
    ],
)
async def test_a_command_without_arguments_says_so_when_given_some(
    standin: Any, bot_app: Any, typed: str, command: str
) -> None:
    """Not silently read as the bare command: the admin learns the words were not used."""
    await standin.send_message(ADMIN_ID, typed)
    reply = await standin.wait_for_message(ADMIN_ID)
    assert reply.plain_text == f"Usage: /{command} takes no arguments: just /{command}"


async def test_a_command_without_arguments_says_so_in_russian(
    standin: Any, make_settings: Any, pool: asyncpg.Pool
) -> None:
    async with running(make_settings(language="ru"), pool):
        await standin.send_message(ADMIN_ID, "/history все")
        reply = await standin.wait_for_message(ADMIN_ID)
        assert reply.plain_text == "Использование: /history — без аргументов: просто /history"
