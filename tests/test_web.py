"""The Mini App's door and its figures: only an admin's fresh, signed initData gets in, and
what gets out equals what the chat's services answer.

The app is built from the same Services the chat uses, on a real seeded database, and served
by aiohttp's test server; requests carry initData signed like Telegram signs it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.analytics.models import Change, Stats, Stream
from bot.broadcast.models import Audience, Content, Draft
from bot.csvcells import FORMULA_START, csv_value
from bot.seed import SeedOptions, seed_school
from bot.services import Services, build_services
from bot.telegram.analytics.keyboards import students_keyboard
from bot.telegram.analytics.views import (
    last_broadcast_outcome,
    reachability_lines,
    stats_text,
    status_name,
    students_text,
    user_card_lines,
)
from bot.telegram.texts import Texts
from bot.web import build_webapp
from bot.web.app import STATIC_DIR, standalone
from bot.web.data import moved, plain, reach
from bot.web.initdata import sign_init_data
from tests.support import ADMIN_ID, CONSOLE_TOKEN, SECOND_ADMIN_ID, add_broadcast

PREFIX = "/app"
STRANGER_ID = 700099
OTHER_TOKEN = "2000002:another-bot"
SEED = SeedOptions(users=300, events=4000, days=60, seed=11)
NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def init_data(
    user_id: int = ADMIN_ID,
    *,
    token: str = CONSOLE_TOKEN,
    age_s: int = 0,
    language: str = "en",
) -> str:
    user = {"id": user_id, "first_name": "Admin", "language_code": language}
    return sign_init_data(token, user, auth_date=int(time.time()) - age_s)


def auth(raw: str) -> dict[str, str]:
    return {"Authorization": f"tma {raw}"}


ADMIN = "admin"  # a marker: sign fresh initData for the admin at request time


@dataclass
class Web:
    """The Mini App under test, the services behind it and the database."""

    client: TestClient
    services: Services
    pool: asyncpg.Pool
    root: web.Application

    async def get(self, path: str, raw: str | None = ADMIN, **kwargs: Any) -> Any:
        headers = auth(init_data() if raw == ADMIN else raw) if raw else {}
        return await self.client.get(PREFIX + path, headers=headers, **kwargs)

    async def post(self, path: str, raw: str | None = ADMIN, **kwargs: Any) -> Any:
        headers = auth(init_data() if raw == ADMIN else raw) if raw else {}
        return await self.client.post(PREFIX + path, headers=headers, **kwargs)

    async def json(self, path: str, **kwargs: Any) -> Any:
        response = await self.get(path, **kwargs)
        assert response.status == 200, await response.text()
        return await response.json()


async def seed(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await seed_school(connection, SEED, now=NOW)


@pytest.fixture(name="services")
async def services_fixture(make_settings: Any, pool: asyncpg.Pool) -> AsyncIterator[Services]:
    """The chat's services on this test's database (not delivering: no leader here)."""
    from bot.app import make_bot

    settings = make_settings()
    bot = make_bot(settings.console_token, settings)
    yield build_services(settings, pool, bot, bot)
    await bot.session.close()


@pytest.fixture(name="webapp")
async def webapp_fixture(
    services: Services, pool: asyncpg.Pool, make_settings: Any
) -> AsyncIterator[Web]:
    """The Mini App on a seeded school, served by a test server."""
    await seed(pool)
    settings = make_settings()
    sub = build_webapp(services, CONSOLE_TOKEN, settings.admin_ids, "en", settings.tz)
    root = standalone(sub, PREFIX, services)
    client = TestClient(TestServer(root))
    await client.start_server()
    try:
        yield Web(client, services, pool, root)
    finally:
        await client.close()


def api_routes(root: web.Application) -> list[tuple[str, str]]:
    """(method, path with sample ids) of every route of the Mini App, read from its router."""
    (sub,) = [r._app for r in root.router.resources() if hasattr(r, "_app")]  # type: ignore[attr-defined]
    found = []
    for route in sub.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("formatter") or info.get("path")
        if "prefix" in info:  # the static folder: one of its files
            path = info["prefix"] + "/app.js"
        if route.method == "HEAD" or path is None:
            continue
        path = path.removeprefix(PREFIX)  # mounted: the sub-app's routes carry the prefix
        sample = re.sub(r"\{(bid|user_id|booking_id)\}", "1", path)
        sample = sample.replace("{key}", "abc").replace("{action}", "pause")
        found.append((route.method, sample))
    return found


OPEN = {("GET", "/"), ("GET", "/static/app.js")}
# Digits of figures the seeded school has: a refusal must contain none (a body is a short
# reason, never data).
DIGITS = re.compile(r"\d")


async def test_valid_admin_init_data_gets_200(webapp: Web) -> None:
    response = await webapp.get("/api/overview")
    assert response.status == 200
    assert (await response.json())["stats"]["users"]["total"] > 0


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("wrong hash", 401),
        ("another bot's token", 401),
        ("stale auth_date", 401),
        ("replayed after an hour", 401),
        ("missing", 401),
        ("not initData at all", 401),
        ("non-admin user", 403),
    ],
)
async def test_bad_init_data_is_refused_with_no_figure(
    webapp: Web, case: str, status: int
) -> None:
    raw = {
        "wrong hash": re.sub(r"hash=[0-9a-f]{8}", "hash=00000000", init_data()),
        "another bot's token": init_data(token=OTHER_TOKEN),
        "stale auth_date": init_data(age_s=3601),
        "replayed after an hour": init_data(age_s=2 * 3600),
        "missing": None,
        "not initData at all": "hello",
        "non-admin user": init_data(STRANGER_ID),
    }[case]
    response = await webapp.get("/api/overview", raw=raw)
    body = await response.text()
    assert response.status == status, body
    assert not DIGITS.search(body), body
    assert set(json.loads(body)) == {"error"}


async def test_a_second_admin_gets_in_and_a_stranger_is_noted(webapp: Web) -> None:
    response = await webapp.get("/api/me", raw=init_data(SECOND_ADMIN_ID))
    assert response.status == 200
    assert (await response.json())["user_id"] == SECOND_ADMIN_ID
    await webapp.get("/api/me", raw=init_data(STRANGER_ID))
    denied = await webapp.pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE admin_id = $1 AND action = 'denied_web'",
        STRANGER_ID,
    )
    assert denied == 1


async def test_every_route_refuses_without_and_with_bad_init_data(webapp: Web) -> None:
    routes = api_routes(webapp.root)
    assert len(routes) >= 17, routes
    assert set(routes) >= OPEN
    bad = [None, init_data(token=OTHER_TOKEN), init_data(age_s=7200), init_data(STRANGER_ID)]
    for method, path in routes:
        for raw in bad:
            send = webapp.get if method == "GET" else webapp.post
            response = await send(path, raw=raw)
            body = await response.text()
            if (method, path) in OPEN:  # the same file for anyone: no data in it
                assert response.status == 200, (path, response.status)
                file = "index.html" if path == "/" else path.rsplit("/", 1)[1]
                assert body == (STATIC_DIR / file).read_text(encoding="utf-8")
                continue
            assert response.status in (401, 403), (method, path, raw, response.status)
            assert not DIGITS.search(body), (path, body)
        # and the path is a real route: an admin reaches its handler (not the router's 404)
        send = webapp.get if method == "GET" else webapp.post
        reached = await send(path)
        assert "404: Not Found" not in await reached.text(), path


async def test_page_shell_and_assets_are_open_but_hold_no_data(webapp: Web) -> None:
    page = await webapp.client.get(PREFIX + "/")
    assert page.status == 200
    html = await page.text()
    assert "tg.js" in html and "app.js" in html
    assets = sorted(p.name for p in STATIC_DIR.iterdir() if p.suffix in (".js", ".css"))
    assert {"tg.js", "core.js", "app.js", "app.css"} <= set(assets)
    for asset in assets:
        assert f"static/{asset}" in html, f"{asset} is not loaded by the page"
    for asset in assets:
        response = await webapp.client.get(f"{PREFIX}/static/{asset}")
        assert response.status == 200, asset
        assert "https://" not in await response.text(), f"{asset} must not load from a CDN"
    health = await webapp.client.get("/healthz")
    assert health.status == 200


async def test_init_data_in_the_query_string_or_a_cookie_is_not_enough(webapp: Web) -> None:
    raw = init_data()
    response = await webapp.client.get(
        PREFIX + "/api/overview", params={"tgWebAppData": raw}, cookies={"initData": raw}
    )
    assert response.status == 401


# figures: the page's numbers are the chat's -------------------------------------------------


async def test_overview_figures_equal_the_stats_the_chat_shows(webapp: Web) -> None:
    shown = await webapp.json("/api/overview")
    school = webapp.services.school
    assert shown["stats"] == plain(await school.stats())
    growth = await school.growth(30)
    assert shown["spark"]["new_users"] == [d.new_users for d in growth.days]
    assert len(shown["spark"]["bookings"]) == 30


@pytest.mark.parametrize("days", ["7", "30", "90", "365", "all"])
async def test_growth_for_each_period_equals_the_service(webapp: Web, days: str) -> None:
    shown = await webapp.json("/api/growth", params={"days": days})
    answer = await webapp.services.school.growth(None if days == "all" else int(days))
    assert shown["days"] == plain(answer.days)
    assert shown["new_users"] == answer.new_users and shown["total"] == answer.total


@pytest.mark.parametrize("days", ["7", "30", "90"])
async def test_daily_for_each_period_equals_the_service(webapp: Web, days: str) -> None:
    shown = await webapp.json("/api/daily", params={"days": days})
    assert shown["rows"] == plain((await webapp.services.school.daily(int(days))).rows)


async def test_a_period_not_offered_is_a_bad_request(webapp: Web) -> None:
    assert (await webapp.get("/api/growth", params={"days": "12"})).status == 400


async def test_school_pages_equal_the_service_answers(webapp: Web) -> None:
    school = webapp.services.school
    streams = await webapp.json("/api/streams")
    answer = await school.streams()
    assert [s["total"] for s in streams["streams"]] == [s.total for s in answer]
    first = answer[0]
    people = await webapp.json(f"/api/streams/{first.key}")
    page = await school.students(first.key, 0)
    assert page is not None
    assert people["total"] == page.total
    assert [p["user_id"] for p in people["students"]] == [p.user_id for p in page.students]
    assert (await webapp.get("/api/streams/nosuchstream")).status == 404
    funnel = await webapp.json("/api/funnel", params={"days": "30"})
    assert funnel["steps"] == plain((await school.funnel(30)).steps)
    retention = await webapp.json("/api/retention")
    assert retention["cohorts"] == plain((await school.retention()).cohorts)
    leads = await webapp.json("/api/leads")
    assert leads["tiers"] == plain((await school.leads()).tiers)


def chat_texts(make_settings: Any) -> Texts:
    """The chat's words in the page's language (this app's LANGUAGE is en)."""
    return Texts("en", make_settings().tz)


async def current_stream(webapp: Web) -> Stream:
    """A current stream whose two lists both have people in the seeded school."""
    for stream in await webapp.services.school.streams():
        page = await webapp.services.school.students(stream.key, 0)
        if stream.current and page is not None and page.bookers_total and page.viewers_total:
            return stream
    raise AssertionError("the seeded school has no current stream with programme viewers")


async def test_a_current_streams_two_lists_equal_the_chats(
    webapp: Web, make_settings: Any
) -> None:
    school, texts = webapp.services.school, chat_texts(make_settings)
    stream = await current_stream(webapp)
    for query, viewers in (({}, False), ({"list": "bookers"}, False), ({"list": "viewers"}, True)):
        shown = await webapp.json(f"/api/streams/{stream.key}", params=query)
        page = await school.students(stream.key, 0, viewers=viewers)
        assert page is not None and page.viewers is viewers
        assert shown["viewers"] is viewers
        assert shown["list"] == ("viewers" if viewers else "bookers")
        assert shown["total"] == page.total
        assert shown["bookers_total"] == page.bookers_total
        assert shown["viewers_total"] == page.viewers_total
        assert [p["user_id"] for p in shown["students"]] == [p.user_id for p in page.students]
        # the chat's words: its heading, and its switch buttons with both lists' sizes
        assert shown["heading"] == students_text(texts, page).splitlines()[1]
        buttons = [b.text for row in students_keyboard(texts, page).inline_keyboard for b in row]
        switches = [text for text in buttons if text[0] in "👀🎓"]
        assert [one["name"] for one in shown["lists"]] == [
            f"🎓 Those who booked it ({page.bookers_total})",
            f"👀 Viewed the programme, no booking ({page.viewers_total})",
        ]
        assert [one["name"] for one in shown["lists"] if one["list"] != shown["list"]] == switches
        if viewers:
            assert {p["status"] for p in shown["students"]} == {None}
            assert [p["viewed_at"] for p in shown["students"]] == [
                plain(p.viewed_at) for p in page.students
            ]
            assert all(p["viewed_at"] for p in shown["students"])
        else:
            assert None not in {p["status"] for p in shown["students"]}
            assert set(shown["status_names"]) == {str(p.status) for p in page.students}
    last = -(-page.viewers_total // 10) - 1
    paged = await webapp.json(
        f"/api/streams/{stream.key}", params={"list": "viewers", "page": str(last)}
    )
    answer = await school.students(stream.key, last, viewers=True)
    assert answer is not None and paged["page"] == answer.page == last
    assert [p["user_id"] for p in paged["students"]] == [p.user_id for p in answer.students]


async def test_a_past_stream_has_one_list_and_no_switch(webapp: Web) -> None:
    school = webapp.services.school
    past = next(s for s in await school.streams() if not s.current)
    shown = await webapp.json(f"/api/streams/{past.key}", params={"list": "viewers"})
    page = await school.students(past.key, 0, viewers=True)
    assert page is not None and not page.viewers  # the chat's service: bookers only
    assert shown["list"] == "bookers" and shown["lists"] == []
    assert [p["user_id"] for p in shown["students"]] == [p.user_id for p in page.students]


@pytest.mark.parametrize("value", ["viewer", "all", "1", "VIEWERS", "bookers,viewers"])
async def test_a_list_not_offered_is_a_bad_request_with_no_data(webapp: Web, value: str) -> None:
    stream = await current_stream(webapp)
    response = await webapp.get(f"/api/streams/{stream.key}", params={"list": value})
    body = await response.text()
    assert response.status == 400, body
    assert not DIGITS.search(body), body


async def test_the_overview_says_what_stats_says(webapp: Web, make_settings: Any) -> None:
    """Each figure once, a change only where something moved, and the course bot's reach
    only once a broadcast has run, in the chat's words."""
    texts = chat_texts(make_settings)
    shown = await webapp.json("/api/overview")
    stats = await webapp.services.school.stats()
    assert stats.last_broadcast is None and shown["reach"] is None
    assert "Course bot" not in stats_text(texts, stats)
    # each of /stats's lines: the label, the total, and what moved only where something did
    chat = {line.split(": <b>")[0]: line for line in stats_text(texts, stats).splitlines()}
    figures = [
        ("Users", stats.users.total, shown["moved"]["users"]),
        ("Free-lesson sign-ups", stats.registrations.total, shown["moved"]["registrations"]),
        *(
            (f"  • {shown['status_names'][str(s)]}", c.total, shown["moved"]["statuses"][str(s)])
            for s, c in stats.statuses
        ),
    ]
    for name, total, change in figures:
        assert chat[name] == f"{name}: <b>{total}</b>" + (f" ({change})" if change else "")
    shown_words = json.dumps(shown, ensure_ascii=False)
    assert "Active bookings" not in shown_words and "Blocked the bot" not in shown_words
    page_words = (await webapp.json("/api/me"))["texts"]
    assert "Blocked the bot" not in page_words.values()
    assert not {"active_bookings", "confirmed", "blocked"} & set(page_words)

    await make_broadcast(webapp.services)
    reasons = ("blocked", "blocked", "never started", "deactivated")
    who = await webapp.pool.fetch("SELECT user_id FROM users ORDER BY user_id LIMIT 4")
    for row, reason in zip(who, reasons, strict=True):
        await webapp.pool.execute(
            "INSERT INTO blocked_users (user_id, reason, blocked_at) VALUES ($1, $2, now())",
            row["user_id"],
            reason,
        )
    shown = await webapp.json("/api/overview")
    stats = await webapp.services.school.stats()
    line = next(x for x in stats_text(texts, stats).splitlines() if x.startswith("Course bot"))
    reach = shown["reach"]
    parts = [
        p["text"].replace("{n}", str(p["n"])) + (f" ({p['moved']})" if p["moved"] else "")
        for p in reach["parts"]
    ]
    assert re.sub(r"<[^>]+>", "", line) == reach["title"] + " " + " · ".join(parts)
    assert [p["n"] for p in reach["parts"]] == [2, 1, 1]
    # when a broadcast found them is not when they blocked the bot: no change is claimed
    assert reach["parts"][0]["moved"] == ""


def test_a_change_is_said_only_where_something_moved() -> None:
    """The page's "what moved" is /stats's, for every shape of change (not only the seeded
    school's): both, the week only, the today only, nothing."""
    texts = Texts("en", ZoneInfo("UTC"))
    changes = [Change(7, 1, 3), Change(7, 0, 3), Change(7, -1, 0), Change(7, 0, 0)]
    stats = Stats(
        users=changes[0],
        active_bookings=Change(0, 0, 0),
        confirmed=Change(0, 0, 0),
        statuses=tuple(enumerate(changes[1:])),
        registrations=Change(7, 0, 0),
        blocked=Change(2, 1, 1),
        last_broadcast=None,
    )
    shown = [moved(texts, c) for c in changes]
    assert shown == ["today +1, 7 days +3", "7 days +3", "today -1", ""]
    lines = stats_text(texts, stats).splitlines()
    assert lines[2] == "Users: <b>7</b> (today +1, 7 days +3)"
    assert lines[3] == "Free-lesson sign-ups: <b>7</b>"
    assert lines[5:8] == [
        f"  • {status_name(texts, s)}: <b>7</b>" + (f" ({m})" if m else "")
        for s, m in enumerate(shown[1:])
    ]
    # blocked people found without a broadcast on record: the line is there, as in /stats
    line = next(x for x in lines if x.startswith("Course bot"))
    found = reach(texts, stats)
    assert found is not None and [p["n"] for p in found["parts"]] == [2]
    assert re.sub(r"<[^>]+>", "", line) == f"{found['title']} 2 blocked it"
    assert found["parts"][0]["moved"] == ""
    assert reach(texts, replace(stats, blocked=Change(0, 0, 0))) is None


async def test_people_search_and_a_persons_card(webapp: Web) -> None:
    someone = await webapp.pool.fetchrow(
        "SELECT user_id, username FROM users WHERE username IS NOT NULL ORDER BY user_id LIMIT 1"
    )
    found = await webapp.json("/api/people", params={"q": "@" + someone["username"]})
    assert someone["user_id"] in [p["user_id"] for p in found["people"]]
    card = await webapp.json(f"/api/people/{someone['user_id']}")
    answer = await webapp.services.school.user_card(someone["user_id"])
    assert answer is not None
    assert card["events_total"] == answer.events_total
    assert len(card["bookings"]) == len(answer.bookings)
    assert (await webapp.get("/api/people/1")).status == 404


async def some_people(pool: asyncpg.Pool, n: int) -> list[int]:
    rows = await pool.fetch("SELECT user_id FROM users ORDER BY user_id LIMIT $1", n)
    return [row["user_id"] for row in rows]


async def test_the_last_broadcast_is_told_as_stats_tells_it(
    webapp: Web, make_settings: Any
) -> None:
    """Its state and what reached people, in /stats's words: a cancelled one, one deleted for
    everyone after a cancel, and a scheduled one that is not the last (it has not started)."""
    texts = chat_texts(make_settings)
    a, b, c = await some_people(webapp.pool, 3)

    async def told() -> str:
        shown = await webapp.json("/api/overview")
        stats = await webapp.services.school.stats()
        assert stats.last_broadcast is not None
        line = next(
            x for x in stats_text(texts, stats).splitlines() if x.startswith("Last broadcast:")
        )
        outcome = shown["last_broadcast"]["outcome"]
        assert outcome == last_broadcast_outcome(texts, stats.last_broadcast)
        assert line.endswith(f"“{shown['last_broadcast']['text']}” — {outcome}"), line
        assert shown["stats"] == plain(stats)
        return str(outcome)

    await add_broadcast(
        webapp.pool,
        "Stopped <b>early</b>",
        "cancelled",
        [(a, "sent", None), (b, "failed", "cancelled"), (c, "failed", "cancelled")],
    )
    assert await told() == "cancelled: delivered 1 of 3, 2 not sent"
    await add_broadcast(
        webapp.pool,
        "Taken back",
        "deleted",
        [(a, "deleted", None), (b, "deleted", None), (c, "failed", "cancelled")],
    )
    assert await told() == (
        "cancelled, then deleted for everyone (it had reached 2 of 3, 1 not sent)"
    )
    await add_broadcast(webapp.pool, "Not yet", "scheduled", [(a, "pending", None)])
    assert await told() == (
        "cancelled, then deleted for everyone (it had reached 2 of 3, 1 not sent)"
    )
    await add_broadcast(webapp.pool, "All gone", "deleted", [(a, "deleted", None)])
    assert await told() == "deleted for everyone (it had reached 1 of 1)"


async def test_a_persons_card_words_lessons_broadcasts_and_reach_as_the_chat(
    webapp: Web, make_settings: Any
) -> None:
    """Lessons by name, a cancelled copy told from a failure (with its reason) and from one
    deleted for everyone, and who cannot reach them, in the chat card's words."""
    texts = chat_texts(make_settings)
    row = await webapp.pool.fetchrow(
        "SELECT user_id, lesson_type FROM free_lesson_registrations"
        " WHERE lesson_type IS NOT NULL AND user_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    who = row["user_id"]
    await add_broadcast(webapp.pool, "Cancelled one", "cancelled", [(who, "failed", "cancelled")])
    await add_broadcast(webapp.pool, "Taken back", "deleted", [(who, "deleted", None)])
    await add_broadcast(webapp.pool, "Bounced", "done", [(who, "failed", "blocked")])
    await webapp.pool.execute(
        "INSERT INTO blocked_users (user_id, reason, blocked_at) VALUES ($1, 'blocked', now())",
        who,
    )
    shown = await webapp.json(f"/api/people/{who}")
    card = await webapp.services.school.user_card(who)
    assert card is not None
    chat = [re.sub(r"<[^>]+>", "", line) for line in user_card_lines(texts, card)]

    # lessons: the chat's name for the code, never the code
    start = chat.index("Free lessons:") + 1
    lessons = chat[start : chat.index("", start)]
    assert [r["lesson_type"] for r in shown["registrations"]] == [
        r.lesson_type for r in card.registrations
    ]
    assert lessons and len(lessons) == len(shown["registrations"])
    for registration, line in zip(shown["registrations"], lessons, strict=True):
        assert line.startswith(f"• {registration['lesson_name']} on "), line
    first = next(r for r in shown["registrations"] if r["lesson_type"] == row["lesson_type"])
    assert first["lesson_name"] == texts.code_name("lesson", row["lesson_type"])
    assert first["lesson_name"] != row["lesson_type"]

    # broadcasts: each row's outcome is the end of the chat's line for it
    received = chat[chat.index("Broadcasts:") + 1 :]
    assert len(received) == len(shown["broadcasts"]) == len(card.broadcasts)
    for one, line in zip(shown["broadcasts"], received, strict=True):
        assert line.endswith(f" — {one['outcome']}"), (line, one)
    outcomes = {one["text"]: one["outcome"] for one in shown["broadcasts"]}
    assert outcomes["Cancelled one"] == "cancelled, not sent"
    assert outcomes["Taken back"] == "delivered, then deleted for everyone"
    assert outcomes["Bounced"] == "failed: blocked the bot"

    # who cannot reach them and why: the chat's lines, in words (not the code)
    lines = [re.sub(r"<[^>]+>", "", x) for x in reachability_lines(texts, card)]
    assert shown["reach_lines"] == lines == chat[2 : 2 + len(lines)]
    assert lines and lines[0].startswith("⛔ Blocked the ")
    assert shown["reach_bad"] is True


async def test_more_matches_than_shown_say_so_as_the_chat_does(
    webapp: Web, make_settings: Any
) -> None:
    texts = chat_texts(make_settings)
    await webapp.pool.executemany(
        "INSERT INTO users (user_id, first_name, last_seen_at) VALUES ($1, $2, now())",
        [(880000 + n, f"Webcrowd{n}") for n in range(12)],
    )
    shown = await webapp.json("/api/people", params={"q": "Webcrowd"})
    matches = await webapp.services.school.search_users("Webcrowd")
    assert matches.more and len(matches.users) == 10
    assert [p["user_id"] for p in shown["people"]] == [u.user_id for u in matches.users]
    assert (
        shown["more"]
        == texts("user_matches_more", n=10)
        == (
            "More than 10 users match — here are the first 10, most recently active."
            " Refine the query if the one you want isn't here:"
        )
    )
    await webapp.pool.execute("DELETE FROM users WHERE user_id >= 880002 AND user_id < 880012")
    few = await webapp.json("/api/people", params={"q": "Webcrowd"})
    assert len(few["people"]) == 2 and few["more"] == ""


# broadcasts -------------------------------------------------------------------------------


async def make_broadcast(services: Services, *, admin_id: int = ADMIN_ID) -> int:
    """A broadcast to the 4th stream, recorded and frozen (nothing delivers in these tests)."""
    draft = Draft(
        key=f"web-{time.monotonic_ns()}",
        author_id=admin_id,
        audience=Audience(kind="everyone"),
        content=Content(kind="text", text="Hello <b>students</b>"),
    )
    created = await services.broadcasts.create(draft)
    assert created.created and created.recipients > 0
    return created.broadcast_id


async def test_history_and_recipients_equal_the_chat_export(webapp: Web) -> None:
    bid = await make_broadcast(webapp.services)
    history = await webapp.json("/api/broadcasts")
    assert history["items"][0]["id"] == bid
    assert history["items"][0]["actions"] == ["pause", "cancel"]
    exported = list(
        csv.DictReader(
            io.StringIO((await webapp.services.broadcasts.export_csv(bid)).decode("utf-8-sig"))
        )
    )
    shown = await webapp.json(f"/api/broadcasts/{bid}/recipients")
    assert shown["total"] == len(exported)
    assert [r["user_id"] for r in shown["recipients"]] == [
        r["user_id"] for r in exported[: len(shown["recipients"])]
    ]
    pending = await webapp.json(f"/api/broadcasts/{bid}/recipients", params={"status": "sent"})
    assert pending["total"] == 0
    one = exported[0]
    searched = await webapp.json(f"/api/broadcasts/{bid}/recipients", params={"q": one["user_id"]})
    assert one["user_id"] in [r["user_id"] for r in searched["recipients"]]
    download = await webapp.get(f"/api/broadcasts/{bid}/csv")
    assert download.status == 200
    assert await download.read() == await webapp.services.broadcasts.export_csv(bid)
    exports = await webapp.pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'web_export' AND admin_id = $1", ADMIN_ID
    )
    assert exports == 1


AWKWARD_NAMES = [
    *(f"{start}name" for start in FORMULA_START),  # a spreadsheet's formula: "'" before it
    "",
    None,
    "comma,name",
    'quote"name',
    "Ёжик 🦔",
    "\\.",
    " spaced ",
    "'already",
]


async def awkward_recipients(services: Services, pool: asyncpg.Pool) -> int:
    """A broadcast whose recipients hold every kind of cell the CSV has to get right."""
    bid = await make_broadcast(services)
    rows = await pool.fetch(
        "SELECT id FROM message_recipients WHERE message_id = $1 ORDER BY id LIMIT $2",
        bid,
        len(AWKWARD_NAMES),
    )
    moment = datetime(2025, 10, 26, 0, 30, 15, 987654, tzinfo=UTC)  # Europe's DST ends
    for n, (row, name) in enumerate(zip(rows, AWKWARD_NAMES, strict=True)):
        await pool.execute(
            "UPDATE message_recipients SET username = $2, delivery_status = $3,"
            " telegram_message_id = $4, failure_reason = $5, attempted_at = $6,"
            " settled_at = $7, delete_error = $8 WHERE id = $1",
            row["id"],
            name,
            ("sent", "failed", "deleted")[n % 3],
            1000 + n if n % 3 != 1 else None,
            ("Forbidden: bot was blocked by the user", "-1 left, then", "")[n % 3],
            moment.replace(hour=n % 24),
            moment.replace(hour=n % 24, minute=59) if n % 2 else None,
            "=cmd|' /C calc'!A0" if n == 3 else None,
        )
    return bid


EXPORT_COLUMNS = (
    "user_id",
    "username",
    "delivery_status",
    "telegram_message_id",
    "failure_reason",
    "attempted_at",
    "settled_at",
    "delete_error",
)


async def written_by_python(pool: asyncpg.Pool, bid: int, tz: ZoneInfo) -> bytes:
    """The recipients' file as Python's csv module writes it with bot.csvcells' rules (the way
    the chat's export was built before the server wrote it): what the server's must equal."""
    rows = await pool.fetch(
        "SELECT user_id, username, delivery_status, telegram_message_id, failure_reason,"
        " attempted_at, settled_at, delete_error"
        " FROM message_recipients WHERE message_id = $1 ORDER BY id",
        bid,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([csv_value(row[column], tz) for column in EXPORT_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


async def test_the_csv_is_pythons_csv_of_the_recipients_byte_for_byte(webapp: Web) -> None:
    bid = await awkward_recipients(webapp.services, webapp.pool)
    expected = await written_by_python(webapp.pool, bid, webapp.services.broadcasts.settings.tz)
    assert await webapp.services.broadcasts.export_csv(bid) == expected
    download = await webapp.get(f"/api/broadcasts/{bid}/csv")
    assert download.status == 200 and await download.read() == expected
    cells = list(csv.reader(io.StringIO(expected.decode("utf-8-sig"))))
    assert [row[1] for row in cells[1 : 1 + len(FORMULA_START)]] == [
        f"'{start}name" for start in FORMULA_START
    ]


async def test_a_line_break_in_a_cell_stays_as_pythons_csv_writes_it(webapp: Web) -> None:
    bid = await awkward_recipients(webapp.services, webapp.pool)
    await webapp.pool.execute(
        "UPDATE message_recipients SET failure_reason = E'two\\nlines, \"quoted\"\\nthree',"
        " username = E'a\\rb', delete_error = E'\\n'"
        " WHERE id = (SELECT min(id) FROM message_recipients WHERE message_id = $1)",
        bid,
    )
    expected = await written_by_python(webapp.pool, bid, webapp.services.broadcasts.settings.tz)
    assert b"two\nlines" in expected
    assert await webapp.services.broadcasts.export_csv(bid) == expected
    download = await webapp.get(f"/api/broadcasts/{bid}/csv")
    assert await download.read() == expected


def test_line_ends_come_out_the_same_whatever_the_pieces() -> None:
    from bot.broadcast.store import CrlfLineEnds

    copied = b'1,"a\nb",x\n2,"say ""hi""\n",\n3,,"\n"\n4,"""",\n'
    whole = b'1,"a\nb",x\r\n2,"say ""hi""\n",\r\n3,,"\n"\r\n4,"""",\r\n'
    for size in (1, 2, 3, 5, 7, len(copied)):
        line_ends = CrlfLineEnds()
        pieces = [copied[n : n + size] for n in range(0, len(copied), size)]
        assert b"".join(line_ends(piece) for piece in pieces) == whole, size


@pytest.mark.parametrize("zone", ["America/St_Johns", "Asia/Kathmandu", "UTC"])
async def test_the_csv_writes_moments_as_pythons_csv_does_in_any_timezone(
    make_settings: Any, pool: asyncpg.Pool, zone: str
) -> None:
    from bot.app import make_bot

    await seed(pool)
    settings = make_settings(timezone=zone)
    bot = make_bot(settings.console_token, settings)
    try:
        services = build_services(settings, pool, bot, bot)
        bid = await awkward_recipients(services, pool)
        expected = await written_by_python(pool, bid, ZoneInfo(zone))
        assert await services.broadcasts.export_csv(bid) == expected
    finally:
        await bot.session.close()


async def test_pausing_through_the_api_pauses_the_broadcast(webapp: Web) -> None:
    bid = await make_broadcast(webapp.services)
    response = await webapp.post(f"/api/broadcasts/{bid}/pause")
    assert response.status == 200, await response.text()
    shown = await response.json()
    assert shown["done"] and shown["broadcast"]["status"] == "paused"
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "paused"
    audit = await webapp.pool.fetchrow(
        "SELECT admin_id, details FROM audit_log WHERE action = 'broadcast_pause'"
    )
    assert audit["admin_id"] == ADMIN_ID and audit["details"]["broadcast_id"] == bid
    # the control card's rules: pausing twice is refused with the current status
    again = await webapp.post(f"/api/broadcasts/{bid}/pause")
    assert again.status == 409
    assert (await again.json())["broadcast"]["actions"] == ["resume", "cancel"]
    resumed = await webapp.post(f"/api/broadcasts/{bid}/resume")
    assert resumed.status == 200
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "sending"
    cancelled = await webapp.post(f"/api/broadcasts/{bid}/cancel")
    assert cancelled.status == 200
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "cancelled"
    assert (await webapp.post(f"/api/broadcasts/{bid}/resume")).status == 409


async def test_a_stranger_cannot_pause(webapp: Web) -> None:
    bid = await make_broadcast(webapp.services)
    response = await webapp.post(f"/api/broadcasts/{bid}/pause", raw=init_data(STRANGER_ID))
    assert response.status == 403
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "sending"


async def test_the_page_speaks_the_viewers_language(webapp: Web) -> None:
    ru = await webapp.json("/api/me", raw=init_data(language="ru"))
    assert ru["texts"]["tab_overview"]  # LANGUAGE=en in this app: English for everyone
    assert ru["language"] == "en"


async def test_without_language_each_admin_reads_their_own(
    services: Services, make_settings: Any
) -> None:
    settings = make_settings(language="")
    sub = build_webapp(services, CONSOLE_TOKEN, settings.admin_ids, None, settings.tz)
    async with TestClient(TestServer(standalone(sub, PREFIX, services))) as client:
        for code, expected in (("ru", "Сводка"), ("uk", "Сводка"), ("en", "Overview")):
            response = await client.get(PREFIX + "/api/me", headers=auth(init_data(language=code)))
            assert (await response.json())["texts"]["tab_overview"] == expected


# wiring: the sandbox's link, the page's address, the webhook server ---------------------


async def test_the_sandbox_link_opens_the_api_for_the_sandbox_admin(
    services: Services, make_settings: Any
) -> None:
    import aiohttp

    from bot.web.sandbox import serve_locally

    runner, link = await serve_locally(make_settings(), services, ADMIN_ID)
    try:
        page, _, fragment = link.partition("#tgWebAppData=")
        assert page.startswith("http://127.0.0.1:") and page.endswith("/app/")
        from urllib.parse import unquote

        async with aiohttp.ClientSession() as http:
            async with http.get(page) as shell:
                assert shell.status == 200
            async with http.get(page + "api/me", headers=auth(unquote(fragment))) as me:
                assert me.status == 200 and (await me.json())["user_id"] == ADMIN_ID
            async with http.get(page + "api/me") as refused:
                assert refused.status == 401
    finally:
        await runner.cleanup()


def test_the_page_lives_at_webapp_urls_path() -> None:
    from bot.web.wiring import page_url

    assert page_url("https://school.example/dashboard") == "https://school.example/dashboard/"
    assert page_url("https://school.example/dash/") == "https://school.example/dash/"
    assert page_url("https://school.example") == "https://school.example/app/"


async def test_mounted_next_to_the_webhook_route(services: Services, make_settings: Any) -> None:
    from bot.web.wiring import mount

    parent = web.Application()

    async def webhook(request: web.Request) -> web.Response:
        return web.Response(text="update taken")

    parent.router.add_post("/webhook", webhook)
    mount(parent, make_settings(), services, "https://school.example/dashboard")
    async with TestClient(TestServer(parent)) as client:
        assert (await client.post("/webhook")).status == 200
        assert (await client.get("/dashboard/")).status == 200
        assert (await client.get("/dashboard/api/overview")).status == 401
        ok = await client.get("/dashboard/api/me", headers=auth(init_data()))
        assert ok.status == 200
