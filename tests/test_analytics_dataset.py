"""A small hand-made school for the analytics tests, and the figures it should produce.

Every expected figure here is computed in plain Python over the rows the test inserts — never
by calling the bot's queries — following the definitions of SPEC §1 and issue 5. Days are local
days in Europe/Moscow (the TIMEZONE the e2e bot runs with).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

MSK = ZoneInfo("Europe/Moscow")
EVENT_TYPES = [
    "start_command",
    "view_program",
    "booking_created",
    "booking_cancelled",
    "booking_status_changed",
    "payment_proof_uploaded",
    "payment_approved",
    "free_lesson_info_viewed",
    "free_lesson_registration_started",
    "free_lesson_registered",
    "free_lesson_reminder_sent",
    "lesson_link_clicked",
    "referral_code_used",
    "unknown_callback",
]
LESSON_TYPES = ["cursor_lesson", "vibecoding_lesson", "claude_code_lesson"]
STREAMS = ["7th_stream", "8th_stream", "mentoring"]
FUNNEL = ["start_command", "view_program", "booking_created", "payment_proof_uploaded"]

# Named people the tests talk about.
ANNA = 101  # in all three tables: counted once
BORIS = 102  # first seen at 23:30 local three days ago
VERA = 103  # first seen at 00:30 local two days ago (21:30 UTC the day before)
HOT = 300  # a hot lead
PAYER = 301  # as active as HOT, but paid: not a lead
VIEWER = 304  # viewed course 1's programme, never booked
BLOCKED = 205


@dataclass
class Booking:
    user_id: int
    username: str | None
    first_name: str | None
    course_id: int
    stream: str
    confirmed: int
    created_at: datetime


@dataclass
class Event:
    user_id: int
    event_type: str
    created_at: datetime
    details: dict[str, Any] | None = None


@dataclass
class Registration:
    user_id: int
    username: str | None
    first_name: str | None
    lesson_type: str
    lesson_date: date
    registered_at: datetime


def local_day(moment: datetime) -> date:
    return moment.astimezone(MSK).date()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class School:
    now: datetime
    bookings: list[Booking] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    blocked: list[tuple[int, datetime]] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.date()

    def at(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """A local moment ``days_ago`` days back, never later than now."""
        moment = datetime.combine(self.today - timedelta(days=days_ago), time(hour, minute), MSK)
        return min(moment, self.now - timedelta(seconds=1))

    async def insert(self, pool: asyncpg.Pool) -> None:
        await pool.executemany(
            "INSERT INTO bookings (user_id, username, first_name, course_id, course_stream,"
            " confirmed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (
                    b.user_id,
                    b.username,
                    b.first_name,
                    b.course_id,
                    b.stream,
                    b.confirmed,
                    b.created_at,
                )
                for b in self.bookings
            ],
        )
        await pool.executemany(
            "INSERT INTO events (user_id, event_type, created_at, details)"
            " VALUES ($1, $2, $3, $4)",  # the pool's codec encodes the details dict
            [(e.user_id, e.event_type, e.created_at, e.details) for e in self.events],
        )
        await pool.executemany(
            "INSERT INTO free_lesson_registrations (user_id, username, first_name, email,"
            " lesson_type, lesson_date, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (
                    r.user_id,
                    r.username,
                    r.first_name,
                    f"{r.user_id}@example.com",
                    r.lesson_type,
                    r.lesson_date,
                    r.registered_at,
                )
                for r in self.registrations
            ],
        )
        await pool.executemany(
            "INSERT INTO blocked_users (user_id, blocked_at, reason) VALUES ($1, $2, 'blocked')",
            self.blocked,
        )

    # reference figures -----------------------------------------------------------------------

    def first_seen(self) -> dict[int, datetime]:
        seen: dict[int, datetime] = {}
        moments = [(b.user_id, b.created_at) for b in self.bookings]
        moments += [(e.user_id, e.created_at) for e in self.events]
        moments += [(r.user_id, r.registered_at) for r in self.registrations]
        for user_id, moment in moments:
            if user_id not in seen or moment < seen[user_id]:
                seen[user_id] = moment
        return seen

    def new_users_per_day(self) -> Counter[date]:
        return Counter(local_day(m) for m in self.first_seen().values())

    def change(self, days: list[date]) -> tuple[int, int, int]:
        """(total, today, last 7 days) of a list of local days."""
        week_start = self.today - timedelta(days=6)
        return (
            len(days),
            sum(1 for d in days if d == self.today),
            sum(1 for d in days if week_start <= d <= self.today),
        )

    def daily(self, days: int) -> dict[date, tuple[int, int, int, int, int]]:
        new = self.new_users_per_day()
        bookings = Counter(local_day(b.created_at) for b in self.bookings)
        events = Counter(local_day(e.created_at) for e in self.events)
        registrations = Counter(local_day(r.registered_at) for r in self.registrations)
        confirmations = Counter(
            local_day(e.created_at) for e in self.events if e.event_type == "payment_approved"
        )
        result = {}
        for back in range(days - 1, -1, -1):
            day = self.today - timedelta(days=back)
            result[day] = (
                new[day],
                bookings[day],
                events[day],
                registrations[day],
                confirmations[day],
            )
        return result

    def top_events(self, days: int) -> list[tuple[str, int]]:
        first = self.today - timedelta(days=days - 1)
        counts = Counter(e.event_type for e in self.events if local_day(e.created_at) >= first)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def streams(self) -> dict[tuple[int, str], Counter[int]]:
        result: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)
        for b in self.bookings:
            result[(b.course_id, b.stream)][b.confirmed] += 1
        return result

    def current_stream(self, course_id: int) -> str:
        last: dict[str, date] = {}
        for b in self.bookings:
            if b.course_id == course_id:
                last[b.stream] = max(last.get(b.stream, date.min), local_day(b.created_at))
        return max(last, key=lambda s: (last[s], s))

    def funnel(self, days: int) -> list[int]:
        since = datetime.combine(self.today - timedelta(days=days - 1), time(), MSK)
        reached: dict[int, set[str]] = defaultdict(set)
        for e in self.events:
            if e.event_type in FUNNEL and e.created_at >= since:
                reached[e.user_id].add(e.event_type)
        paid = {b.user_id for b in self.bookings if b.confirmed == 2 and b.created_at >= since}
        counts = []
        for step in range(len(FUNNEL)):
            counts.append(sum(1 for steps in reached.values() if set(FUNNEL[: step + 1]) <= steps))
        counts.append(sum(1 for u, steps in reached.items() if set(FUNNEL) <= steps and u in paid))
        return counts

    def retention(self, weeks: int = 12) -> dict[date, tuple[int, list[int]]]:
        this_week = monday(self.today)
        cohort_of = {u: monday(local_day(m)) for u, m in self.first_seen().items()}
        active: dict[tuple[date, date], set[int]] = defaultdict(set)
        for e in self.events:
            active[(cohort_of[e.user_id], monday(local_day(e.created_at)))].add(e.user_id)
        result = {}
        for k in range(weeks - 1, -1, -1):
            cohort = this_week - timedelta(weeks=k)
            size = sum(1 for c in cohort_of.values() if c == cohort)
            shares = [len(active[(cohort, cohort + timedelta(weeks=w))]) for w in range(k + 1)]
            result[cohort] = (size, shares)
        return result

    def leads(self) -> dict[int, tuple[str, int, int]]:
        since = datetime.combine(self.today - timedelta(days=6), time(), MSK)
        paid = {b.user_id for b in self.bookings if b.confirmed == 2}
        count: Counter[int] = Counter()
        days: dict[int, set[date]] = defaultdict(set)
        for e in self.events:
            if e.created_at >= since:
                count[e.user_id] += 1
                days[e.user_id].add(local_day(e.created_at))
        result = {}
        for user, n in count.items():
            if user in paid or n < 5:
                continue
            d = len(days[user])
            tier = "hot" if n >= 20 and d >= 5 else "warm" if n >= 10 and d >= 3 else "cool"
            result[user] = (tier, n, d)
        return result


def make_school(seed: int = 5) -> School:
    """The explicit people above plus a seeded crowd of ordinary ones."""
    school = School(now=datetime.now(MSK))
    at = school.at
    add_event = school.events.append

    # Anna: every table, one user.
    school.registrations.append(
        Registration(
            ANNA, "anna", "Анна", "cursor_lesson", school.today - timedelta(days=3), at(5, 10)
        )
    )
    for event_type, moment in [
        ("start_command", at(6, 12)),
        ("view_program", at(6, 12, 5)),
        ("booking_created", at(5, 12)),
        ("payment_proof_uploaded", at(5, 13)),
        ("lesson_link_clicked", at(3, 19)),
        ("payment_approved", at(4, 9)),
    ]:
        add_event(Event(ANNA, event_type, moment, {"course_id": 1}))
    school.bookings.append(Booking(ANNA, "anna", "Анна", 1, "8th_stream", 2, at(5, 12)))

    # The day boundary in Moscow.
    add_event(Event(BORIS, "start_command", at(3, 23, 30)))
    add_event(Event(VERA, "start_command", at(2, 0, 30)))

    # Leads.
    for n in range(25):
        add_event(Event(HOT, EVENT_TYPES[n % 5], at(n % 6, 10 + n // 6)))
        add_event(Event(PAYER, EVENT_TYPES[n % 5], at(n % 6, 10 + n // 6)))
    school.bookings.append(Booking(PAYER, "payer", "Pay", 2, "mentoring", 2, at(30, 10)))
    add_event(Event(VIEWER, "view_program", at(1, 15), {"course_id": 1}))
    school.blocked.append((BLOCKED, at(2, 8)))

    rng = random.Random(seed)
    for user in range(200, 240):
        start = rng.randint(0, 80)
        for _ in range(rng.randint(1, 25)):
            back = rng.randint(0, start)
            kind = rng.choice(EVENT_TYPES)
            details = {"course_id": rng.choice([1, 2])} if kind == "view_program" else None
            add_event(Event(user, kind, at(back, rng.randint(0, 23), rng.randint(0, 59)), details))
        if rng.random() < 0.5:
            school.bookings.append(
                Booking(
                    user,
                    f"user{user}",
                    f"Crowd{user}",
                    rng.choice([1, 2]),
                    rng.choice(STREAMS),
                    rng.choice([-1, 0, 1, 2]),
                    at(rng.randint(0, start), rng.randint(0, 23)),
                )
            )
        if rng.random() < 0.4:
            school.registrations.append(
                Registration(
                    user,
                    f"user{user}",
                    f"Crowd{user}",
                    rng.choice(LESSON_TYPES),
                    school.today - timedelta(days=rng.randint(-3, 20)),
                    at(rng.randint(0, start), rng.randint(0, 23)),
                )
            )
    return school


def test_dataset_is_reproducible() -> None:
    a, b = make_school(), make_school()
    assert [(e.user_id, e.event_type) for e in a.events] == [
        (e.user_id, e.event_type) for e in b.events
    ]
    assert a.leads()[HOT][0] == "hot" and PAYER not in a.leads()
