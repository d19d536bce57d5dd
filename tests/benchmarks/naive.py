"""The naive formulation of every analytics command, the reference the benchmark checks against.

Each function answers the same question as the ``SchoolAnalytics`` method of the same name,
as the same dataclass, but the way the old dashboard did: recomputed on every request from
the school's raw tables (``bookings``, ``events``, ``free_lesson_registrations``) plus
hsl-bot's own record of broadcasts (``message_history``, ``message_recipients``).
They never read the ``users`` table or the ``analytics_*`` rollups, so a rollup or trigger
that drifted from the data shows up as a different answer. A user's first and last
appearance, username and first name are derived from the three tables as SPEC §1–2 define
them (the latest non-empty username and first name win).

Not compared: who cannot be reached (/stats' blocked counts, the /user card's blocked or
unreachable lines). That is hsl-bot's own record of Telegram's answers, read directly from its
tables rather than derived from the school's, and the benchmark's data has none; ``stats`` and
``user_card`` therefore answer the rest of the dataclass (:class:`StatsFigures`,
:class:`CardFigures`), and the benchmark compares those parts of the service's answers.

Benchmark-only SQL (the bot's own SQL lives in sql/queries). ``schema`` is the exception: it
checks the /schema report against the catalog (information_schema, pg_indexes and count(*))
of the database the report was made on.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bot.analytics.models import (
    CANCELLED,
    CONFIRMED,
    FUNNEL_STEPS,
    LEAD_TIERS,
    STATUSES,
    Booking,
    Change,
    Cohort,
    Daily,
    DailyRow,
    Event,
    EventCount,
    Funnel,
    Growth,
    GrowthDay,
    LastBroadcast,
    Lead,
    Leads,
    Lesson,
    Lessons,
    Received,
    Registration,
    Retention,
    Stats,
    Stream,
    Student,
    StudentsPage,
    Table,
    TopEvents,
    UserCard,
    UserSummary,
    Window,
)

# The commands' fixed parameters, as the service documents them (bot/analytics/__init__.py).
MAX_DAYS = 365
GROWTH_MAX_DAYS = 10 * MAX_DAYS
RETENTION_WEEKS = 12
LEAD_DAYS = 7
LESSON_DAYS_BACK = 30
LESSON_ROWS = 20
TOP_LEADS = 10
STUDENTS_PER_PAGE = 10
USER_MATCHES = 10
CARD_ROWS = 10
EXACT_COUNT_BELOW_BYTES = 1024 * 1024
ZERO = Change(0, 0, 0)

# Every appearance of a user in the school's tables.
SEEN = """
    SELECT user_id, created_at AS at FROM bookings
    UNION ALL SELECT user_id, created_at FROM events
    UNION ALL SELECT user_id, registered_at FROM free_lesson_registrations
"""
# First appearance per user (SPEC §1: the day they joined).
FIRSTS = f"SELECT user_id, min(at) AS first_at FROM ({SEEN}) AS seen GROUP BY user_id"
# A user's profile from the school's tables; $1 restricts it to some ids.
PROFILES = """
    WITH seen AS (
        SELECT user_id, created_at AS at, username, first_name FROM bookings
        WHERE user_id = ANY($1::bigint[])
        UNION ALL
        SELECT user_id, created_at, NULL, NULL FROM events WHERE user_id = ANY($1::bigint[])
        UNION ALL
        SELECT user_id, registered_at, username, first_name FROM free_lesson_registrations
        WHERE user_id = ANY($1::bigint[])
    )
    SELECT user_id, min(at) AS first_seen_at, max(at) AS last_seen_at,
           (array_agg(username ORDER BY at DESC)
                FILTER (WHERE username IS NOT NULL))[1] AS username,
           (array_agg(first_name ORDER BY at DESC)
                FILTER (WHERE first_name IS NOT NULL))[1] AS first_name
    FROM seen WHERE at IS NOT NULL GROUP BY user_id
"""
_USERNAME = re.compile(r"^@?([A-Za-z0-9_]{3,32})$")


@dataclass(frozen=True)
class StatsFigures:
    """What /stats says about the school (everything but reachability)."""

    users: Change
    active_bookings: Change
    confirmed: Change
    statuses: tuple[tuple[int, Change], ...]
    registrations: Change
    last_broadcast: LastBroadcast | None


def stats_figures(stats: Stats) -> StatsFigures:
    return StatsFigures(
        stats.users,
        stats.active_bookings,
        stats.confirmed,
        stats.statuses,
        stats.registrations,
        stats.last_broadcast,
    )


@dataclass(frozen=True)
class CardFigures:
    """What the /user card says about a person (everything but reachability)."""

    user: UserSummary
    bookings: tuple[Booking, ...]
    registrations: tuple[Registration, ...]
    events: tuple[Event, ...]
    events_total: int
    broadcasts: tuple[Received, ...]


def card_figures(card: UserCard | None) -> CardFigures | None:
    if card is None:
        return None
    return CardFigures(
        card.user,
        card.bookings,
        card.registrations,
        card.events,
        card.events_total,
        card.broadcasts,
    )


class Naive:
    """The naive answers on one database, in one zone."""

    def __init__(self, pool: asyncpg.Pool, tz: ZoneInfo) -> None:
        self.pool = pool
        self.tz = tz

    def today(self) -> date:
        return datetime.now(self.tz).date()

    def window(self, days: int, cap: int = MAX_DAYS) -> Window:
        today = self.today()
        capped_from = days if days > cap else None
        days = min(max(days, 1), cap)
        return Window(today - timedelta(days=days - 1), today, days, capped_from)

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    # overview ------------------------------------------------------------------------------

    async def stats(self) -> StatsFigures:
        tz, today = self.tz.key, self.today()
        day = "({} AT TIME ZONE $1)::date"

        def counts(column: str) -> str:
            local = day.format(column)
            return (
                f"count(*) AS total, count(*) FILTER (WHERE {local} = $2) AS today,"
                f" count(*) FILTER (WHERE {local} > $2 - 7) AS week"
            )

        (users,) = await self.fetch(
            f"SELECT {counts('first_at')} FROM ({FIRSTS}) AS u WHERE first_at IS NOT NULL",
            tz,
            today,
        )
        statuses = await self.fetch(
            f"SELECT coalesce(confirmed, 0) AS status, {counts('created_at')}"
            " FROM bookings GROUP BY 1",
            tz,
            today,
        )
        (registrations,) = await self.fetch(
            f"SELECT {counts('registered_at')} FROM free_lesson_registrations", tz, today
        )
        last = await self.fetch(
            "SELECT message_text, coalesce(sent_at, created_at) AS sent_at, total_recipients,"
            " successful_deliveries FROM message_history"
            " ORDER BY coalesce(sent_at, created_at) DESC NULLS LAST, id DESC LIMIT 1"
        )
        by_status = {r["status"]: _change(r) for r in statuses}
        order = [*STATUSES, *sorted(set(by_status) - set(STATUSES))]
        all_statuses = tuple((s, by_status.get(s, ZERO)) for s in order)
        active = [c for s, c in all_statuses if s != CANCELLED]
        return StatsFigures(
            users=_change(users),
            active_bookings=Change(
                sum(c.total for c in active),
                sum(c.today for c in active),
                sum(c.week for c in active),
            ),
            confirmed=by_status.get(CONFIRMED, ZERO),
            statuses=all_statuses,
            registrations=_change(registrations),
            last_broadcast=(
                LastBroadcast(
                    last[0]["message_text"] or "",
                    last[0]["sent_at"],
                    last[0]["total_recipients"] or 0,
                    last[0]["successful_deliveries"] or 0,
                )
                if last
                else None
            ),
        )

    async def growth(self, days: int | None) -> Growth:
        today = self.today()
        rows = await self.fetch(
            f"SELECT (first_at AT TIME ZONE $1)::date AS day, count(*) AS n FROM ({FIRSTS}) AS u"
            " WHERE first_at IS NOT NULL GROUP BY 1",
            self.tz.key,
        )
        per_day = {r["day"]: int(r["n"]) for r in rows}
        if days is None:
            first = min(per_day, default=today)
            window = Window(first, today, None)
        else:
            window = self.window(days, cap=GROWTH_MAX_DAYS)
            assert window.first_day is not None
            first = window.first_day
        total = sum(n for d, n in per_day.items() if d < first)
        series = []
        for offset in range((max(first, today) - first).days + 1):
            day = first + timedelta(days=offset)
            total += per_day.get(day, 0)
            series.append(GrowthDay(day, per_day.get(day, 0), total))
        return Growth(window, tuple(series))

    async def daily(self, days: int) -> Daily:
        window = self.window(days)
        assert window.first_day is not None
        args = (self.tz.key, window.first_day, window.today)
        in_window = "({} AT TIME ZONE $1)::date BETWEEN $2 AND $3"
        new_users = await self.fetch(
            f"SELECT (first_at AT TIME ZONE $1)::date AS day, count(*) AS n FROM ({FIRSTS}) AS u"
            f" WHERE {in_window.format('first_at')} GROUP BY 1",
            *args,
        )
        bookings = await self.fetch(
            "SELECT (created_at AT TIME ZONE $1)::date AS day, count(*) AS n FROM bookings"
            f" WHERE {in_window.format('created_at')} GROUP BY 1",
            *args,
        )
        events = await self.fetch(
            "SELECT (created_at AT TIME ZONE $1)::date AS day, count(*) AS n,"
            " count(*) FILTER (WHERE event_type = 'payment_approved') AS confirmations"
            f" FROM events WHERE {in_window.format('created_at')} GROUP BY 1",
            *args,
        )
        registrations = await self.fetch(
            "SELECT (registered_at AT TIME ZONE $1)::date AS day, count(*) AS n"
            f" FROM free_lesson_registrations WHERE {in_window.format('registered_at')}"
            " GROUP BY 1",
            *args,
        )

        def by_day(rows: list[asyncpg.Record], column: str = "n") -> dict[date, int]:
            return {r["day"]: int(r[column]) for r in rows}

        users_n, bookings_n = by_day(new_users), by_day(bookings)
        events_n, confirmations_n = by_day(events), by_day(events, "confirmations")
        registrations_n = by_day(registrations)
        rows = []
        for offset in range((window.today - window.first_day).days + 1):
            day = window.first_day + timedelta(days=offset)
            rows.append(
                DailyRow(
                    day,
                    users_n.get(day, 0),
                    bookings_n.get(day, 0),
                    events_n.get(day, 0),
                    registrations_n.get(day, 0),
                    confirmations_n.get(day, 0),
                )
            )
        return Daily(window, tuple(rows))

    async def top_events(self, top: int, days: int) -> TopEvents:
        window = self.window(days)
        rows = await self.fetch(
            "SELECT event_type, count(*) AS n FROM events"
            " WHERE (created_at AT TIME ZONE $1)::date BETWEEN $2 AND $3"
            " GROUP BY 1 ORDER BY n DESC, event_type",
            self.tz.key,
            window.first_day,
            window.today,
        )
        return TopEvents(
            window,
            tuple(EventCount(r["event_type"], int(r["n"])) for r in rows[:top]),
            sum(int(r["n"]) for r in rows),
        )

    # school --------------------------------------------------------------------------------

    async def streams(self) -> tuple[Stream, ...]:
        rows = await self.fetch(
            "SELECT coalesce(course_id, 0) AS course_id, coalesce(course_stream, '') AS stream,"
            " coalesce(confirmed, 0) AS status, count(*) AS n,"
            " max((created_at AT TIME ZONE $1)::date) AS last_day"
            " FROM bookings GROUP BY 1, 2, 3",
            self.tz.key,
        )
        counts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
        last: dict[tuple[int, str], date | None] = {}
        for r in rows:
            key = (r["course_id"], r["stream"])
            counts[key][r["status"]] = int(r["n"])
            if r["last_day"] is not None:
                last[key] = max(last.get(key) or date.min, r["last_day"])
            else:
                last.setdefault(key, None)
        current: dict[int, tuple[int, str]] = {}
        for key in counts:  # per course, the stream with the latest booking day (then name)
            best = current.get(key[0])
            if best is None or (last[key] or date.min, key[1]) > (last[best] or date.min, best[1]):
                current[key[0]] = key
        streams = [
            Stream(
                course_id=key[0],
                stream=key[1],
                counts=tuple(
                    (s, counts[key].get(s, 0))
                    for s in [*STATUSES, *sorted(set(counts[key]) - set(STATUSES))]
                ),
                last_day=last[key],
                current=current[key[0]] == key,
            )
            for key in counts
        ]
        streams.sort(key=lambda s: (s.course_id, -(s.last_day or date.min).toordinal(), s.stream))
        return tuple(streams)

    async def current_students(self, viewers: bool = False) -> StudentsPage:
        """The first page of the first current stream's bookers, the most recently active
        first, or of its programme viewers without a booking, the latest view first (what the
        benchmark asks the service)."""
        stream = next(s for s in await self.streams() if s.current)
        rows = await self.fetch(
            """
            WITH booked AS (
                SELECT DISTINCT ON (user_id) user_id, coalesce(confirmed, 0) AS status,
                       created_at
                FROM bookings
                WHERE coalesce(course_id, 0) = $1 AND coalesce(course_stream, '') = $2
                ORDER BY user_id, created_at DESC NULLS LAST, id DESC
            ), viewers AS (
                SELECT e.user_id, max(e.created_at) AS viewed_at FROM events AS e
                WHERE $3 AND e.event_type = 'view_program'
                  AND e.details ->> 'course_id' = $1::text
                  AND e.user_id NOT IN (SELECT user_id FROM booked)
                GROUP BY e.user_id
                HAVING max(e.created_at) >= (SELECT min(created_at) FROM booked)
            )
            SELECT user_id, status, NULL::timestamptz AS viewed_at FROM booked
            UNION ALL SELECT user_id, NULL, viewed_at FROM viewers
            """,
            stream.course_id,
            stream.stream,
            stream.current,
        )
        bookers = [r for r in rows if r["status"] is not None]
        watchers = [r for r in rows if r["status"] is None]
        profiles = await self.profiles([r["user_id"] for r in rows])
        shown = watchers if viewers else bookers

        def recent_first(row: Any) -> tuple[Any, ...]:
            if viewers:
                return (-row["viewed_at"].timestamp(), row["user_id"])
            seen = profiles.get(row["user_id"], {}).get("last_seen_at")
            return (seen is None, -seen.timestamp() if seen else 0, row["user_id"])

        page = sorted(shown, key=recent_first)[:STUDENTS_PER_PAGE]
        students = tuple(
            Student(
                r["user_id"],
                profiles.get(r["user_id"], {}).get("username"),
                profiles.get(r["user_id"], {}).get("first_name"),
                r["status"],
                profiles.get(r["user_id"], {}).get("last_seen_at"),
                r["viewed_at"],
            )
            for r in page
        )
        total = len(shown)
        return StudentsPage(
            stream,
            students,
            total,
            0,
            max(1, math.ceil(total / STUDENTS_PER_PAGE)),
            viewers,
            len(bookers),
            len(watchers),
        )

    async def lessons(self) -> Lessons:
        first_day = self.today() - timedelta(days=LESSON_DAYS_BACK)
        rows = await self.fetch(
            """
            WITH clicks AS (
                SELECT DISTINCT user_id, (created_at AT TIME ZONE $1)::date AS day
                FROM events WHERE event_type = 'lesson_link_clicked'
            ), last_booking AS (
                SELECT user_id, max(created_at) AS last_at FROM bookings GROUP BY user_id
            )
            SELECT coalesce(r.lesson_type, '') AS lesson_type, r.lesson_date,
                   count(*) AS registered, count(c.user_id) AS attended,
                   count(*) FILTER (WHERE b.last_at > r.registered_at) AS booked
            FROM free_lesson_registrations AS r
            LEFT JOIN clicks AS c ON c.user_id = r.user_id AND c.day = r.lesson_date
            LEFT JOIN last_booking AS b ON b.user_id = r.user_id
            WHERE r.lesson_date >= $2
            GROUP BY 1, 2
            ORDER BY r.lesson_date DESC, 1
            LIMIT $3
            """,
            self.tz.key,
            first_day,
            LESSON_ROWS,
        )
        return Lessons(
            first_day,
            tuple(
                Lesson(
                    r["lesson_type"],
                    r["lesson_date"],
                    int(r["registered"]),
                    int(r["attended"]),
                    int(r["booked"]),
                )
                for r in rows
            ),
        )

    async def funnel(self, days: int) -> Funnel:
        window = self.window(days)
        assert window.first_day is not None
        (row,) = await self.fetch(
            """
            WITH steps AS (
                SELECT user_id,
                       bool_or(event_type = 'start_command') AS started,
                       bool_or(event_type = 'view_program') AS viewed,
                       bool_or(event_type = 'booking_created') AS booked,
                       bool_or(event_type = 'payment_proof_uploaded') AS paid
                FROM events WHERE created_at >= $1 GROUP BY user_id
            ), confirmed AS (
                SELECT DISTINCT user_id FROM bookings WHERE confirmed = 2 AND created_at >= $1
            )
            SELECT count(*) FILTER (WHERE started) AS started,
                   count(*) FILTER (WHERE started AND viewed) AS viewed,
                   count(*) FILTER (WHERE started AND viewed AND booked) AS booked,
                   count(*) FILTER (WHERE started AND viewed AND booked AND paid) AS paid,
                   count(*) FILTER (WHERE started AND viewed AND booked AND paid
                                      AND c.user_id IS NOT NULL) AS confirmed
            FROM steps LEFT JOIN confirmed AS c USING (user_id)
            """,
            self.midnight(window.first_day),
        )
        return Funnel(window, tuple((step, int(row[step])) for step in FUNNEL_STEPS))

    async def retention(self) -> Retention:
        today = self.today()
        this_week = today - timedelta(days=today.weekday())
        first_week = this_week - timedelta(weeks=RETENTION_WEEKS - 1)
        rows = await self.fetch(
            f"""
            WITH cohorts AS MATERIALIZED (
                SELECT user_id, date_trunc('week', first_at AT TIME ZONE $1)::date AS cohort
                FROM ({FIRSTS}) AS u
                WHERE date_trunc('week', first_at AT TIME ZONE $1)::date BETWEEN $2 AND $3
            ), active AS (
                SELECT DISTINCT user_id, date_trunc('week', created_at AT TIME ZONE $1)::date
                       AS week
                FROM events WHERE created_at IS NOT NULL
            )
            SELECT cohort, NULL::date AS week, count(*) AS users FROM cohorts GROUP BY 1
            UNION ALL
            SELECT c.cohort, a.week, count(*) FROM cohorts AS c JOIN active AS a USING (user_id)
            WHERE a.week <= $3 GROUP BY 1, 2
            """,
            self.tz.key,
            first_week,
            this_week,
        )
        sizes: dict[date, int] = {}
        active: dict[date, dict[int, int]] = defaultdict(dict)
        for r in rows:
            if r["week"] is None:
                sizes[r["cohort"]] = int(r["users"])
            else:
                active[r["cohort"]][(r["week"] - r["cohort"]).days // 7] = int(r["users"])
        cohorts = []
        for index in range(RETENTION_WEEKS):
            week = first_week + timedelta(weeks=index)
            span = (this_week - week).days // 7 + 1
            cohorts.append(
                Cohort(
                    week, sizes.get(week, 0), tuple(active[week].get(i, 0) for i in range(span))
                )
            )
        return Retention(this_week, tuple(cohorts))

    async def leads(self) -> Leads:
        first_day = self.today() - timedelta(days=LEAD_DAYS - 1)
        rows = await self.fetch(
            """
            SELECT user_id, count(*) AS events,
                   count(DISTINCT (created_at AT TIME ZONE $1)::date) AS days
            FROM events
            WHERE (created_at AT TIME ZONE $1)::date >= $2
              AND user_id NOT IN (SELECT user_id FROM bookings WHERE confirmed = 2)
            GROUP BY user_id
            HAVING count(*) >= 5
            """,
            self.tz.key,
            first_day,
        )
        tiers: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for r in rows:
            events, days = int(r["events"]), int(r["days"])
            tier = (
                "hot"
                if events >= 20 and days >= 5
                else "warm"
                if events >= 10 and days >= 3
                else "cool"
            )
            tiers[tier].append((r["user_id"], events, days))
        hot = sorted(tiers["hot"], key=lambda t: (-t[1], -t[2], t[0]))[:TOP_LEADS]
        profiles = await self.profiles([t[0] for t in hot])
        return Leads(
            first_day,
            tuple((tier, len(tiers[tier])) for tier in LEAD_TIERS),
            tuple(
                Lead(
                    uid,
                    profiles.get(uid, {}).get("username"),
                    profiles.get(uid, {}).get("first_name"),
                    events,
                    days,
                )
                for uid, events, days in hot
            ),
        )

    # people and the database ---------------------------------------------------------------

    async def profiles(self, user_ids: list[int]) -> dict[int, dict[str, Any]]:
        rows = await self.fetch(PROFILES, user_ids)
        return {r["user_id"]: dict(r) for r in rows}

    async def find_users(self, query: str) -> tuple[UserSummary, ...]:
        query = query.strip()
        if re.fullmatch(r"-?\d{1,19}", query):
            found = await self.profiles([int(query)])
            if found:
                return (_summary(found[int(query)]),)
        if query.startswith("@") and (match := _USERNAME.match(query)):
            name = match.group(1).lower()
            candidates = await self.fetch(
                "SELECT user_id FROM bookings WHERE lower(username) = $1"
                " UNION SELECT user_id FROM free_lesson_registrations WHERE lower(username) = $1",
                name,
            )
            people = await self.profiles([r["user_id"] for r in candidates])
            matches = [p for p in people.values() if (p["username"] or "").lower() == name]
            matches.sort(key=lambda p: _latest_first(p["last_seen_at"]))
            return tuple(_summary(p) for p in matches[:USER_MATCHES])
        needle = query.lower()
        candidates = await self.fetch(
            "SELECT user_id FROM bookings WHERE strpos(lower(username), $1) > 0"
            " OR strpos(lower(first_name), $1) > 0"
            " UNION SELECT user_id FROM free_lesson_registrations"
            " WHERE strpos(lower(username), $1) > 0 OR strpos(lower(first_name), $1) > 0",
            needle,
        )
        people = await self.profiles([r["user_id"] for r in candidates])
        matches = [
            p
            for p in people.values()
            if needle in (p["username"] or "").lower() or needle in (p["first_name"] or "").lower()
        ]
        matches.sort(key=lambda p: (_latest_first(p["last_seen_at"]), p["user_id"]))
        matches = matches[:USER_MATCHES]
        exact = [p for p in matches if (p["username"] or "").lower() == needle]
        return tuple(_summary(p) for p in (exact or matches))

    async def user_card(self, user_id: int) -> CardFigures | None:
        found = await self.profiles([user_id])
        if user_id not in found:
            return None
        bookings = await self.fetch(
            "SELECT course_id, course_stream, coalesce(confirmed, 0) AS confirmed, created_at"
            " FROM bookings WHERE user_id = $1 ORDER BY created_at DESC NULLS LAST, id DESC"
            " LIMIT $2",
            user_id,
            CARD_ROWS,
        )
        registrations = await self.fetch(
            "SELECT lesson_type, lesson_date, registered_at FROM free_lesson_registrations"
            " WHERE user_id = $1 ORDER BY registered_at DESC NULLS LAST, id DESC LIMIT $2",
            user_id,
            CARD_ROWS,
        )
        events = await self.fetch(
            "SELECT event_type, created_at FROM events WHERE user_id = $1"
            " ORDER BY created_at DESC NULLS LAST, id DESC LIMIT $2",
            user_id,
            CARD_ROWS,
        )
        (events_total,) = await self.fetch(
            "SELECT count(*) AS n FROM events WHERE user_id = $1", user_id
        )
        broadcasts = await self.fetch(
            "SELECT h.id, coalesce(h.sent_at, h.created_at) AS sent_at, h.message_text,"
            " r.delivery_status FROM message_recipients AS r"
            " JOIN message_history AS h ON h.id = r.message_id"
            " WHERE r.user_id = $1 ORDER BY h.id DESC LIMIT $2",
            user_id,
            CARD_ROWS,
        )
        return CardFigures(
            user=_summary(found[user_id]),
            bookings=tuple(
                Booking(b["course_id"], b["course_stream"], b["confirmed"], b["created_at"])
                for b in bookings
            ),
            registrations=tuple(
                Registration(r["lesson_type"], r["lesson_date"], r["registered_at"])
                for r in registrations
            ),
            events=tuple(Event(e["event_type"], e["created_at"]) for e in events),
            events_total=int(events_total["n"]),
            broadcasts=tuple(
                Received(b["id"], b["sent_at"], b["message_text"] or "", b["delivery_status"])
                for b in broadcasts
            ),
        )


async def check_schema(pool: asyncpg.Pool, tables: tuple[Table, ...]) -> str | None:
    """Where the /schema report disagrees with the catalog of the database it describes.

    Tables, columns (name, NOT NULL) and indexes (name, unique) as information_schema and
    pg_indexes list them; row counts equal to count(*) for tables under the exact-count size
    (and for bigger ones the planner has not measured yet), within 10% of it for the bigger
    ones it reports as estimated.
    """
    async with pool.acquire() as conn:
        names = sorted(
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name::text FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        )
        reported = [t.name for t in tables]
        if reported != names:
            return f"tables {sorted(set(reported) ^ set(names))} differ from the catalog"
        for table in tables:
            columns = [
                (r["column_name"], r["is_nullable"] == "NO")
                for r in await conn.fetch(
                    "SELECT column_name::text, is_nullable::text FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                    table.name,
                )
            ]
            if [(c.name, c.not_null) for c in table.columns] != columns:
                return f"{table.name}: columns differ from information_schema"
            indexes = sorted(
                (r["indexname"], r["indexdef"].startswith("CREATE UNIQUE"))
                for r in await conn.fetch(
                    "SELECT indexname::text, indexdef FROM pg_indexes"
                    " WHERE schemaname = 'public' AND tablename = $1",
                    table.name,
                )
            )
            if sorted((i.name, i.unique) for i in table.indexes) != indexes:
                return f"{table.name}: indexes differ from pg_indexes"
            size = await conn.fetchval("SELECT pg_relation_size($1::regclass)", table.name)
            if table.estimated and size < EXACT_COUNT_BELOW_BYTES:
                return f"{table.name}: estimated at {size} bytes (small tables are counted)"
            rows = await conn.fetchval(f'SELECT count(*) FROM public."{table.name}"')
            if not table.estimated and table.rows != rows:
                return f"{table.name}: {table.rows} rows reported, count(*) = {rows}"
            if table.estimated and abs(table.rows - rows) > 0.1 * rows:
                return f"{table.name}: estimate {table.rows} rows, count(*) = {rows}"
    return None


def _change(row: asyncpg.Record) -> Change:
    return Change(int(row["total"]), int(row["today"]), int(row["week"]))


def _summary(profile: dict[str, Any]) -> UserSummary:
    return UserSummary(
        profile["user_id"],
        profile["username"],
        profile["first_name"],
        profile["first_seen_at"],
        profile["last_seen_at"],
    )


def _latest_first(moment: datetime | None) -> tuple[bool, float]:
    """Sort key: most recent first, unknown last (SQL's DESC NULLS LAST)."""
    return (moment is None, -moment.timestamp() if moment else 0.0)
