"""The demo school as Telegram sees it: its people in the stand-in, each with a state per bot.

A deployment has two bots: the console bot the admins talk to, and the school's course bot
(``BROADCAST_BOT_TOKEN``) that the students pressed Start in. The sandbox runs both, and gives
every person in the school's tables a realistic state: nearly all started the course bot, a
few blocked it, a few never started it, one deleted their account; none of them ever opened
the console bot. The admin started both and is a school user too, so "Test to me" and a
broadcast to themselves arrive.

The states are drawn from a fixed seed over the ids in order, so a replayed script meets the
same people in the same states on every run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from random import Random
from typing import Any

from bot.db.queries import QUERIES

CONSOLE_TOKEN = "1234567:sandbox-console"
CONSOLE_USERNAME = "hsl_sandbox_bot"
COURSE_TOKEN = "7654321:sandbox-course"
COURSE_USERNAME = "school_course_bot"
STATES_SEED = 7
BLOCKED_SHARE = 0.03
NEVER_STARTED_SHARE = 0.02
DEACTIVATED = 1


@dataclass(frozen=True)
class Population:
    """How many demo people are in each state with the course bot."""

    started: int
    blocked: int
    never_started: int
    deactivated: int
    admin_in_school: bool  # the admin is one of the school's users (the demo data makes it so)

    @property
    def total(self) -> int:
        return self.started + self.blocked + self.never_started + self.deactivated


def course_states(user_ids: list[int]) -> dict[int, str]:
    """The state of each person with the course bot; most started it."""
    people = sorted(user_ids)
    count = len(people)
    blocked = max(1, round(count * BLOCKED_SHARE)) if count >= 3 else 0
    never = max(1, round(count * NEVER_STARTED_SHARE)) if count >= 3 else 0
    deleted = DEACTIVATED if count >= 3 else 0
    odd_ones = Random(STATES_SEED).sample(people, blocked + never + deleted)
    states = dict.fromkeys(people, "started")
    for index, user_id in enumerate(odd_ones):
        if index < blocked:
            states[user_id] = "blocked"
        elif index < blocked + never:
            states[user_id] = "never_started"
        else:
            states[user_id] = "deactivated"
    return states


async def join_school(connection: Any, admin_id: int) -> None:
    """The admin pressed Start in the demo school's course bot: a school user like the rest.

    Only for the demo data the sandbox made: a real school's tables (DATABASE_URL) are the
    course bot's, never written by hsl-bot.
    """
    await connection.execute(*QUERIES.sandbox_join_school(user_id=admin_id))


async def populate(
    standin: Any, connection: Any, admin_id: int, admin_language: str = "en"
) -> Population:
    """Register both bots and create the school's people, each in a state with each bot."""
    standin.add_bot(CONSOLE_TOKEN, CONSOLE_USERNAME)
    standin.add_bot(COURSE_TOKEN, COURSE_USERNAME)
    rows = await connection.fetch(*QUERIES.sandbox_school_people())
    people = {row["user_id"]: row for row in rows if row["user_id"] != admin_id}
    states = course_states(list(people))
    for user_id, state in states.items():
        row = people[user_id]
        standin.create_user(
            user_id,
            first_name=row["first_name"] or "—",
            username=row["username"],
            language_code="ru",
            started=False,
            # those who blocked the course bot had started it first
            started_bots=[COURSE_TOKEN] if state in ("started", "blocked") else [],
            blocked_bots=[COURSE_TOKEN] if state == "blocked" else [],
            deactivated=state == "deactivated",
        )
    standin.create_user(
        admin_id,
        first_name="Admin",
        username="admin",
        language_code=admin_language,
        started=True,
    )
    tally = Counter(states.values())
    in_school = any(row["user_id"] == admin_id for row in rows)
    return Population(
        started=tally["started"] + in_school,
        blocked=tally["blocked"],
        never_started=tally["never_started"],
        deactivated=tally["deactivated"],
        admin_in_school=in_school,
    )
