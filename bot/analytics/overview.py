"""/stats, /growth, /daily and /events: read from the per-day rollups of migration 0010."""

from __future__ import annotations

from datetime import date

import asyncpg

from bot.analytics.models import (
    CANCELLED,
    CONFIRMED,
    STATUSES,
    Bots,
    Change,
    Daily,
    DailyRow,
    EventCount,
    Growth,
    GrowthDay,
    LastBroadcast,
    Stats,
    TopEvents,
    Window,
)
from bot.db.queries import QUERIES


def _sum(changes: list[Change]) -> Change:
    return Change(
        sum(c.total for c in changes), sum(c.today for c in changes), sum(c.week for c in changes)
    )


async def stats(conn: asyncpg.Connection, today: date, tz: str, bots: Bots) -> Stats:
    """The school at a glance (reachability as the broadcast bot sees it)."""
    counts = await conn.fetchrow(
        *QUERIES.stats_counts(today=today, tz=tz, sender=bots.sender_id, revive=bots.two)
    )
    assert counts is not None
    rows = await conn.fetch(*QUERIES.stats_statuses(today=today))
    by_status = {r["status"]: Change(r["total"], r["today"], r["week"]) for r in rows}
    order = [*STATUSES, *sorted(set(by_status) - set(STATUSES))]
    statuses = tuple((s, by_status.get(s, Change(0, 0, 0))) for s in order)
    last = await conn.fetchrow(*QUERIES.last_broadcast())
    return Stats(
        users=Change(counts["users_total"], counts["users_today"], counts["users_week"]),
        active_bookings=_sum([c for s, c in statuses if s != CANCELLED]),
        confirmed=by_status.get(CONFIRMED, Change(0, 0, 0)),
        statuses=statuses,
        registrations=Change(
            counts["registrations_total"],
            counts["registrations_today"],
            counts["registrations_week"],
        ),
        blocked=Change(counts["blocked_total"], counts["blocked_today"], counts["blocked_week"]),
        last_broadcast=(
            LastBroadcast(
                last["message_text"] or "",
                last["sent_at"],
                last["total_recipients"],
                last["delivered"],
                last["status"],
                last["cancelled"],
                last["failed"],
                last["pending"],
            )
            if last
            else None
        ),
        never_started=counts["never_started"],
        deactivated=counts["deactivated"],
    )


async def growth(conn: asyncpg.Connection, window: Window) -> Growth:
    """New users (first appearances) per day and the running total."""
    rows = await conn.fetch(*QUERIES.growth_days(first_day=window.first_day, today=window.today))
    days = tuple(GrowthDay(r["day"], r["new_users"], r["total"]) for r in rows)
    if window.first_day is None and days:
        window = Window(days[0].day, window.today, None, window.capped_from)
    return Growth(window, days)


async def daily(conn: asyncpg.Connection, window: Window) -> Daily:
    """Per-day activity over the window."""
    rows = await conn.fetch(*QUERIES.daily_rows(first_day=window.first_day, today=window.today))
    return Daily(
        window,
        tuple(
            DailyRow(
                r["day"],
                r["new_users"],
                r["bookings"],
                r["events"],
                r["registrations"],
                r["confirmations"],
            )
            for r in rows
        ),
    )


async def top_events(conn: asyncpg.Connection, window: Window, top: int) -> TopEvents:
    """The most frequent event types over the window."""
    rows = await conn.fetch(
        *QUERIES.top_events(first_day=window.first_day, today=window.today, top=top)
    )
    total = int(rows[0]["total"]) if rows else 0
    return TopEvents(window, tuple(EventCount(r["event_type"], int(r["n"])) for r in rows), total)
