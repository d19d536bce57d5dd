"""Turn options into rows: plan who arrives when and how many events each person gets, then
replay every journey in arrival order and hand the rows over in batches.

The event count is exact: journeys are replayed once to count their events, and the rest of
the budget is spread as browsing over people in proportion to how engaged they are. When the
budget cannot even cover the journeys (far fewer events than people), events are left out at
random, but every booking and registration still has its row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from random import Random

from bot.seed.school import Event, Journey, School
from bot.seed.timeline import DAY, Window, arrival_times

FIRST_USER_ID = 100_000_000
USER_ID_SPAN = 6_900_000_000  # Telegram-like ids, 100000000 … 7000000000
BATCH_EVENTS = 50_000

Booking = tuple[int, str | None, str | None, int, str, int, datetime, str | None, int]
Registration = tuple[int, str | None, str | None, str, datetime, bool, str, date]


@dataclass(frozen=True)
class Plan:
    """Who arrives when, with their own random seeds and how much browsing each does."""

    school: School
    user_ids: list[int]
    arrivals: list[int]
    seeds: list[int]
    browsing: list[int]
    left_out: frozenset[int]  # positions among journey events dropped to meet the budget
    events: int


@dataclass
class Batch:
    """Rows ready for the database; events as lines of COPY text."""

    events: list[str] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    users: int = 0


def intensity_for(users: int, events: int) -> float:
    """How much of the full journey people get: all of it from ~5 events per person."""
    return min(1.0, max(0.05, (events / users - 1.2) / 3.8))


def make_plan(
    *,
    users: int,
    events: int,
    window: Window,
    seed: int,
    first_user_id: int = FIRST_USER_ID,
    tick: Callable[[int], None] | None = None,
) -> Plan:
    """Draw arrivals and seeds, count every journey's events and share out the rest."""
    rng = Random(seed)
    school = School(window, intensity_for(users, events))
    school.restart()
    arrivals = arrival_times(rng, window, users)
    user_ids = rng.sample(range(first_user_id, first_user_id + USER_ID_SPAN), users)
    seeds = [rng.getrandbits(64) for _ in range(users)]

    needed = []
    engagement = []
    for index, (arrival, person_seed) in enumerate(zip(arrivals, seeds, strict=True)):
        journey = school.journey(Random(person_seed), arrival)
        needed.append(len(journey.events))
        engagement.append(journey.engagement)
        if tick is not None and index % 1000 == 999:
            tick(1000)
    if tick is not None:
        tick(users % 1000)

    total_needed = sum(needed)
    left_out = frozenset(rng.sample(range(total_needed), max(0, total_needed - events)))
    spare = max(0, events - total_needed)
    weight = sum(engagement)
    browsing = [int(spare * share / weight) for share in engagement]
    for index in rng.choices(range(users), engagement, k=spare - sum(browsing)):
        browsing[index] += 1
    return Plan(school, user_ids, arrivals, seeds, browsing, left_out, events)


def batches(plan: Plan, batch_events: int = BATCH_EVENTS) -> Iterator[Batch]:
    """Replay every journey in arrival order; yield rows about every ``batch_events`` events."""
    school = plan.school
    school.restart()  # the replay draws the same people again
    window = school.window
    day_texts: dict[int, str] = {}
    batch = Batch()
    pending: list[tuple[int, int, str, str]] = []
    position = 0
    written = 0
    for user_id, arrival, person_seed, browsing in zip(
        plan.user_ids, plan.arrivals, plan.seeds, plan.browsing, strict=True
    ):
        rng = Random(person_seed)
        journey = school.journey(rng, arrival)
        own: list[Event] = journey.events
        if plan.left_out:
            own = [e for k, e in enumerate(own) if position + k not in plan.left_out]
        position += len(journey.events)
        school.fillers(rng, arrival, browsing, own)
        _add_rows(batch, user_id, journey, window)
        if own or journey.bookings or journey.registrations:
            batch.users += 1
        pending.extend((moment, user_id, kind, details) for moment, kind, details in own)
        if len(pending) >= batch_events:
            written += len(pending)
            batch.events = _event_lines(pending, window, day_texts)
            yield batch
            batch, pending = Batch(), []
    written += len(pending)
    batch.events = _event_lines(pending, window, day_texts)
    if written != plan.events:
        raise AssertionError(f"seed plan wrote {written} events, not {plan.events}")
    yield batch


def _add_rows(batch: Batch, user_id: int, journey: Journey, window: Window) -> None:
    """One person's bookings and registrations, as COPY rows."""
    profile = journey.profile
    for moment, stream, course, status, code, discount in journey.bookings:
        batch.bookings.append(
            (
                user_id,
                profile.username,
                profile.first_name,
                course,
                stream,
                status,
                window.at(moment),
                code,
                discount,
            )
        )
    for moment, reminded, kind, lesson_date in journey.registrations:
        batch.registrations.append(
            (
                user_id,
                profile.username,
                profile.first_name,
                profile.email,
                window.at(moment),
                reminded,
                kind,
                lesson_date,
            )
        )


def _event_lines(
    pending: list[tuple[int, int, str, str]], window: Window, day_texts: dict[int, str]
) -> list[str]:
    # Ids follow time within a batch, as they would from the course bot. The origin is UTC
    # midnight, so a moment is its day's date and the time of day, in UTC.
    pending.sort(key=itemgetter(0))
    lines = []
    for moment, user_id, kind, details in pending:
        day, second = divmod(moment, DAY)
        day_text = day_texts.get(day)
        if day_text is None:
            day_text = day_texts[day] = window.day(day).isoformat()
        hour, rest = divmod(second, 3600)
        minute, second = divmod(rest, 60)
        lines.append(
            f"{user_id}\t{kind}\t{details}\t{day_text} {hour:02d}:{minute:02d}:{second:02d}+00\n"
        )
    return lines
