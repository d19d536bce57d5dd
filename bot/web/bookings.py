"""The booking desk on the page: the desk's bookings as JSON, and a change read from JSON.

The desk itself (reading, checking, writing the booking with the course bot's events and
audit_log, refusing a stale card) is :mod:`bot.school.bookings`, which the chat's /user card
calls too. The page sends back the state its card showed (``expected``) and the values to set.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.analytics.models import STATUSES
from bot.school import Booking, BookingDesk, Change, State
from bot.telegram.analytics.views import course_name, status_name, stream_name
from bot.telegram.texts import Texts
from bot.web.data import label


def _code(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _state(data: Any) -> State:
    if not isinstance(data, dict):
        raise ValueError("a booking state is an object")
    stream = data.get("course_stream")
    return State(
        str(stream) if stream is not None else None,
        int(data["confirmed"]),
        _code(data.get("referral_code")),
        int(data.get("discount_percent") or 0),
    )


def _values(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("nothing to set")
    values: dict[str, Any] = {}
    if "course_stream" in data:
        values["course_stream"] = str(data["course_stream"]).strip()
    if "confirmed" in data:
        values["confirmed"] = int(data["confirmed"])
    if "referral_code" in data:
        values["referral_code"] = _code(data["referral_code"])
    if "discount_percent" in data:
        values["discount_percent"] = int(data["discount_percent"])
    if not values:
        raise ValueError("nothing to set")
    return values


def change_from_json(booking_id: int, body: Any) -> Change:
    """``{"expected": <the state the card showed>, "set": {<field>: <value>, …}}`` as a change
    (ValueError, TypeError or KeyError when it is not one)."""
    if not isinstance(body, dict):
        raise ValueError("the body is an object")
    expected = _state(body["expected"])
    return Change(booking_id, expected.version, _values(body["set"]))


def shown(texts: Texts, booking: Booking) -> dict[str, Any]:
    """One booking as the page's card shows it, with the chat's names for its codes."""
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


async def editable(desk: BookingDesk, texts: Texts, user_id: int) -> dict[str, Any]:
    """A person's bookings, the streams each course's bookings can move to, the statuses."""
    streams = {
        str(course): [
            {"stream": s.stream, "name": label(stream_name(texts, s.stream))} for s in found
        ]
        for course, found in (await desk.streams()).items()
    }
    return {
        "bookings": [shown(texts, b) for b in await desk.bookings_of(user_id)],
        "streams": streams,
        "statuses": [{"value": s, "name": label(status_name(texts, s))} for s in STATUSES],
    }
