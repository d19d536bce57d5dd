"""The synthetic school: what each person does with the course bot once they arrive.

A journey is drawn from the person's own random stream (seeded from the run's seed), so it can
be replayed exactly: once to count the events it needs, once to write them. Times are seconds
from the window's origin (bot/seed/timeline.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from random import Random

from bot.seed.people import People, Profile
from bot.seed.timeline import DAY, HOUR, Window

EVENT_TYPES = (
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
)
STREAMS = ("3rd_stream", "4th_stream", "5th_stream", "6th_stream", "7th_stream", "8th_stream")
MENTORING = "mentoring"


@dataclass(frozen=True)
class Workshop:
    """A weekly free lesson: its weekday, and from which share of the window it runs."""

    lesson_type: str
    weekday: int
    opens_at: float
    weight: float


WORKSHOPS = (
    Workshop("cursor_lesson", 1, 0.0, 0.45),
    Workshop("vibecoding_lesson", 3, 0.0, 0.35),
    Workshop("claude_code_lesson", 5, 0.45, 0.20),
)
LESSON_START = 16 * HOUR  # 19:00 in Moscow
REMINDER_AT = 7 * HOUR  # 10:00 in Moscow on the lesson day

REFERRAL_CODES = (("FRIEND10", 10), ("VIBE15", 15), ("ALUMNI20", 20), ("TGCHANNEL", 10))
STALE_CALLBACKS = ("menu_main", "pay_later", "stream_3rd", "old_promo", "back", "remind_ok")

# Where each booking is heading, given enough time: confirmed, cancelled, proof sent, created.
OUTCOME_CONFIRMED = 0.43
OUTCOME_CANCELLED = OUTCOME_CONFIRMED + 0.15
OUTCOME_PROOF = OUTCOME_CANCELLED + 0.12

# Events beyond the journeys: browsing, restarts, stale buttons (cumulative shares).
FILLER_VIEW_PROGRAM = 0.46
FILLER_START = FILLER_VIEW_PROGRAM + 0.20
FILLER_FREE_LESSON_INFO = FILLER_START + 0.20
FILLER_REFERRAL = FILLER_FREE_LESSON_INFO + 0.015

NULL = "\\N"  # COPY text format's NULL


@cache
def details_text(**fields: object) -> str:
    """A details object as COPY text; the few distinct ones are built once."""
    text = json.dumps(fields, ensure_ascii=False, separators=(", ", ": "))
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


# A journey's rows; the person's id and profile are filled in by the caller.
Event = tuple[int, str, str]  # (seconds, event_type, details as COPY text)


@dataclass
class Journey:
    """Everything one person did, apart from idle browsing."""

    profile: Profile
    events: list[Event]
    bookings: list[tuple[int, str, int, int, str | None, int]]
    registrations: list[tuple[int, bool, str, date]]
    engagement: float


class School:
    """The rules of the synthetic school over one window."""

    def __init__(self, window: Window, intensity: float) -> None:
        self.window = window
        # Fewer leads and buyers when the event budget per person is small.
        self.intensity = intensity
        self.people = People()

    def restart(self) -> None:
        """Forget the usernames drawn so far, to replay the same people from the start."""
        self.people = People()

    # -- calendar -----------------------------------------------------------------------
    def stream_for(self, rng: Random, seconds: int) -> str:
        """The cohort taking bookings at a moment: later streams for later dates."""
        index = min(len(STREAMS) - 1, seconds * len(STREAMS) // (self.window.now_s + 1))
        if index < len(STREAMS) - 1 and rng.random() < 0.12:
            index += 1  # booked early for the next cohort
        return STREAMS[index]

    def next_workshop(self, rng: Random, workshop: Workshop, seconds: int) -> int:
        """The day (from the origin) of the first such lesson starting after a moment."""
        day = seconds // DAY
        weekday = (self.window.origin.weekday() + day) % 7
        day += (workshop.weekday - weekday) % 7
        if day * DAY + LESSON_START <= seconds:
            day += 7
        if rng.random() < 0.1:
            day += 7  # this week's is full or inconvenient
        return day

    def open_workshops(self, seconds: int) -> list[Workshop]:
        return [w for w in WORKSHOPS if seconds >= w.opens_at * self.window.now_s]

    # -- journeys -----------------------------------------------------------------------
    def journey(self, rng: Random, arrival: int) -> Journey:
        """What one person arriving at ``arrival`` does (always in the same order of draws)."""
        now = self.window.now_s
        profile = self.people.draw(rng)
        events: list[Event] = []
        touch = rng.random()
        if touch < 0.88:
            events.append((arrival, "start_command", _start_details(rng)))
        elif touch < 0.93:
            events.append((arrival, "view_program", details_text(course_id=1)))
        elif touch < 0.98:
            events.append((arrival, "free_lesson_info_viewed", NULL))
        else:
            events.append((arrival, "unknown_callback", _stale_callback(rng)))
        journey = Journey(profile, events, [], [], min(40.0, rng.paretovariate(1.6)))

        lead = rng.random() < 0.30 * self.intensity
        if lead:
            self._free_lessons(rng, arrival, journey)
            journey.engagement *= 1.5
        elif rng.random() < 0.06 * self.intensity:
            moment = arrival + 1 + int(rng.expovariate(1 / DAY))
            if moment <= now:
                events.append((max(arrival, moment - 120), "free_lesson_info_viewed", NULL))
                kind = WORKSHOPS[rng.randrange(len(WORKSHOPS))].lesson_type
                events.append(
                    (moment, "free_lesson_registration_started", details_text(lesson_type=kind))
                )
        if rng.random() < (0.26 if lead else 0.10) * self.intensity:
            self._bookings(rng, arrival, journey)
            journey.engagement *= 2.0
        return journey

    def _free_lessons(self, rng: Random, arrival: int, journey: Journey) -> None:
        now = self.window.now_s
        wanted = 1 if rng.random() < 0.72 else (2 if rng.random() < 0.8 else 3)
        if rng.random() < 0.35:
            moment = arrival + rng.randint(60, 1800)
        else:
            moment = arrival + 60 + int(rng.expovariate(1 / (2 * DAY)))
        seen: set[tuple[str, int]] = set()
        for _ in range(wanted):
            if moment > now:
                return
            workshops = self.open_workshops(moment)
            workshop = rng.choices(workshops, [w.weight for w in workshops])[0]
            day = self.next_workshop(rng, workshop, moment)
            key = (workshop.lesson_type, day)
            if key not in seen:
                seen.add(key)
                self._register(rng, arrival, moment, workshop.lesson_type, day, journey)
            moment += 60 + int(rng.expovariate(1 / (4 * DAY)))

    def _register(
        self, rng: Random, arrival: int, moment: int, kind: str, day: int, journey: Journey
    ) -> None:
        now = self.window.now_s
        lesson_date = self.window.day(day)
        about = details_text(lesson_type=kind, lesson_date=lesson_date.isoformat())
        events = journey.events
        started = max(arrival, moment - rng.randint(20, 240))
        viewed = max(arrival, started - rng.randint(30, 900))
        events.append((viewed, "free_lesson_info_viewed", NULL))
        chosen = details_text(lesson_type=kind)
        events.append((started, "free_lesson_registration_started", chosen))
        events.append((moment, "free_lesson_registered", about))
        reminder = max(day * DAY + REMINDER_AT, moment + 60)
        reminded = reminder <= now and rng.random() < 0.97
        if reminded:
            events.append((reminder, "free_lesson_reminder_sent", about))
        clicked = max(moment + 60, day * DAY + LESSON_START + rng.randint(-300, 900))
        if clicked <= now and rng.random() < (0.45 if reminded else 0.25):
            events.append((clicked, "lesson_link_clicked", about))
        journey.registrations.append((moment, reminded, kind, lesson_date))

    def _bookings(self, rng: Random, arrival: int, journey: Journey) -> None:
        now = self.window.now_s
        if rng.random() < 0.35:
            moment = arrival + rng.randint(120, 3 * HOUR)
        else:
            moment = arrival + 60 + int(rng.expovariate(1 / (1.5 * DAY)))
        while moment <= now:
            self._book(rng, arrival, moment, journey)
            if rng.random() >= 0.1:
                return
            moment += HOUR + int(rng.expovariate(1 / (7 * DAY)))  # a second seat

    def _book(self, rng: Random, arrival: int, moment: int, journey: Journey) -> None:
        now = self.window.now_s
        events = journey.events
        if rng.random() < 0.06:
            course, stream = 2, MENTORING
        else:
            course, stream = (1 if rng.random() < 0.7 else 2), self.stream_for(rng, moment)
        seat = details_text(course_id=course, course_stream=stream)
        code: str | None = None
        discount = 0
        if rng.random() < 0.18:
            code, discount = REFERRAL_CODES[rng.randrange(len(REFERRAL_CODES))]
            used = max(arrival, moment - rng.randint(30, 600))
            events.append((used, "referral_code_used", details_text(code=code)))
        viewed = max(arrival, moment - rng.randint(60, 1800))
        events.append((viewed, "view_program", details_text(course_id=course)))
        events.append((moment, "booking_created", seat))

        outcome = rng.random()
        if outcome < OUTCOME_CONFIRMED:
            target = 2
        elif outcome < OUTCOME_CANCELLED:
            target = -1
        else:
            target = 1 if outcome < OUTCOME_PROOF else 0
        proof = moment + 120 + int(rng.expovariate(1 / (6 * HOUR)))
        review = proof + 300 + int(rng.expovariate(1 / (8 * HOUR)))
        cancel = moment + 600 + int(rng.expovariate(1 / (2 * DAY)))
        sends_proof = target > 0
        if target == -1 and rng.random() < 0.35:
            sends_proof, cancel = True, review  # the proof was rejected
        status = 0
        if sends_proof and proof <= now:
            events.append((proof, "payment_proof_uploaded", details_text(course_id=course)))
            events.append((proof, "booking_status_changed", _status_change(0, 1)))
            status = 1
        if target == 2 and status == 1 and review <= now:
            events.append((review, "payment_approved", seat))
            events.append((review, "booking_status_changed", _status_change(1, 2)))
            status = 2
        elif target == -1 and cancel <= now:
            events.append((cancel, "booking_cancelled", seat))
            events.append((cancel, "booking_status_changed", _status_change(status, -1)))
            status = -1
        journey.bookings.append((moment, stream, course, status, code, discount))

    # -- idle browsing ------------------------------------------------------------------
    def fillers(self, rng: Random, arrival: int, count: int, out: list[Event]) -> None:
        """``count`` browsing events after arrival, most of them soon after it."""
        span = self.window.now_s - arrival - 1
        rand = rng.random
        course_1 = details_text(course_id=1)
        course_2 = details_text(course_id=2)
        for _ in range(count):
            moment = arrival + 1 + int(span * rand() ** 2) if span > 0 else self.window.now_s
            kind = rand()
            if kind < FILLER_VIEW_PROGRAM:
                out.append((moment, "view_program", course_1 if rand() < 0.65 else course_2))
            elif kind < FILLER_START:
                out.append((moment, "start_command", NULL))
            elif kind < FILLER_FREE_LESSON_INFO:
                out.append((moment, "free_lesson_info_viewed", NULL))
            elif kind < FILLER_REFERRAL:
                code = REFERRAL_CODES[int(rand() * len(REFERRAL_CODES))][0]
                out.append((moment, "referral_code_used", details_text(code=code)))
            else:
                out.append((moment, "unknown_callback", _stale_callback(rng)))


def _start_details(rng: Random) -> str:
    # Deep links from the channel and ads carry a start parameter; most starts have none.
    pick = rng.random()
    if pick < 0.7:
        return NULL
    return details_text(start_param="channel" if pick < 0.85 else "ads")


def _stale_callback(rng: Random) -> str:
    return details_text(data=STALE_CALLBACKS[rng.randrange(len(STALE_CALLBACKS))])


def _status_change(before: int, after: int) -> str:
    return details_text(**{"from": before, "to": after})
