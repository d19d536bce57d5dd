"""Everything can be found: /help with arguments and examples, a menu that reaches every
command, /digest that shows its settings, usage lines with an example."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.app import running
from bot.telegram.console.commands import ADMIN_COMMANDS, EXAMPLES
from bot.telegram.texts import Texts
from tests.support import ADMIN_ID

EN = Texts("en", ZoneInfo("Europe/Moscow"))


async def say(standin: Any, text: str, user_id: int = ADMIN_ID) -> Any:
    await standin.send_message(user_id, text)
    return await standin.wait_for_message(user_id)


async def press(standin: Any, message: Any, label: str) -> str:
    data = next(str(d) for row in message.buttons for t, d in row if t == label)
    return await standin.press_button(ADMIN_ID, message.message_id, data)


def commands_on(message: Any) -> list[str]:
    return [str(d).split(":", 1)[1] for row in message.buttons for _, d in row if d and
            str(d).startswith("menu:")]  # fmt: skip


async def test_help_shows_each_commands_arguments_and_an_example(
    standin: Any, bot_app: Any
) -> None:
    shown = (await say(standin, "/help")).plain_text
    for name in ADMIN_COMMANDS:
        assert f"/{name} — " in shown
    assert "/digest [now|on|off|HH:MM] · e.g. /digest 08:30" in shown
    assert (
        "/export users|bookings|registrations|events [days] [csv] · e.g. /export bookings 30"
        in (shown)
    )
    assert "/user <id | @username | name> · e.g. /user @anna" in shown
    assert "/forget <id | @username> · e.g. /forget 4214380735" in shown
    for example in EXAMPLES.values():
        assert f"e.g. {example}" in shown


async def test_help_in_russian(standin: Any, make_settings: Any, pool: asyncpg.Pool) -> None:
    async with running(make_settings(language="ru"), pool):
        shown = (await say(standin, "/help")).plain_text
    assert "/digest [now|on|off|ЧЧ:ММ] · например /digest 08:30" in shown
    assert "/growth [дней|all] · например /growth 90" in shown


async def test_the_menu_reaches_every_command_over_two_pages(standin: Any, bot_app: Any) -> None:
    menu = await say(standin, "/start")
    first = commands_on(menu)
    await press(standin, menu, EN("menu_more"))
    await standin.wait_for(lambda: commands_on(menu) != first)
    second = commands_on(menu)
    assert set(first) | set(second) == set(ADMIN_COMMANDS) - {"start"}
    assert not set(first) & set(second)
    await press(standin, menu, EN("menu_back"))
    await standin.wait_for(lambda: commands_on(menu) == first)


async def test_every_button_of_the_second_page_runs_its_command(
    standin: Any, bot_app: Any
) -> None:
    menu = await say(standin, "/start")
    await press(standin, menu, EN("menu_more"))
    await standin.wait_for(lambda: "forget" in commands_on(menu))
    # commands that need an argument ask for it (never a usage line)
    expected = {
        "user": "Whose card? Send an id, @username or a name — e.g. @anna. To leave: /cancel",
        "forget": "Whose personal data should be erased? Send an id or @username",
        "export": "Which table? You will get an Excel file with all its rows.",
        "cancel": "Nothing to cancel.",
    }
    for name in commands_on(menu):
        opening = expected.get(name, "")
        await press(standin, menu, EN(f"cmd_{name}"))
        # commands answer at their own pace: wait for this one's answer, whatever came between
        reply = await standin.wait_for_message(
            ADMIN_ID, timeout=20, predicate=lambda m, o=opening: m.shown_text.startswith(o)
        )
        assert reply.shown_text, name
        await say(standin, "/cancel")  # leave the question, if it asked one
    for message in standin.transcript(ADMIN_ID):
        assert not message.shown_text.startswith(
            ("I didn't get that", "Something went wrong", "Usage:")
        )


async def test_digest_without_arguments_shows_the_settings(
    standin: Any, bot_app: Any, make_settings: Any
) -> None:
    # the bot runs with DIGEST_TIME empty: on, but no time
    shown = await say(standin, "/digest")
    assert shown.plain_text.startswith(
        "Daily digest\nOn for you, but it will never be sent: no time is set "
        "(DIGEST_TIME is empty). Set a time of your own: /digest 08:30\n"
    )
    assert "your own time: /digest 08:30" in shown.plain_text
    await say(standin, "/digest 07:45")
    shown = await say(standin, "/digest")
    assert "On for you: every day at 07:45 (Europe/Moscow)." in shown.plain_text
    await press(standin, shown, "🔕 Turn off")
    await standin.wait_for(lambda: "Off for you." in shown.plain_text)
    assert [label for row in shown.buttons for label, _ in row] == ["📨 Send now", "🔔 Turn on"]
    again = await say(standin, "/digest")
    assert "Off for you." in again.plain_text
    await press(standin, again, "🔔 Turn on")
    await standin.wait_for(lambda: "every day at 07:45" in again.plain_text)


async def test_the_menus_digest_button_shows_the_settings(standin: Any, bot_app: Any) -> None:
    menu = await say(standin, "/start")
    await press(standin, menu, EN("cmd_digest"))
    shown = await standin.wait_for_message(ADMIN_ID)
    assert shown.plain_text.startswith("Daily digest\n")


async def test_digest_now_removes_preparing_once_the_digest_is_there(
    standin: Any, bot_app: Any
) -> None:
    preparing = await say(standin, "/digest now")
    assert preparing.plain_text == "Preparing the digest…"
    photo = await standin.wait_for_message(ADMIN_ID, timeout=15)
    assert photo.kind == "photo"
    await standin.wait_for(lambda: preparing.deleted)


async def test_usage_lines_give_an_example(standin: Any, bot_app: Any) -> None:
    assert (await say(standin, "/digest 25:61")).plain_text == (
        "Usage: /digest [now|on|off|HH:MM]\nFor example: /digest 08:30"
    )
    assert (await say(standin, "/forget two words")).plain_text == (
        "Usage: /forget <id | @username>\nFor example: /forget 4214380735"
    )
