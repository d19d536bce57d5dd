"""What the school's pages show, read through the same services the chat calls (no query of
its own), and the values the pages' parameters may take.

Each method asks one or two service methods and turns their frozen dataclasses into JSON-ready
dicts, adding the labels the chat would print (from the chat's own views and catalogs), so a
figure on a page is the figure in the chat. The broadcast pages are :mod:`bot.web.broadcasts`;
bookings are edited by the chat's desk, :mod:`bot.school.bookings`, shown by
:mod:`bot.web.bookings`.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from bot.analytics import SchoolAnalytics
from bot.analytics.models import DAILY_SERIES, FUNNEL_STEPS, LastBroadcast, Stats, Stream
from bot.telegram.analytics.views import (
    EXCERPT_CHARS,
    course_name,
    delivery,
    last_broadcast_outcome,
    moved,
    reach_known,
    reach_parts,
    reachability_lines,
    status_name,
    stream_name,
)
from bot.telegram.core.formatting import excerpt
from bot.telegram.core.formatting import plain as plain_text
from bot.telegram.texts import Texts

PERIODS: tuple[int | None, ...] = (7, 30, 90, 365, None)  # the period switches (None: all)
STUDENT_LISTS = ("bookers", "viewers")  # a stream's two lists (the first is the default)
# /stats's reach line, part by part: the page's figure name → the chat's phrase
FIGURES = {  # the page's data-figure names of /stats's reach parts
    "stats_reach_blocked": "blocked",
    "stats_reach_never_started": "never-started",
    "stats_reach_deactivated": "deactivated",
}
SPARK_DAYS = 30
RECIPIENT_STATES = ("sent", "failed", "pending", "deleted")  # a recipients filter's choices


def plain(value: Any) -> Any:
    """Dataclasses, dates and tuples as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):  # sums come back as numeric
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def label(text: str) -> str:
    """A chat label as plain text (the chat's are HTML-escaped for Telegram)."""
    return html.unescape(text)


def parse_list(raw: str | None) -> bool:
    """A stream's list: True for the programme viewers, False (the default) for the bookers."""
    if raw is None or raw == "":
        return False
    if raw not in STUDENT_LISTS:
        raise ValueError(f"list {raw!r} is not one of {STUDENT_LISTS}")
    return raw == "viewers"


def reach(texts: Texts, stats: Stats) -> dict[str, Any] | None:
    """/stats's line on who the course bot cannot reach, as broadcasts found out: nothing
    before any was sent (a zero would claim knowledge the bot does not have). Each part's
    text holds ``{n}`` where the page puts its figure."""
    if not reach_known(stats):
        return None
    # "moved" stays empty: a broadcast finds a block out, it does not date it (as in /stats)
    parts = [
        {"figure": FIGURES[key], "n": n, "text": label(texts(key, n="{n}")), "moved": ""}
        for key, n in reach_parts(stats)
    ]
    return {"title": label(texts("stats_reach")), "parts": parts}


def last_broadcast(texts: Texts, last: LastBroadcast | None) -> dict[str, str] | None:
    """/stats's last broadcast: its text as the chat cuts it, and where it stands and what
    reached people ("cancelled: delivered 22 of 380, 358 not sent"), in the chat's words."""
    if last is None:
        return None
    return {
        "text": label(excerpt(plain_text(last.text), EXCERPT_CHARS)),
        "outcome": label(last_broadcast_outcome(texts, last)),
    }


def parse_days(raw: str | None, default: int | None) -> int | None:
    """A period switch's value: one of PERIODS ("all" for the whole history)."""
    if raw is None or raw == "":
        return default
    if raw == "all":
        return None
    days = int(raw)  # ValueError → 400 in the route
    if days not in PERIODS:
        raise ValueError(f"period {days} is not offered")
    return days


class Dashboard:
    """The Mini App's school pages, on the chat's analytics service."""

    def __init__(self, school: SchoolAnalytics) -> None:
        self.school = school

    # overview -------------------------------------------------------------------------------

    async def overview(self, texts: Texts) -> dict[str, Any]:
        """/stats (each figure once, a change only where something moved, the course bot's
        reach only as broadcasts found it), and the last 30 days of each series for the
        sparklines."""
        stats = await self.school.stats()
        growth = await self.school.growth(SPARK_DAYS)
        daily = await self.school.daily(SPARK_DAYS)
        return {
            "stats": plain(stats),
            "status_names": {str(s): label(status_name(texts, s)) for s, _ in stats.statuses},
            "moved": {
                "users": moved(texts, stats.users),
                "registrations": moved(texts, stats.registrations),
                "statuses": {str(s): moved(texts, c) for s, c in stats.statuses},
            },
            "reach": reach(texts, stats),
            "last_broadcast": last_broadcast(texts, stats.last_broadcast),
            "spark": {
                "days": [d.day.isoformat() for d in growth.days],
                "new_users": plain([d.new_users for d in growth.days]),
                "total": plain([d.total for d in growth.days]),
                **{s: plain([getattr(r, s) for r in daily.rows]) for s in DAILY_SERIES[1:]},
            },
        }

    async def growth(self, days: int | None) -> dict[str, Any]:
        growth = await self.school.growth(days)
        return {
            **plain(growth),
            "new_users": plain(growth.new_users),
            "total": plain(growth.total),
        }

    async def daily(self, days: int) -> dict[str, Any]:
        daily = await self.school.daily(days)
        totals = {s: plain(sum(getattr(r, s) for r in daily.rows)) for s in DAILY_SERIES}
        return {**plain(daily), "series": list(DAILY_SERIES), "totals": totals}

    # school ---------------------------------------------------------------------------------

    def _stream(self, texts: Texts, stream: Stream) -> dict[str, Any]:
        return {
            **plain(stream),
            "key": stream.key,
            "total": stream.total,
            "course_name": label(course_name(texts, stream.course_id)),
            "stream_name": label(stream_name(texts, stream.stream)),
        }

    async def streams(self, texts: Texts) -> dict[str, Any]:
        streams = await self.school.streams()
        statuses = sorted({s for stream in streams for s, _ in stream.counts}, key=_status_order)
        return {
            "streams": [self._stream(texts, s) for s in streams],
            "status_names": {str(s): label(status_name(texts, s)) for s in statuses},
        }

    async def students(
        self, texts: Texts, key: str, page: int, *, viewers: bool = False
    ) -> dict[str, Any] | None:
        """A page of one of a stream's two lists, as the chat shows it: its bookers (with
        their statuses), or (``viewers``, a current stream only) those who viewed the
        programme without booking it; the heading says which, and a current stream's
        ``lists`` switch between the two with their sizes (the chat's buttons)."""
        found = await self.school.students(key, page, viewers=viewers)
        if found is None:
            return None
        fields = {
            "people": texts.count(found.total, "person"),
            "page": found.page + 1,
            "pages": found.pages,
        }
        if found.viewers:
            heading = texts("students_viewers_heading", **fields)
            empty = texts("students_no_viewers")
        else:
            heading = texts("students_bookers_heading", **fields)
            empty = texts("students_empty")
        lists = []
        if found.stream.current:
            bookers = texts("students_show_bookers", n=texts.number(found.bookers_total))
            shown = texts("students_show_viewers", n=texts.number(found.viewers_total))
            lists = [
                {"list": "bookers", "name": label(bookers), "total": found.bookers_total},
                {"list": "viewers", "name": label(shown), "total": found.viewers_total},
            ]
        return {
            **plain(found),
            "stream": self._stream(texts, found.stream),
            "list": "viewers" if found.viewers else "bookers",
            "heading": label(heading),
            "empty": label(empty),
            "lists": lists,
            "status_names": {
                str(p.status): label(status_name(texts, p.status))
                for p in found.students
                if p.status is not None
            },
        }

    async def funnel(self, texts: Texts, days: int) -> dict[str, Any]:
        funnel = await self.school.funnel(days)
        return {
            **plain(funnel),
            "step_names": {s: texts(f"funnel_{s}") for s in FUNNEL_STEPS},
        }

    async def retention(self) -> dict[str, Any]:
        return plain(await self.school.retention())

    async def leads(self) -> dict[str, Any]:
        return plain(await self.school.leads())

    # people ---------------------------------------------------------------------------------

    async def find_people(self, texts: Texts, query: str) -> dict[str, Any]:
        """The first people /user finds; when more match, the chat's note saying so (only the
        first are shown: refine the query), else ``more`` is empty."""
        matches = await self.school.search_users(query)
        more = texts("user_matches_more", n=len(matches.users)) if matches.more else ""
        return {"query": query, "people": plain(matches.users), "more": label(more)}

    async def person(self, texts: Texts, user_id: int) -> dict[str, Any] | None:
        card = await self.school.user_card(user_id)
        if card is None:
            return None
        shown = plain(card)
        # each lesson by its name and each broadcast's outcome (cancelled, failed and why,
        # deleted for everyone) as the chat's card words them
        for row, registration in zip(shown["registrations"], card.registrations, strict=True):
            row["lesson_name"] = label(texts.code_name("lesson", registration.lesson_type or None))
        for row, received in zip(shown["broadcasts"], card.broadcasts, strict=True):
            row["outcome"] = label(delivery(texts, received.outcome, received.failure_reason))
        return {
            **shown,
            # which bots cannot reach them and why, whether broadcasts reach them now
            "reach_lines": [label(line) for line in reachability_lines(texts, card)],
            "reach_bad": bool(card.unreachable) and not card.broadcast_reachable,
            "status_names": {
                str(b.status): label(status_name(texts, b.status)) for b in card.bookings
            },
            "event_names": {
                e.event_type: texts.code_name("event", e.event_type) for e in card.events
            },
        }


def _status_order(status: int) -> tuple[int, int]:
    order = (0, 1, 2, -1)
    return (order.index(status), 0) if status in order else (len(order), status)
