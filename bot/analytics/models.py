"""The answers SchoolAnalytics gives: frozen dataclasses, no database or Telegram types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

# bookings.confirmed, in the order the console lists them (SPEC §1): all four, always.
STATUSES: tuple[int, ...] = (0, 1, 2, -1)
CONFIRMED = 2
CANCELLED = -1

FUNNEL_STEPS: tuple[str, ...] = ("started", "viewed", "booked", "paid", "confirmed")
LEAD_TIERS: tuple[str, ...] = ("hot", "warm", "cool")
# The figures of a DailyRow, in the order tables and charts show them.
DAILY_SERIES: tuple[str, ...] = (
    "new_users",
    "bookings",
    "events",
    "registrations",
    "confirmations",
)


@dataclass(frozen=True)
class Window:
    """A run of local days ending today; ``days`` None means the whole history."""

    first_day: date | None
    today: date
    days: int | None
    capped_from: int | None = None  # what was asked for when more than the cap

    @property
    def data_since(self) -> date | None:
        """The day the school's data begins, when that is inside the last ``days`` days (the
        window then starts there, not at its nominal first day); else None."""
        if self.days is None or self.first_day is None:
            return None
        nominal = self.today - timedelta(days=self.days - 1)
        return self.first_day if self.first_day > nominal else None


@dataclass(frozen=True)
class Change:
    """A total and how much of it was added today and over the last 7 days."""

    total: int
    today: int
    week: int


@dataclass(frozen=True)
class LastBroadcast:
    """The latest broadcast that started, and what its recipients got."""

    text: str
    sent_at: datetime | None
    recipients: int
    delivered: int  # reached them, including copies deleted for everyone afterwards
    status: str = "done"  # bot.broadcast.models.Status (never "scheduled")
    cancelled: int = 0  # stopped by a cancel before they were sent to
    failed: int = 0
    pending: int = 0


@dataclass(frozen=True)
class Stats:
    users: Change
    active_bookings: Change
    confirmed: Change
    statuses: tuple[tuple[int, Change], ...]
    registrations: Change
    blocked: Change  # people the broadcast bot cannot reach because they blocked it
    last_broadcast: LastBroadcast | None
    never_started: int = 0  # ... because they never pressed Start in it
    deactivated: int = 0  # ... because they deleted their account


@dataclass(frozen=True)
class GrowthDay:
    day: date
    new_users: int
    total: int


@dataclass(frozen=True)
class Growth:
    window: Window
    days: tuple[GrowthDay, ...]

    @property
    def new_users(self) -> int:
        return sum(d.new_users for d in self.days)

    @property
    def total(self) -> int:
        return self.days[-1].total if self.days else 0


@dataclass(frozen=True)
class DailyRow:
    day: date
    new_users: int
    bookings: int
    events: int
    registrations: int
    confirmations: int


@dataclass(frozen=True)
class Daily:
    window: Window
    rows: tuple[DailyRow, ...]


@dataclass(frozen=True)
class EventCount:
    event_type: str
    count: int


@dataclass(frozen=True)
class TopEvents:
    window: Window
    rows: tuple[EventCount, ...]
    total: int


@dataclass(frozen=True)
class Stream:
    """One course stream found in the bookings, with its bookings per status."""

    course_id: int
    stream: str
    counts: tuple[tuple[int, int], ...]  # (status, bookings) for every status in STATUSES
    last_day: date | None
    current: bool  # the course's stream with the most recent booking

    @property
    def key(self) -> str:
        """A short stable id for buttons (stream names may be long or contain ':')."""
        import hashlib

        return hashlib.sha1(f"{self.course_id}|{self.stream}".encode()).hexdigest()[:12]

    def count(self, status: int) -> int:
        return dict(self.counts).get(status, 0)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class Student:
    user_id: int
    username: str | None
    first_name: str | None
    status: int | None  # None: viewed the programme, no booking
    last_seen_at: datetime | None
    viewed_at: datetime | None = None  # programme viewers: their latest view of the programme


@dataclass(frozen=True)
class StudentsPage:
    """A page of one of a stream's two lists (``total`` counts the list shown)."""

    stream: Stream
    students: tuple[Student, ...]
    total: int
    page: int
    pages: int
    viewers: bool = False  # the list shown: programme viewers without a booking, else bookers
    bookers_total: int = 0
    viewers_total: int = 0  # 0 unless the stream is current


@dataclass(frozen=True)
class Lesson:
    lesson_type: str
    lesson_date: date
    registered: int
    attended: int
    booked: int


@dataclass(frozen=True)
class Lessons:
    first_day: date
    rows: tuple[Lesson, ...]


@dataclass(frozen=True)
class Funnel:
    window: Window
    steps: tuple[tuple[str, int], ...]  # (step name from FUNNEL_STEPS, users)


@dataclass(frozen=True)
class Cohort:
    week: date  # Monday of the first-appearance week
    size: int
    active: tuple[int, ...]  # users active in week 0, 1, … (up to the current week)


@dataclass(frozen=True)
class Retention:
    this_week: date
    cohorts: tuple[Cohort, ...]


@dataclass(frozen=True)
class Lead:
    user_id: int
    username: str | None
    first_name: str | None
    events: int
    days: int


@dataclass(frozen=True)
class Leads:
    since: date
    tiers: tuple[tuple[str, int], ...]  # (tier from LEAD_TIERS, users)
    hot: tuple[Lead, ...]
    # When the scores were computed (they are a snapshot, refreshed every minute or so);
    # None for an answer computed on the spot.
    as_of: datetime | None = None


@dataclass(frozen=True)
class UserSummary:
    user_id: int
    username: str | None
    first_name: str | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None


@dataclass(frozen=True)
class Matches:
    """The first people a search found; ``more``: others match too (refine the query)."""

    users: tuple[UserSummary, ...]
    more: bool = False


@dataclass(frozen=True)
class Booking:
    course_id: int | None
    stream: str | None
    status: int
    created_at: datetime | None


@dataclass(frozen=True)
class Registration:
    lesson_type: str | None
    lesson_date: date | None
    registered_at: datetime | None


@dataclass(frozen=True)
class Event:
    event_type: str
    created_at: datetime | None


@dataclass(frozen=True)
class Received:
    """A broadcast this user was a recipient of."""

    message_id: int
    sent_at: datetime | None
    text: str
    status: str | None
    # why it did not reach them ('blocked', 'cancelled': stopped before sending, ...)
    failure_reason: str | None = None

    @property
    def outcome(self) -> str | None:
        """delivery_status, except that a recipient a cancel stopped is "cancelled"."""
        if self.status == "failed" and self.failure_reason == "cancelled":
            return "cancelled"
        return self.status


@dataclass(frozen=True)
class Bots:
    """The console bot and the bot broadcasts go out with (the same one when one token)."""

    console_id: int
    sender_id: int

    @property
    def two(self) -> bool:
        return self.console_id != self.sender_id

    def role(self, bot_id: int) -> str:
        """ "console", "broadcast", "both" (one bot does everything) or "other" (an old one)."""
        if not self.two and bot_id in (0, self.sender_id):
            return "both"
        if bot_id in (0, self.sender_id):  # 0: recorded before reachability was per bot
            return "broadcast"
        return "console" if bot_id == self.console_id else "other"


@dataclass(frozen=True)
class Unreachable:
    """A bot that cannot reach a person: why ('blocked', 'never started', 'deactivated')."""

    bot: str  # Bots.role
    reason: str
    since: datetime


@dataclass(frozen=True)
class UserCard:
    user: UserSummary
    bookings: tuple[Booking, ...]
    registrations: tuple[Registration, ...]
    events: tuple[Event, ...]
    events_total: int
    broadcasts: tuple[Received, ...]
    unreachable: tuple[Unreachable, ...] = ()
    # the broadcast bot may reach them again (they came back to the course bot, or an admin
    # included them again): the card then says so instead of "blocked"
    broadcast_reachable: bool = True
    # the bot broadcasts go out with (Bots.role: "broadcast", or "both" when one bot)
    sender: str = "broadcast"
    # what the latest broadcast that tried them found: None (none did), "sent" or a
    # failure reason ('blocked', 'never started', 'deactivated', ...), and when
    last_outcome: str | None = None
    last_outcome_at: datetime | None = None

    @property
    def blocked_at(self) -> datetime | None:
        return self.unreachable[0].since if self.unreachable else None

    @property
    def blocked_reason(self) -> str | None:
        return self.unreachable[0].reason if self.unreachable else None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool


@dataclass(frozen=True)
class Index:
    name: str
    definition: str
    unique: bool


@dataclass(frozen=True)
class Table:
    name: str
    rows: int
    estimated: bool
    bytes: int
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...]


@dataclass(frozen=True)
class ExportFile:
    """A CSV written to a temporary file; the caller sends it and calls ``discard``."""

    path: Path
    file_name: str
    rows: int
    size: int
    too_big: bool = False  # stopped at the size limit: the file was dropped, nothing to send

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
