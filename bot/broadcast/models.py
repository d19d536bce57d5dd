"""What broadcasts are made of: audiences, content, progress and reports (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

# "unpaid" is the name broadcasts made before issue #16 stored for "all_but_paid" (kept so
# those rows still read and a broadcast scheduled then still starts).
AudienceKind = Literal[
    "everyone",
    "stream",
    "booked",
    "awaiting",
    "all_but_paid",
    "unpaid",
    "lessons",
    "individual",
]
ContentKind = Literal["text", "photo", "video", "document"]
Status = Literal["scheduled", "sending", "paused", "cancelled", "done", "deleting", "deleted"]

# failure_reason values the engine writes (texts translate them for admins)
OUTCOME_UNKNOWN = "outcome unknown"
BLOCKED = "blocked"
DEACTIVATED = "deactivated"
CHAT_NOT_FOUND = "chat not found"
NEVER_STARTED = "never started"  # 403 "bot can't initiate conversation with a user"
# Why delivery paused a broadcast by itself (the admin is told; nobody is marked failed).
TOKEN_REFUSED = "token refused"  # the broadcast bot's token got 401/404
DOWNLOAD_FAILED = "download failed"  # the admin's file could not be fetched for the course bot
# Why a bot cannot reach a person (blocked_users.reason), in the order admins see them.
UNREACHABLE_REASONS: tuple[str, ...] = ("blocked", "never started", "deactivated")
CANCELLED = "cancelled"
SERVER_ERROR = "server error"
FLOOD_LIMIT = "flood limit"
TOO_OLD = "older than 48 hours"
NETWORK = "network"  # the request never got an answer (connection lost or timed out)


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to, as the admin chose it (stored as JSON with the broadcast)."""

    kind: AudienceKind
    stream: str | None = None
    lesson: str | None = None
    user_ids: tuple[int, ...] = ()
    course: int | None = None  # a stream's course; None (older broadcasts): every course
    lesson_date: date | None = None  # one day's free lesson; None: every date

    @property
    def recipient_type(self) -> str:
        return "individual" if self.kind == "individual" else "group"

    @property
    def recipient_group(self) -> str | None:
        """The school's convention: a stream name for its students; otherwise our code."""
        if self.kind == "stream":
            return self.stream
        if self.kind == "booked":
            return f"booked:{self.stream}"
        if self.kind == "lessons":
            group = f"lessons:{self.lesson}" if self.lesson else "lessons"
            return f"{group}:{self.lesson_date.isoformat()}" if self.lesson_date else group
        if self.kind == "individual":
            return None
        return self.kind

    def query_args(self) -> dict[str, Any]:
        """Arguments of hsl_broadcast_audience()."""
        return {
            "kind": self.kind,
            "stream": self.stream,
            "lesson": self.lesson,
            "ids": list(self.user_ids),
            "course": self.course,
            "lesson_date": self.lesson_date,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stream": self.stream,
            "lesson": self.lesson,
            "user_ids": list(self.user_ids),
            "course": self.course,
            "lesson_date": self.lesson_date.isoformat() if self.lesson_date else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            kind=data["kind"],
            stream=data.get("stream"),
            lesson=data.get("lesson"),
            user_ids=tuple(int(i) for i in data.get("user_ids") or ()),
            course=data.get("course"),
            lesson_date=date.fromisoformat(day) if (day := data.get("lesson_date")) else None,
        )


@dataclass(frozen=True)
class CourseStream:
    """A stream of one course: the unit a stream audience is chosen by."""

    course: int | None
    stream: str

    @property
    def key(self) -> str:
        """Stable text naming the pair (callback refs are made of it)."""
        return f"{self.course}|{self.stream}"


@dataclass(frozen=True)
class LessonDay:
    """A free lesson on one date, with how many registered for it."""

    lesson: str
    day: date
    registrants: int

    @property
    def key(self) -> str:
        return f"{self.lesson}|{self.day.isoformat()}"


@dataclass(frozen=True)
class AudienceSize:
    """An audience counted now: recipients, who the sending bot cannot reach (left out, by
    reason), duplicates merged."""

    recipients: int
    blocked: int
    duplicates: int
    never_started: int = 0
    deactivated: int = 0


@dataclass(frozen=True)
class Reach:
    """Which bot sends broadcasts, for the question "who can it reach?" (hsl_unreachable).

    ``revive``: it is a course bot of its own, so a person active in the school's tables after
    it got a 403 from them talks to it again.
    """

    sender_id: int
    revive: bool

    def query_args(self) -> dict[str, Any]:
        return {"sender": self.sender_id, "revive": self.revive}


@dataclass(frozen=True)
class Recipients:
    """Pasted individual recipients: who was found and which entries were not."""

    user_ids: tuple[int, ...]
    unknown: tuple[str, ...]
    duplicates: int


@dataclass(frozen=True)
class Content:
    """The message every recipient gets: HTML text, or one file with an HTML caption."""

    kind: ContentKind
    text: str
    file_id: str | None = None  # the console bot's file id (what the admin sent)
    file_name: str | None = None
    buttons: tuple[tuple[str, str], ...] = ()  # (label, url), one per row

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "buttons": [list(b) for b in self.buttons],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Content:
        return cls(
            kind=data["kind"],
            text=data.get("text") or "",
            file_id=data.get("file_id"),
            file_name=data.get("file_name"),
            buttons=tuple((str(b[0]), str(b[1])) for b in data.get("buttons") or ()),
        )


@dataclass(frozen=True)
class Draft:
    """A composed broadcast waiting for confirmation; ``key`` makes confirming idempotent."""

    key: str
    author_id: int
    audience: Audience
    content: Content


@dataclass(frozen=True)
class Created:
    """The answer to a confirm: the broadcast, and whether this call created it."""

    broadcast_id: int
    created: bool
    status: str
    recipients: int = 0
    blocked: int = 0
    duplicates: int = 0
    never_started: int = 0
    deactivated: int = 0


@dataclass(frozen=True)
class Counts:
    sent: int = 0
    failed: int = 0
    deleted: int = 0
    pending: int = 0
    blocked: int = 0
    not_deleted: int = 0
    cancelled: int = 0  # stopped before sending (not errors; ``failed`` excludes them)
    run_settled: int = 0  # settled by the latest run (start or retry), for its pace


@dataclass(frozen=True)
class Broadcast:
    """One message_history row as the console shows it."""

    id: int
    status: str
    author_id: int | None
    audience: Audience | None
    content: Content | None
    message_text: str
    recipient_type: str | None
    recipient_group: str | None
    total: int
    successful: int
    excluded_blocked: int = 0
    excluded_never_started: int = 0
    excluded_deactivated: int = 0
    duplicates_removed: int = 0
    created_at: datetime | None = None
    scheduled_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    run_started_at: datetime | None = None  # the latest run: the start, or the latest retry
    author_name: str | None = None  # the author's first name or @username, when known
    paused_s: float = 0.0  # how long the latest run stood paused (the console's detail)

    @property
    def run_start(self) -> datetime | None:
        return self.run_started_at or self.started_at


@dataclass(frozen=True)
class Progress:
    """A live snapshot for the control card."""

    broadcast: Broadcast
    counts: Counts
    rate: float  # messages settled per second recently (the run's average once it ended)
    eta_s: float | None


@dataclass(frozen=True)
class Report:
    """The end of a broadcast (or a look at it in /history)."""

    broadcast: Broadcast
    counts: Counts
    reasons: list[tuple[str, int]] = field(default_factory=list)
    delete_errors: list[tuple[str, int]] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        """How long the latest run took (a retry's own time, not since the first start)."""
        b = self.broadcast
        if b.run_start is None or b.finished_at is None:
            return None
        return max(0.0, (b.finished_at - b.run_start).total_seconds())

    @property
    def rate(self) -> float | None:
        """The latest run's average pace over its sending time (pauses left out)."""
        seconds = sending_seconds(self.broadcast)
        if not seconds or not self.counts.run_settled:
            return None
        return self.counts.run_settled / seconds


def sending_seconds(broadcast: Broadcast) -> float | None:
    """How long the latest run was sending: its duration less the time it stood paused."""
    b = broadcast
    if b.run_start is None or b.finished_at is None:
        return None
    return max(0.0, (b.finished_at - b.run_start).total_seconds() - b.paused_s)


@dataclass(frozen=True)
class HistoryPage:
    items: list[Broadcast]
    page: int
    pages: int
