"""The Mini App in a real browser: headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium) opens each page with valid initData against a seeded school; the figure on
the page is the chat's answer; pausing from the page pauses the broadcast; each page leaves a
screenshot (in HSL_WEB_SCREENSHOTS, else a temporary folder, printed at the end).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.telegram.analytics.views import (
    last_broadcast_outcome,
    reachability_lines,
    stats_text,
    students_text,
)
from tests.test_recipient_files import end
from tests.test_web import (  # noqa: F401  (the fixtures, by their functions' names)
    PREFIX,
    Web,
    add_broadcast,
    awkward_recipients,
    chat_texts,
    current_stream,
    init_data,
    make_broadcast,
    services_fixture,
    webapp_fixture,
    written_by_python,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401

    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and DRIVER and HAVE_SELENIUM),
    reason="no Chromium: install the chromium and chromium-driver packages (and selenium) "
    "to run the browser tests",
)
pytestmark = needs_browser
PHONE = (360, 780)
STATUS_NAMES = {
    0: "created, awaiting payment",
    1: "payment proof uploaded",
    2: "confirmed (paid)",
    -1: "cancelled",
}
WAIT_S = 20


@pytest.fixture(scope="module", name="screenshots")
def screenshots_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    configured = os.environ.get("HSL_WEB_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("web-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    print(f"\nMini App screenshots: {folder}")


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={PHONE[0]},{PHONE[1]}")
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    # a phone's viewport (a headless window has a minimum width of its own)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        yield driver
    finally:
        driver.quit()


STALE_READS = 20


class Page:
    """The browser, driven from the test's loop (Selenium blocks: it runs in a thread)."""

    def __init__(self, driver: Any, webapp: Web, screenshots: Path) -> None:
        self.driver = driver
        self.base = str(webapp.client.make_url(PREFIX + "/"))
        self.screenshots = screenshots

    async def run(self, action: Callable[[], Any]) -> Any:
        return await asyncio.to_thread(action)

    async def open(self, query: str, raw: str | None = None) -> None:
        raw = raw if raw is not None else init_data()
        url = f"{self.base}?{query}#tgWebAppData={quote(raw, safe='')}"

        def load() -> None:
            self.driver.get(url)
            self._wait_loaded()

        await self.run(load)
        await self.fits_the_phone()

    async def fits_the_phone(self) -> None:
        """Nothing wider than a 360 px phone: no sideways scrolling of the page."""
        width, inner = await self.run(
            lambda: self.driver.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth];"
            )
        )
        assert inner == PHONE[0] and width <= inner, (width, inner)

    def _wait_loaded(self) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(self.driver, WAIT_S).until(
            lambda d: d.execute_script(
                "var m = document.getElementById('main');"
                "return m.dataset.loaded === 'true' || !!document.getElementById('denied');"
            )
        )

    async def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        def read() -> str:
            # A live page re-renders between finding an element and reading it: read again
            # from a fresh lookup when the element found went stale.
            from selenium.common.exceptions import StaleElementReferenceException

            for _ in range(STALE_READS):
                element = WebDriverWait(self.driver, WAIT_S).until(
                    ec.presence_of_element_located((By.CSS_SELECTOR, css))
                )
                try:
                    return str(element.text)
                except StaleElementReferenceException:
                    continue
            raise AssertionError(f"{css} kept being replaced while read")

        return await self.run(read)

    async def figure(self, name: str) -> int:
        """A figure's value as a number (the page formats it for the reader's locale)."""
        return int(re.sub(r"\D", "", await self.text(f'[data-figure="{name}"]')))

    async def number(self, css: str) -> int:
        """The figure in an element's "(N)", as on the chat's buttons."""
        found = re.findall(r"\(([\d\s,.\u00a0]+)\)", await self.text(css))
        assert len(found) == 1, found
        return int(re.sub(r"\D", "", found[0]))

    async def attribute(self, css: str, name: str) -> str | None:
        return await self.run(
            lambda: self.driver.find_element("css selector", css).get_attribute(name)
        )

    async def count(self, css: str) -> int:
        return len(await self.run(lambda: self.driver.find_elements("css selector", css)))

    async def main_text(self) -> str:
        return str(await self.run(lambda: self.driver.find_element("id", "main").text))

    async def people(self) -> list[str]:
        """The ids of the people listed, top to bottom."""
        return list(
            await self.run(
                lambda: self.driver.execute_script(
                    "return Array.from(document.querySelectorAll('[data-person]'))"
                    ".map(function (e) { return e.dataset.person; });"
                )
            )
        )

    async def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        def press() -> None:
            from selenium.common.exceptions import StaleElementReferenceException

            for _ in range(STALE_READS):  # a live page may re-render the button meanwhile
                button = WebDriverWait(self.driver, WAIT_S).until(
                    ec.element_to_be_clickable((By.CSS_SELECTOR, css))
                )
                try:
                    button.click()
                    return
                except StaleElementReferenceException:
                    continue
            raise AssertionError(f"{css} kept being replaced before it could be pressed")

        await self.run(press)

    async def wait_for(self, css: str) -> None:
        await self.text(css)

    async def shot(self, name: str) -> Path:
        path = self.screenshots / f"{name}.png"
        await self.run(lambda: self.driver.save_screenshot(str(path)))
        assert path.stat().st_size > 1000
        return path


@pytest.fixture
def page(browser: Any, webapp: Web, screenshots: Path) -> Page:
    return Page(browser, webapp, screenshots)


async def test_overview_shows_the_stats_figures(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    """/stats's figures, each once (no 'Active bookings' or 'Confirmed payments' beside the
    statuses), what moved in the chat's words, and no word on who the course bot cannot
    reach before any broadcast found out."""
    await page.open("view=overview")
    school = webapp.services.school
    stats = await school.stats()
    assert stats.last_broadcast is None
    assert await page.figure("users-total") == stats.users.total
    assert await page.figure("registrations") == stats.registrations.total
    for status, change in stats.statuses:
        assert await page.figure(f"status-{status}") == change.total
    daily = await school.daily(30)
    assert await page.figure("bookings-30") == sum(r.bookings for r in daily.rows)
    assert await page.figure("confirmations-30") == sum(r.confirmations for r in daily.rows)
    assert await page.figure("events-30") == sum(r.events for r in daily.rows)
    lines = stats_text(chat_texts(make_settings), stats).splitlines()
    moved = re.findall(r"\((.*)\)$", next(x for x in lines if x.startswith("Users:")))
    card = await page.text('[data-figure="users-total"] + .delta')
    assert card == (moved[0] if moved else "")
    shown = await page.main_text()
    for gone in ("Active bookings", "Confirmed payments", "Blocked the bot", "Course bot"):
        assert gone not in shown, gone
    assert await page.count('[data-figure="reach"]') == 0
    await page.shot("overview")


async def test_overview_says_who_the_course_bot_cannot_reach_once_a_broadcast_ran(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    await make_broadcast(webapp.services)
    who = await webapp.pool.fetch("SELECT user_id FROM users ORDER BY user_id LIMIT 3")
    for row, reason in zip(who, ("blocked", "never started", "deactivated"), strict=True):
        await webapp.pool.execute(
            "INSERT INTO blocked_users (user_id, reason, blocked_at) VALUES ($1, $2, now())",
            row["user_id"],
            reason,
        )
    await page.open("view=overview")
    stats = await webapp.services.school.stats()
    line = next(
        x
        for x in stats_text(chat_texts(make_settings), stats).splitlines()
        if x.startswith("Course bot, as broadcasts found:")
    )
    assert await page.text('[data-figure="reach"]') == re.sub(r"<[^>]+>", "", line)
    assert await page.figure("reach-blocked") == stats.blocked.total == 1
    assert await page.figure("reach-never-started") == stats.never_started == 1
    assert await page.figure("reach-deactivated") == stats.deactivated == 1
    assert "Blocked the bot" not in await page.main_text()
    # the last broadcast: where it stands and what reached people, as /stats words it
    assert stats.last_broadcast is not None
    outcome = last_broadcast_outcome(chat_texts(make_settings), stats.last_broadcast)
    assert await page.text('[data-figure="last-broadcast-outcome"]') == outcome
    await page.shot("overview-reach")


async def test_overview_tells_a_cancelled_last_broadcast_as_stats_does(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    a, b = [r["user_id"] for r in await webapp.pool.fetch("SELECT user_id FROM users LIMIT 2")]
    await add_broadcast(
        webapp.pool, "Stopped", "cancelled", [(a, "sent", None), (b, "failed", "cancelled")]
    )
    await page.open("view=overview")
    stats = await webapp.services.school.stats()
    line = next(
        x
        for x in stats_text(chat_texts(make_settings), stats).splitlines()
        if x.startswith("Last broadcast:")
    )
    shown = await page.text('[data-figure="last-broadcast-outcome"]')
    assert shown == "cancelled: delivered 1 of 2, 1 not sent" and line.endswith(f" — {shown}")


async def test_a_current_stream_switches_between_its_two_lists(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    """Who booked it (status, last active) and, a switch away, who viewed the programme
    without booking it (when): the chat's two lists, its words and its figures."""
    school, texts = webapp.services.school, chat_texts(make_settings)
    stream = await current_stream(webapp)
    await page.open("view=courses")
    await page.click(f'[data-stream="{stream.key}"]')
    await page.run(page._wait_loaded)

    async def shows(viewers: bool) -> None:
        answer = await school.students(stream.key, 0, viewers=viewers)
        assert answer is not None
        heading = students_text(texts, answer).splitlines()[1]
        assert await page.text('[data-figure="students-heading"]') == heading
        assert await page.people() == [str(p.user_id) for p in answer.students]
        assert await page.number('[data-list="bookers"]') == answer.bookers_total
        assert await page.number('[data-list="viewers"]') == answer.viewers_total
        pressed = "viewers" if viewers else "bookers"
        assert await page.attribute(f'[data-list="{pressed}"]', "aria-pressed") == "true"
        rows = (await page.text(".row.clickable")).splitlines()
        if viewers:  # the view's time where a booker's status is
            assert re.fullmatch(r"\d\d/\d\d/\d{4}, \d\d:\d\d", rows[-1]), rows
            assert not set(STATUS_NAMES) & set(rows), rows
        else:
            assert rows[1] == STATUS_NAMES[answer.students[0].status], rows
            assert re.fullmatch(r"\d\d/\d\d/\d{4}, \d\d:\d\d", rows[2]), rows

    await shows(viewers=False)
    await page.shot("stream-bookers")
    await page.click('[data-list="viewers"]')
    await page.run(page._wait_loaded)
    assert "list=viewers" in await page.run(lambda: page.driver.current_url)
    await shows(viewers=True)
    await page.shot("stream-viewers")
    await page.click('[data-list="bookers"]')
    await page.run(page._wait_loaded)
    await shows(viewers=False)


@pytest.mark.parametrize("period", ["7", "90", "all"])
async def test_growth_page_switches_periods(page: Page, webapp: Web, period: str) -> None:
    await page.open("view=growth")
    await page.click(f'[data-period="{period}"]')
    await page.run(page._wait_loaded)
    growth = await webapp.services.school.growth(None if period == "all" else int(period))
    assert await page.figure("growth-new") == growth.new_users
    await page.shot(f"growth-{period}")


async def test_daily_funnel_retention_leads_and_courses_pages(page: Page, webapp: Web) -> None:
    school = webapp.services.school
    await page.open("view=daily&period=7")
    daily = await school.daily(7)
    assert await page.figure("daily-events") == sum(r.events for r in daily.rows)
    await page.shot("daily")
    await page.open("view=funnel&period=30")
    funnel = dict((await school.funnel(30)).steps)
    figure = await page.text('[data-figure="funnel-started"]')
    assert int(re.sub(r"\D", "", figure.split("(")[0])) == funnel["started"]
    await page.shot("funnel")
    await page.open("view=retention")
    retention = await school.retention()
    assert await page.figure("cohort-size") == retention.cohorts[0].size
    await page.shot("retention")
    await page.open("view=leads")
    leads = dict((await school.leads()).tiers)
    assert await page.figure("leads-hot") == leads["hot"]
    await page.shot("leads")
    await page.open("view=courses")
    streams = await school.streams()
    assert await page.figure("stream-total") == streams[0].total
    await page.shot("courses")
    await page.click(f'[data-stream="{streams[0].key}"]')
    await page.run(page._wait_loaded)
    await page.shot("stream")


async def test_people_search_opens_a_persons_card(page: Page, webapp: Web) -> None:
    someone = await webapp.pool.fetchrow(
        "SELECT b.user_id, u.username FROM bookings b JOIN users u USING (user_id) "
        "WHERE u.username IS NOT NULL ORDER BY b.id LIMIT 1"
    )
    await page.open(f"view=people&q=%40{someone['username']}")
    await page.click(f'[data-person="{someone["user_id"]}"]')
    await page.run(page._wait_loaded)
    assert someone["username"] in await page.text('[data-figure="person-name"]')
    await page.shot("person")


async def test_a_persons_page_words_lessons_broadcasts_and_reach_as_the_chat(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    """Lessons by their names, a cancelled copy, one deleted for everyone and a failure with
    its reason, and who cannot reach them: the chat card's words on the page."""
    texts = chat_texts(make_settings)
    who = await webapp.pool.fetchval(
        "SELECT user_id FROM free_lesson_registrations WHERE lesson_type IS NOT NULL"
        " ORDER BY id LIMIT 1"
    )
    cancelled = await add_broadcast(
        webapp.pool, "Stopped", "cancelled", [(who, "failed", "cancelled")]
    )
    deleted = await add_broadcast(webapp.pool, "Taken back", "deleted", [(who, "deleted", None)])
    bounced = await add_broadcast(webapp.pool, "Bounced", "done", [(who, "failed", "blocked")])
    await webapp.pool.execute(
        "INSERT INTO blocked_users (user_id, reason, blocked_at) VALUES ($1, 'blocked', now())",
        who,
    )
    await page.open(f"view=person&id={who}")
    card = await webapp.services.school.user_card(who)
    assert card is not None and card.registrations
    assert await page.text(f'[data-outcome="{cancelled}"]') == "cancelled, not sent"
    assert await page.text(f'[data-outcome="{deleted}"]') == "delivered, then deleted for everyone"
    assert await page.text(f'[data-outcome="{bounced}"]') == "failed: blocked the bot"
    names = await page.run(
        lambda: page.driver.execute_script(
            "return Array.from(document.querySelectorAll('[data-lesson] > span:first-child'))"
            ".map(function (e) { return e.textContent; });"
        )
    )
    assert names == [texts.code_name("lesson", r.lesson_type or None) for r in card.registrations]
    assert not {r.lesson_type for r in card.registrations} & set(names)
    lines = [re.sub(r"<[^>]+>", "", x) for x in reachability_lines(texts, card)]
    assert (await page.text('[data-figure="person-reach"]')).splitlines() == lines
    await page.shot("person-reach")


async def test_a_capped_people_search_says_so_as_the_chat_does(
    page: Page, webapp: Web, make_settings: Any
) -> None:
    await webapp.pool.executemany(
        "INSERT INTO users (user_id, first_name, last_seen_at) VALUES ($1, $2, now())",
        [(880000 + n, f"Webcrowd{n}") for n in range(12)],
    )
    await page.open("view=people&q=Webcrowd")
    assert await page.text('[data-figure="people-more"]') == chat_texts(make_settings)(
        "user_matches_more", n=10
    )
    assert len(await page.people()) == 10


async def test_pausing_from_the_page_pauses_the_broadcast(page: Page, webapp: Web) -> None:
    bid = await make_broadcast(webapp.services)
    await page.open("view=broadcasts")
    await page.shot("broadcasts")
    await page.open(f"view=broadcast&id={bid}")
    report = await webapp.services.broadcasts.report(bid)
    assert report is not None
    assert await page.figure("count-pending") == report.counts.pending
    assert await page.figure("recipients-total") == report.broadcast.total
    await page.click('[data-control="pause"]')
    await page.wait_for('[data-status="paused"]')
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "paused"
    await page.shot("broadcast-paused")


async def test_a_running_broadcasts_recipients_follow_its_counts(page: Page, webapp: Web) -> None:
    """The list under a live broadcast is refreshed with its counts: a row the engine settles
    while the page is open stops saying "pending"."""
    bid = await make_broadcast(webapp.services)
    first = await webapp.pool.fetchval(
        "SELECT user_id FROM message_recipients WHERE message_id = $1 ORDER BY id LIMIT 1", bid
    )
    await page.open(f"view=broadcast&id={bid}")
    await page.wait_for(f'[data-recipient="{first}"][data-status="pending"]')
    # settled as the engine settles a delivered copy
    await webapp.pool.execute(
        "UPDATE message_recipients SET delivery_status = 'sent', telegram_message_id = 1,"
        " attempted_at = now(), settled_at = now() WHERE message_id = $1 AND user_id = $2",
        bid,
        first,
    )
    await page.wait_for(f'[data-recipient="{first}"][data-status="sent"]')
    assert await page.figure("count-sent") == 1


async def test_an_ended_broadcasts_csv_downloads_as_the_recipients_file(
    page: Page, webapp: Web
) -> None:
    """The stored file goes out gzip-encoded; what the browser saves is the file itself."""
    bid = await awkward_recipients(webapp.services, webapp.pool)
    await end(webapp.pool, bid)
    expected = await written_by_python(webapp.pool, bid, webapp.services.broadcasts.settings.tz)
    await webapp.services.broadcasts.recipients_csv(bid)  # kept, as when the send ended
    await page.open(f"view=broadcast&id={bid}")
    await page.shot("broadcast-ended")
    await page.run(
        lambda: page.driver.execute_script(
            "window.__saved = []; var make = URL.createObjectURL;"
            "URL.createObjectURL = function (blob) { window.__saved.push(blob);"
            " return make.call(URL, blob); };"
        )
    )
    await page.click('[data-action="csv"]')
    saved = await page.run(
        lambda: page.driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "(function poll() {"
            " if (!window.__saved.length) { setTimeout(poll, 50); return; }"
            " var reader = new FileReader();"
            " reader.onload = function () { done(reader.result.split(',')[1]); };"
            " reader.readAsDataURL(window.__saved[0]); })();"
        )
    )
    assert base64.b64decode(saved) == expected


async def test_a_page_without_valid_init_data_shows_no_figures(page: Page, webapp: Web) -> None:
    await page.open("view=overview", raw=init_data(age_s=7200))
    await page.wait_for("#denied")
    source = await page.run(lambda: page.driver.find_element("id", "main").text)
    assert not re.search(r"\d", source)


async def test_editing_a_booking_on_the_page_shows_before_and_after(
    page: Page, webapp: Web
) -> None:
    row = await webapp.pool.fetchrow(
        "SELECT id, user_id FROM bookings WHERE confirmed = 1 ORDER BY id LIMIT 1"
    )
    await page.open(f"view=person&id={row['user_id']}")
    box = f'[data-booking="{row["id"]}"]'
    await page.click(f'{box} [data-action="edit"]')

    def choose_confirmed() -> None:
        from selenium.webdriver.support.ui import Select

        element = page.driver.find_element("css selector", f'{box} select[name="confirmed"]')
        Select(element).select_by_value("2")

    await page.run(choose_confirmed)
    await page.click(f'{box} [data-action="review"]')
    diff = await page.text(f'{box} [data-figure="diff"]')
    assert "→" in diff and "confirmed" in diff.split("→")[1]
    await page.shot("booking-before-after")
    await page.click(f'{box} [data-action="confirm"]')
    await page.wait_for(f'{box} [data-result="saved"]')
    assert (
        await webapp.pool.fetchval("SELECT confirmed FROM bookings WHERE id = $1", row["id"]) == 2
    )
    await page.shot("booking-saved")


async def test_cancel_from_the_page_asks_first_then_cancels(page: Page, webapp: Web) -> None:
    bid = await make_broadcast(webapp.services)
    await page.open(f"view=broadcast&id={bid}")
    await page.click('[data-control="cancel"]')
    question = await page.text('[data-question="cancel"]')
    assert str(bid) in question
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "sending"  # only asked so far
    await page.shot("broadcast-cancel-question")
    await page.click('[data-action="cancel-yes"]')
    await page.wait_for('[data-status="cancelled"]')
    broadcast = await webapp.services.broadcasts.get(bid)
    assert broadcast is not None and broadcast.status == "cancelled"
