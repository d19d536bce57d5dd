"""/courses, /lessons, /funnel, /retention and /leads."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

import asyncpg

from bot.analytics.models import (
    FUNNEL_STEPS,
    LEAD_TIERS,
    STATUSES,
    Cohort,
    Funnel,
    Lead,
    Leads,
    Lesson,
    Retention,
    Stream,
    Student,
    StudentsPage,
    Window,
)
from bot.db.queries import QUERIES


async def streams(conn: asyncpg.Connection) -> tuple[Stream, ...]:
    """Every course stream present in the bookings, newest first within each course."""
    rows = await conn.fetch(*QUERIES.course_streams())
    counts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    last: dict[tuple[int, str], date | None] = {}
    for r in rows:
        key = (r["course_id"], r["course_stream"])
        counts[key][r["confirmed"]] = int(r["n"])
        last[key] = r["last_day"]
    current: dict[int, tuple[int, str]] = {}
    for key in sorted(counts, key=lambda k: (last[k] or date.min, k[1])):
        current[key[0]] = key  # the latest wins
    result = []
    for key in counts:
        statuses = [*STATUSES, *sorted(set(counts[key]) - set(STATUSES))]
        result.append(
            Stream(
                course_id=key[0],
                stream=key[1],
                counts=tuple((s, counts[key].get(s, 0)) for s in statuses),
                last_day=last[key],
                current=current[key[0]] == key,
            )
        )
    result.sort(key=lambda s: (s.course_id, -(s.last_day or date.min).toordinal(), s.stream))
    return tuple(result)


async def students(
    conn: asyncpg.Connection, stream: Stream, page: int, per_page: int, *, viewers: bool = False
) -> StudentsPage:
    """One page of one of a stream's two lists: its bookers, the most recently active first,
    or (``viewers``, a current stream only) those who viewed the programme since it opened
    without booking it, the latest view first."""
    with_viewers = stream.current
    viewers = viewers and with_viewers
    keys = {"course_id": stream.course_id, "stream": stream.stream}
    totals = await conn.fetchrow(*QUERIES.stream_people_totals(**keys, with_viewers=with_viewers))
    bookers_total = int(totals["bookers"]) if totals else 0
    viewers_total = int(totals["viewers"]) if totals else 0
    total = viewers_total if viewers else bookers_total
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages - 1)  # the list shrank under an old button: show the last page
    query = QUERIES.stream_viewers if viewers else QUERIES.stream_bookers
    rows = await conn.fetch(*query(**keys, limit=per_page, offset=page * per_page))
    people = tuple(
        Student(
            r["user_id"],
            r["username"],
            r["first_name"],
            None if viewers else r["status"],
            r["last_seen_at"],
            r["viewed_at"] if viewers else None,
        )
        for r in rows
    )
    return StudentsPage(stream, people, total, page, pages, viewers, bookers_total, viewers_total)


async def lessons(conn: asyncpg.Connection, first_day: date, limit: int) -> tuple[Lesson, ...]:
    """Free lessons dated from ``first_day`` on, newest first."""
    rows = await conn.fetch(*QUERIES.lessons_overview(first_day=first_day, limit=limit))
    return tuple(
        Lesson(r["lesson_type"], r["lesson_date"], r["registered"], r["attended"], r["booked"])
        for r in rows
    )


async def funnel(conn: asyncpg.Connection, window: Window) -> Funnel:
    """Users reaching each step (and every earlier one) within the window."""
    assert window.first_day is not None
    row = await conn.fetchrow(*QUERIES.funnel_counts(first_day=window.first_day))
    assert row is not None
    return Funnel(window, tuple((step, int(row[step])) for step in FUNNEL_STEPS))


async def retention(conn: asyncpg.Connection, this_week: date, weeks: int) -> Retention:
    """Weekly cohorts by first appearance and their activity in each later week."""
    first_week = this_week - timedelta(weeks=weeks - 1)
    rows = await conn.fetch(*QUERIES.retention_cohorts(first_week=first_week, this_week=this_week))
    sizes: dict[date, int] = {}
    active: dict[date, dict[int, int]] = defaultdict(dict)
    for r in rows:
        sizes[r["cohort"]] = int(r["size"])
        if r["week"] is not None:
            active[r["cohort"]][(r["week"] - r["cohort"]).days // 7] = int(r["users"])
    cohorts = []
    for week in sorted(sizes):
        span = (this_week - week).days // 7 + 1
        cohorts.append(
            Cohort(week, sizes[week], tuple(active[week].get(i, 0) for i in range(span)))
        )
    return Retention(this_week, tuple(cohorts))


async def leads(conn: asyncpg.Connection, first_day: date, top: int, max_age: timedelta) -> Leads:
    """Non-paying users scored by their events from local day ``first_day`` on.

    Read from the snapshot of migration 0075, recomputed first when it is for another window
    or older than ``max_age``; the answer says when it was computed.
    """
    rows = await conn.fetch(*QUERIES.lead_snapshot(top=top))
    if not rows or rows[0]["first_day"] != first_day or rows[0]["age"] > max_age:
        await conn.fetchval(*QUERIES.refresh_leads(first_day=first_day, fresh_for=max_age))
        rows = await conn.fetch(*QUERIES.lead_snapshot(top=top))
    state = rows[0]
    hot = tuple(
        Lead(r["user_id"], r["username"], r["first_name"], int(r["events"]), int(r["days"]))
        for r in rows
        if r["user_id"] is not None
    )
    tiers = tuple((tier, int(state[tier])) for tier in LEAD_TIERS)
    return Leads(first_day, tiers, hot, as_of=state["as_of"])
