"""The booking desk: the old dashboard's edits of a booking, made as the course bot makes them.

An admin moves a booking to another stream of its course, sets its status, its referral code
or its discount, after seeing before → after. What the admin saw travels back with the change
as the state's :func:`version` (a short digest, small enough for a chat button's callback data);
the change is refused with the current values when the booking moved on since (a stale card).
One transaction writes the booking, the ``events`` rows the course bot writes for the same
change (``booking_status_changed`` from → to; ``payment_approved`` with ``approved_by``) and an
``audit_log`` row with before and after, so every figure and the funnel stay right.

A stream move and a new referral code or discount write no event: the course bot's events
(SPEC §1) name none for them — ``referral_code_used`` is a student typing a code, not an admin
setting one — so those changes are in ``audit_log`` only.

The chat (``bot.telegram.bookings``) and the Mini App (``bot.web``) both call
:class:`BookingDesk`; nothing here knows either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, astuple, dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.models import CANCELLED, CONFIRMED, STATUSES, Stream
from bot.db.queries import QUERIES

CARD_BOOKINGS = 20  # a person's bookings offered for editing, newest first
MAX_CODE_CHARS = 50
MAX_STREAM_CHARS = 50  # bookings.course_stream is varchar(50)
MAX_DISCOUNT = 100  # per cent
VERSION_CHARS = 8

Field = Literal["course_stream", "confirmed", "referral_code", "discount_percent"]
Via = Literal["chat", "web"]


@dataclass(frozen=True)
class State:
    """What an admin can change on a booking."""

    course_stream: str | None
    confirmed: int
    referral_code: str | None
    discount_percent: int

    @property
    def version(self) -> str:
        """A short digest of these values: a card carries it, a change must match it."""
        return version(self)


FIELDS: tuple[str, ...] = tuple(f.name for f in fields(State))


def version(state: State) -> str:
    """``state`` as :data:`VERSION_CHARS` hex digits (any change of any value changes it)."""
    digest = hashlib.blake2s(repr(astuple(state)).encode("utf-8"), digest_size=VERSION_CHARS // 2)
    return digest.hexdigest()


@dataclass(frozen=True)
class Booking:
    """One booking as the desk shows it: who, which course, when, and its :class:`State`."""

    id: int
    user_id: int
    username: str | None
    first_name: str | None
    course_id: int | None
    created_at: datetime | None
    state: State


def _booking(record: asyncpg.Record) -> Booking:
    return Booking(
        id=record["id"],
        user_id=record["user_id"],
        username=record["username"],
        first_name=record["first_name"],
        course_id=record["course_id"],
        created_at=record["created_at"],
        state=State(
            record["course_stream"],
            int(record["confirmed"] if record["confirmed"] is not None else 0),
            record["referral_code"],
            int(record["discount_percent"]),
        ),
    )


Reason = Literal[
    "nothing_to_set",
    "unknown_status",
    "discount_range",
    "code_too_long",
    "code_lines",
    "no_such_stream",
    "cancelled_not_moved",
]


class Invalid(ValueError):
    """A wanted value the desk does not write: ``field`` says which, ``reason`` why."""

    def __init__(self, field: str, reason: Reason) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason: Reason = reason


class Stale(Exception):
    """The booking is not what the card showed; ``now`` is what it is."""

    def __init__(self, now: Booking) -> None:
        super().__init__("stale card")
        self.now = now


def clean_code(raw: str | None) -> str | None:
    """A referral code as stored: trimmed, None when empty; :class:`Invalid` when too long or
    on several lines."""
    code = (raw or "").strip()
    if not code:
        return None
    if len(code) > MAX_CODE_CHARS:
        raise Invalid("referral_code", "code_too_long")
    if "\n" in code or "\r" in code:
        raise Invalid("referral_code", "code_lines")
    return code


def check(before: Booking, wanted: State, streams: tuple[str, ...]) -> None:
    """Refuse (:class:`Invalid`) what the course bot would never write; ``streams`` are the
    course's streams a booking may move to."""
    now = before.state
    if wanted.confirmed not in STATUSES:
        raise Invalid("confirmed", "unknown_status")
    if not 0 <= wanted.discount_percent <= MAX_DISCOUNT:
        raise Invalid("discount_percent", "discount_range")
    if wanted.referral_code != now.referral_code:
        clean_code(wanted.referral_code)
    if wanted.course_stream != now.course_stream:
        stream = wanted.course_stream
        if not stream or len(stream) > MAX_STREAM_CHARS or stream not in streams:
            raise Invalid("course_stream", "no_such_stream")
        if now.confirmed == CANCELLED:
            raise Invalid("course_stream", "cancelled_not_moved")


@dataclass(frozen=True)
class Change:
    """One booking: the version of the state the admin saw, and the values to set."""

    booking_id: int
    shown: str
    values: Mapping[str, Any]

    def wanted(self, now: State) -> State:
        """The state after this change, from the booking's state ``now``."""
        unknown = set(self.values) - set(FIELDS)
        if unknown or not self.values:
            raise Invalid(",".join(sorted(unknown)) or "values", "nothing_to_set")
        return replace(now, **self.values)


class BookingDesk:
    """Read bookings for editing; apply one change in one transaction."""

    def __init__(self, school: SchoolAnalytics) -> None:
        self.school = school
        self.pool = school.pool

    async def bookings_of(self, user_id: int) -> tuple[Booking, ...]:
        """A person's bookings, newest first (at most :data:`CARD_BOOKINGS`)."""
        rows = await self.pool.fetch(
            *QUERIES.desk_user_bookings(user_id=user_id, limit=CARD_BOOKINGS)
        )
        return tuple(_booking(r) for r in rows)

    async def booking(self, booking_id: int) -> Booking | None:
        """One booking as it is now (None when there is no such booking)."""
        row = await self.pool.fetchrow(*QUERIES.desk_booking(booking_id=booking_id))
        return _booking(row) if row is not None else None

    async def streams(self) -> dict[int | None, tuple[Stream, ...]]:
        """Each course's streams a booking can move to, in /courses' order: the streams its
        bookings are in."""
        found: dict[int | None, list[Stream]] = {}
        for stream in await self.school.streams():
            found.setdefault(stream.course_id, []).append(stream)
        return {course: tuple(streams) for course, streams in found.items()}

    async def apply(self, change: Change, admin_id: int, via: Via) -> Booking | None:
        """Write the change in one transaction and return the booking after it; None when there
        is no such booking. :class:`Stale` when it is not what the admin saw, :class:`Invalid`
        for a value the course bot would not write (nothing is written then)."""
        # read before taking the row lock (it asks the pool for a connection of its own)
        streams = await self.streams() if "course_stream" in change.values else {}
        async with self.pool.acquire() as conn, conn.transaction():
            found = await conn.fetchrow(
                *QUERIES.desk_booking_for_update(booking_id=change.booking_id)
            )
            if found is None:
                return None
            before = _booking(found)
            if before.state.version != change.shown:
                raise Stale(before)
            wanted = change.wanted(before.state)
            if wanted == before.state:
                return before
            check(before, wanted, tuple(s.stream for s in streams.get(before.course_id, ())))
            updated = await conn.fetchrow(
                *QUERIES.desk_booking_update(booking_id=before.id, **asdict(wanted))
            )
            assert updated is not None  # locked above: it cannot have gone
            after = _booking(updated)
            await _write_events(conn, before, after, admin_id)
            await conn.execute(
                *QUERIES.record_audit(
                    admin_id=admin_id,
                    action="booking_edit",
                    details={
                        "booking_id": before.id,
                        "user_id": before.user_id,
                        "before": asdict(before.state),
                        "after": asdict(after.state),
                        "via": via,
                    },
                )
            )
        return after


async def _write_events(
    conn: asyncpg.Connection, before: Booking, after: Booking, admin_id: int
) -> None:
    """The course bot's events for a status change (none for the other fields: see above)."""
    old, new = before.state.confirmed, after.state.confirmed
    if old == new:
        return
    changed = {"booking_id": after.id, "from": old, "to": new}
    await conn.execute(
        *QUERIES.desk_insert_event(
            user_id=after.user_id, event_type="booking_status_changed", details=changed
        )
    )
    if new == CONFIRMED:
        approved = {
            "booking_id": after.id,
            "course_id": after.course_id,
            "course_stream": after.state.course_stream,
            "approved_by": admin_id,
        }
        await conn.execute(
            *QUERIES.desk_insert_event(
                user_id=after.user_id, event_type="payment_approved", details=approved
            )
        )
