"""The booking desk: the old dashboard's edits of a booking, as the course bot would make them.

An admin moves a booking to another stream of its course, sets its status, or its referral
code and discount. The page shows before → after and sends back what it showed (``expected``);
the change is refused with the current values when the booking moved on since (a stale card).
One transaction writes the booking, the ``events`` rows the course bot writes for the same
change (``booking_status_changed`` from → to, ``payment_approved`` with ``approved_by``) and an
``audit_log`` row with before and after, so every figure and the funnel stay right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import asyncpg

from bot.analytics import SchoolAnalytics
from bot.analytics.models import CONFIRMED, STATUSES
from bot.db.queries import QUERIES
from bot.telegram.analytics.views import course_name, status_name, stream_name
from bot.telegram.texts import Texts
from bot.web.data import label

CARD_BOOKINGS = 20
MAX_CODE_CHARS = 50
MAX_STREAM_CHARS = 50  # bookings.course_stream is varchar(50)


@dataclass(frozen=True)
class State:
    """What an admin can change on a booking."""

    course_stream: str | None
    confirmed: int
    referral_code: str | None
    discount_percent: int


@dataclass(frozen=True)
class BookingRow:
    id: int
    user_id: int
    course_id: int | None
    created_at: datetime | None
    state: State


def _row(record: asyncpg.Record) -> BookingRow:
    return BookingRow(
        record["id"],
        record["user_id"],
        record["course_id"],
        record["created_at"],
        State(
            record["course_stream"],
            int(record["confirmed"] if record["confirmed"] is not None else 0),
            record["referral_code"],
            int(record["discount_percent"]),
        ),
    )


def _state(data: Any) -> State:
    if not isinstance(data, dict):
        raise ValueError("a booking state is an object")
    code = data.get("referral_code")
    code = str(code).strip() or None if code is not None else None
    stream = data.get("course_stream")
    return State(
        str(stream) if stream is not None else None,
        int(data["confirmed"]),
        code,
        int(data.get("discount_percent") or 0),
    )


@dataclass(frozen=True)
class Change:
    """One booking: what the card showed (``expected``) and what the admin wants (``wanted``)."""

    booking_id: int
    expected: State
    wanted: State

    @classmethod
    def from_json(cls, booking_id: int, body: Any) -> Change:
        if not isinstance(body, dict):
            raise ValueError("the body is an object")
        expected = _state(body["expected"])
        wanted = replace(expected, **_fields(body["set"]))
        if wanted.confirmed not in STATUSES:
            raise ValueError("unknown status")
        if not 0 <= wanted.discount_percent <= 100:
            raise ValueError("discount is 0–100 %")
        if wanted.referral_code is not None and len(wanted.referral_code) > MAX_CODE_CHARS:
            raise ValueError("referral code too long")
        if not wanted.course_stream or len(wanted.course_stream) > MAX_STREAM_CHARS:
            raise ValueError("bad stream")
        return cls(booking_id, expected, wanted)


def _fields(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        raise ValueError("nothing to set")
    fields: dict[str, Any] = {}
    if "course_stream" in data:
        fields["course_stream"] = str(data["course_stream"]).strip()
    if "confirmed" in data:
        fields["confirmed"] = int(data["confirmed"])
    if "referral_code" in data:
        code = data["referral_code"]
        fields["referral_code"] = str(code).strip() or None if code is not None else None
    if "discount_percent" in data:
        fields["discount_percent"] = int(data["discount_percent"])
    if not fields:
        raise ValueError("nothing to set")
    return fields


class Stale(Exception):
    """The booking is not what the card showed; ``now`` is what it is."""

    def __init__(self, now: BookingRow) -> None:
        super().__init__("stale card")
        self.now = now


class BookingDesk:
    """Read a person's bookings for editing; apply one change."""

    def __init__(self, school: SchoolAnalytics) -> None:
        self.school = school
        self.pool = school.pool

    def shown(self, texts: Texts, booking: BookingRow) -> dict[str, Any]:
        state = booking.state
        return {
            "id": booking.id,
            "course_id": booking.course_id,
            "course_name": label(course_name(texts, booking.course_id)),
            "created_at": booking.created_at.isoformat() if booking.created_at else None,
            "state": asdict(state),
            "stream_name": label(stream_name(texts, state.course_stream)),
            "status_name": label(status_name(texts, state.confirmed)),
        }

    async def editable(self, texts: Texts, user_id: int) -> dict[str, Any]:
        """A person's bookings, the streams each can move to and the statuses to choose."""
        rows = await self.pool.fetch(
            *QUERIES.web_user_bookings(user_id=user_id, limit=CARD_BOOKINGS)
        )
        streams: dict[str, list[dict[str, str]]] = {}
        for s in await self.school.streams():
            streams.setdefault(str(s.course_id), []).append(
                {"stream": s.stream, "name": label(stream_name(texts, s.stream))}
            )
        return {
            "bookings": [self.shown(texts, _row(r)) for r in rows],
            "streams": streams,
            "statuses": [{"value": s, "name": label(status_name(texts, s))} for s in STATUSES],
        }

    async def allowed_streams(self, course_id: int | None) -> set[str]:
        return {s.stream for s in await self.school.streams() if s.course_id == course_id}

    async def apply(self, change: Change, admin_id: int) -> BookingRow | None:
        """Write the change in one transaction; None: no such booking; :class:`Stale`."""
        async with self.pool.acquire() as conn, conn.transaction():
            found = await conn.fetchrow(
                *QUERIES.web_booking_for_update(booking_id=change.booking_id)
            )
            if found is None:
                return None
            before = _row(found)
            if before.state != change.expected:
                raise Stale(before)
            wanted = change.wanted
            if wanted.course_stream != before.state.course_stream:
                if wanted.course_stream not in await self.allowed_streams(before.course_id):
                    raise ValueError("no such stream for this course")
                if before.state.confirmed == -1:
                    raise ValueError("a cancelled booking is not moved")
            if wanted == before.state:
                return before
            updated = await conn.fetchrow(
                *QUERIES.web_booking_update(booking_id=before.id, **asdict(wanted))
            )
            assert updated is not None
            after = _row(updated)
            await self._events(conn, before, after, admin_id)
            await conn.execute(
                *QUERIES.record_audit(
                    admin_id=admin_id,
                    action="booking_edit",
                    details={
                        "booking_id": before.id,
                        "user_id": before.user_id,
                        "before": asdict(before.state),
                        "after": asdict(after.state),
                        "via": "web",
                    },
                )
            )
        return after

    @staticmethod
    async def _events(
        conn: asyncpg.Connection, before: BookingRow, after: BookingRow, admin_id: int
    ) -> None:
        old, new = before.state.confirmed, after.state.confirmed
        if old == new:
            return
        change = {"booking_id": after.id, "from": old, "to": new}
        await conn.execute(
            *QUERIES.web_insert_event(
                user_id=after.user_id, event_type="booking_status_changed", details=change
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
                *QUERIES.web_insert_event(
                    user_id=after.user_id, event_type="payment_approved", details=approved
                )
            )
