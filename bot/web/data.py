"""What the pages show, read through the same services the chat calls (no query of its own).

Each method asks one or two service methods and turns their frozen dataclasses into JSON-ready
dicts, adding the labels the chat would print (from the chat's own views), so a figure on a
page is the figure in the chat. Bookings are the exception: the desk that edits them is
:mod:`bot.school.bookings` (the chat's too), shown by :mod:`bot.web.bookings`.
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
from bot.analytics.models import DAILY_SERIES, FUNNEL_STEPS, Stream
from bot.broadcast import BroadcastService
from bot.broadcast.models import Broadcast, Report
from bot.db.queries import QUERIES
from bot.telegram.analytics.views import course_name, status_name, stream_name
from bot.telegram.broadcast.views import audience_label, excerpt_of, reason_text, status_text
from bot.telegram.texts import Texts

PERIODS: tuple[int | None, ...] = (7, 30, 90, 365, None)  # the period switches (None: all)
SPARK_DAYS = 30
RECIPIENTS_PER_PAGE = 50
RECIPIENTS_COUNT_CAP = 10_000  # a filtered list counts this far ("10 000+"), then pages on
RECIPIENT_STATES = ("sent", "failed", "pending", "deleted")
LIVE = ("sending", "paused")


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
    """The Mini App's reads and its broadcast controls, on the chat's services."""

    def __init__(self, school: SchoolAnalytics, broadcasts: BroadcastService) -> None:
        self.school = school
        self.broadcasts = broadcasts

    # overview -------------------------------------------------------------------------------

    async def overview(self, texts: Texts) -> dict[str, Any]:
        """/stats, and the last 30 days of each series for the sparklines."""
        stats = await self.school.stats()
        growth = await self.school.growth(SPARK_DAYS)
        daily = await self.school.daily(SPARK_DAYS)
        return {
            "stats": plain(stats),
            "status_names": {str(s): label(status_name(texts, s)) for s, _ in stats.statuses},
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

    async def students(self, texts: Texts, key: str, page: int) -> dict[str, Any] | None:
        found = await self.school.students(key, page)
        if found is None:
            return None
        return {
            **plain(found),
            "stream": self._stream(texts, found.stream),
            "status_names": {
                str(p.status): label(status_name(texts, p.status)) for p in found.students
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

    async def find_people(self, query: str) -> dict[str, Any]:
        return {"query": query, "people": plain(await self.school.find_users(query))}

    async def person(self, texts: Texts, user_id: int) -> dict[str, Any] | None:
        card = await self.school.user_card(user_id)
        if card is None:
            return None
        return {
            **plain(card),
            "status_names": {
                str(b.status): label(status_name(texts, b.status)) for b in card.bookings
            },
            "event_names": {
                e.event_type: texts.code_name("event", e.event_type) for e in card.events
            },
        }

    # broadcasts -----------------------------------------------------------------------------

    def _broadcast(self, texts: Texts, b: Broadcast) -> dict[str, Any]:
        shown = plain(b)
        shown.pop("content", None)  # file ids are the bot's business
        return {
            **shown,
            "excerpt": label(excerpt_of(b.message_text)),
            "audience_name": label(audience_label(texts, b.audience)),
            "status_name": label(status_text(texts, b.status)),
            "actions": actions(b),
        }

    async def history(self, texts: Texts, page: int) -> dict[str, Any]:
        found = await self.broadcasts.history(page)
        return {
            "items": [self._broadcast(texts, b) for b in found.items],
            "page": found.page,
            "pages": found.pages,
        }

    async def broadcast(self, texts: Texts, bid: int) -> dict[str, Any] | None:
        """While it runs, what the control card shows (its progress: counts, pace, time left);
        once ended, what the chat's details show (the report, with failure reasons)."""
        broadcast = await self.broadcasts.get(bid)
        if broadcast is None:
            return None
        if broadcast.status in LIVE:
            progress = await self.broadcasts.delivery.card.progress(bid)
            return {
                "broadcast": self._broadcast(texts, progress.broadcast),
                "counts": plain(progress.counts),
                "reasons": [],
                "duration_s": None,
                "rate": progress.rate,
                "progress": {"rate": progress.rate, "eta_s": progress.eta_s},
            }
        report: Report | None = await self.broadcasts.report(bid)
        if report is None:
            return None
        return {
            "broadcast": self._broadcast(texts, report.broadcast),
            "counts": plain(report.counts),
            "reasons": [
                {"reason": r, "name": label(reason_text(texts, r)), "n": n}
                for r, n in report.reasons
            ],
            "duration_s": report.duration_s,
            "rate": report.rate,
            "progress": None,
        }

    async def recipients(
        self, texts: Texts, bid: int, status: str | None, query: str, page: int
    ) -> dict[str, Any]:
        """One page of a broadcast's recipients, filtered by status and a search (the Mini
        App's own query: the chat has no paged list of recipients, only the CSV)."""
        needle = query.strip().lstrip("@")
        pattern = f"%{like_escape(needle)}%" if needle else None
        pool = self.broadcasts.pool
        counted = await pool.fetchval(
            *QUERIES.web_broadcast_recipients_count(
                message_id=bid, status=status, pattern=pattern, cap=RECIPIENTS_COUNT_CAP + 1
            )
        )
        total = min(int(counted or 0), RECIPIENTS_COUNT_CAP)
        pages = max(1, -(-total // RECIPIENTS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await pool.fetch(
            *QUERIES.web_broadcast_recipients(
                message_id=bid,
                status=status,
                pattern=pattern,
                limit=RECIPIENTS_PER_PAGE,
                offset=page * RECIPIENTS_PER_PAGE,
            )
        )
        return {
            "total": total,
            "more": int(counted or 0) > RECIPIENTS_COUNT_CAP,
            "page": page,
            "pages": pages,
            "recipients": [
                {
                    "user_id": str(r["user_id"]),
                    "username": r["username"] or "",
                    "status": r["delivery_status"],
                    "failure_reason": r["failure_reason"] or "",
                    "reason_name": (
                        label(reason_text(texts, r["failure_reason"]))
                        if r["failure_reason"]
                        else ""
                    ),
                    "settled_at": plain(r["settled_at"]),
                }
                for r in rows
            ],
        }

    async def control(self, bid: int, action: str, admin_id: int) -> bool:
        """Pause, resume or cancel: the control card's service calls, with their rules."""
        if action == "pause":
            return await self.broadcasts.pause(bid, admin_id)
        if action == "resume":
            return await self.broadcasts.resume(bid, admin_id)
        if action == "cancel":
            return await self.broadcasts.cancel(bid, admin_id)
        raise ValueError(action)


def like_escape(text: str) -> str:
    """``text`` matched literally by LIKE."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def actions(b: Broadcast) -> list[str]:
    """The live card's buttons for this status: Pause while sending, Resume while paused,
    Cancel (after a question) for both."""
    if b.status == "sending":
        return ["pause", "cancel"]
    if b.status == "paused":
        return ["resume", "cancel"]
    return []


def _status_order(status: int) -> tuple[int, int]:
    order = (0, 1, 2, -1)
    return (order.index(status), 0) if status in order else (len(order), status)
