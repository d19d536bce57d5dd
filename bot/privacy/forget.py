"""Erase one person's personal data on request (/forget), keeping every figure right.

Names, usernames and e-mails become nothing (NULL, or '' where the school's column is NOT
NULL) in the school's three tables and in hsl-bot's own; personal fields leave the details of
the person's events (course_id and the like stay); their conversation state goes; audit
details and other conversations lose any value that is theirs. Ids and timestamps stay, so
every count, chart and rollup is what it was. All of it happens in one transaction, and an
audit row records who asked, when, whose data and how many rows per table — no personal data.

A preview runs the very same statements in a transaction that is rolled back, so the counts
an admin confirms are the counts the erasure will report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.db.queries import QUERIES

# Fields of an event's details (at any depth) that hold personal data. The course bot adds
# username and first_name to every event and email to free_lesson_registered; the others are
# what a Telegram user or contact object carries.
PERSONAL_KEYS: tuple[str, ...] = (
    "username",
    "first_name",
    "last_name",
    "full_name",
    "name",
    "email",
    "phone",
    "phone_number",
    "contact",
)
# Of those, the ones whose values are distinctive enough to look for inside longer texts.
DISTINCTIVE_KEYS: tuple[str, ...] = ("username", "email", "phone", "phone_number")
# Where personal data can be, in the order an admin reads them.
TABLES: tuple[str, ...] = (
    "bookings",
    "free_lesson_registrations",
    "events",
    "users",
    "message_recipients",
    "fsm_state",
    "audit_log",
)
AUDIT_ACTION = "forget"
USERNAME_MATCHES = 10  # people listed when several have used one @username

_ID = re.compile(r"^\d{1,15}$")  # Telegram user ids fit in 52 bits
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{2,31})$")  # Telegram: starts with a letter

Target = int | str  # a user id, or a username (without @)


def parse_target(text: str | None) -> Target | None:
    """``123`` → 123, ``@anna`` (or ``anna``) → "anna"; None for anything else."""
    text = (text or "").strip()
    if _ID.match(text):
        return int(text)
    if match := _USERNAME.match(text):
        return match.group(1)
    return None


@dataclass(frozen=True)
class Erasure:
    """Rows that lose (or would lose) personal data, per table in TABLES order."""

    user_id: int
    rows: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.rows)


@dataclass(frozen=True)
class Preview:
    """What /forget would do: who the argument names and, for exactly one person, what changes."""

    user_ids: tuple[int, ...]
    erasure: Erasure | None = None
    username: str | None = None  # as the database knows them now, to confirm it's the right one
    first_name: str | None = None


class _DryRun(Exception):
    """Raised inside a preview's transaction to roll it back."""


class PrivacyService:
    """Previews and performs erasures; called by /forget and by tests."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def preview(self, target: Target) -> Preview:
        """Whom ``target`` names; for one person, what erasing them would change."""
        if isinstance(target, int):
            user_ids: tuple[int, ...] = (target,)
        else:
            rows = await self.pool.fetch(
                *QUERIES.privacy_ids_by_username(username=target, limit=USERNAME_MATCHES)
            )
            user_ids = tuple(row["user_id"] for row in rows)
        if len(user_ids) != 1:
            return Preview(user_ids)
        user_id = user_ids[0]
        async with self.pool.acquire() as conn:
            person = await conn.fetchrow(*QUERIES.privacy_person(user_id=user_id))
            erasure: Erasure | None = None
            try:
                async with conn.transaction():
                    erasure = await _erase(conn, user_id)
                    raise _DryRun
            except _DryRun:
                pass
        assert erasure is not None
        return Preview(
            user_ids,
            erasure,
            username=person["username"] if person else None,
            first_name=person["first_name"] if person else None,
        )

    async def forget(self, admin_id: int, user_id: int) -> Erasure:
        """Erase ``user_id``'s personal data and record it; a second time changes nothing."""
        async with self.pool.acquire() as conn, conn.transaction():
            erasure = await _erase(conn, user_id)
            if erasure.total:
                details: dict[str, Any] = {"user_id": user_id, "rows": dict(erasure.rows)}
                await conn.execute(
                    *QUERIES.record_audit(admin_id=admin_id, action=AUDIT_ACTION, details=details)
                )
        return erasure


async def _erase(conn: asyncpg.Connection, user_id: int) -> Erasure:
    """Blank everything personal about ``user_id``, inside the caller's transaction."""
    found = await conn.fetchrow(
        *QUERIES.privacy_identifiers(
            user_id=user_id, keys=list(PERSONAL_KEYS), distinctive_keys=list(DISTINCTIVE_KEYS)
        )
    )
    assert found is not None
    values = {"exact": list(found["exact"]), "contained": list(found["contained"])}
    counts = {
        "bookings": await conn.fetchval(*QUERIES.privacy_forget_bookings(user_id=user_id)),
        "free_lesson_registrations": await conn.fetchval(
            *QUERIES.privacy_forget_registrations(user_id=user_id)
        ),
        "events": await conn.fetchval(
            *QUERIES.privacy_forget_events(user_id=user_id, keys=list(PERSONAL_KEYS), **values)
        ),
        "users": await conn.fetchval(*QUERIES.privacy_forget_user(user_id=user_id)),
        "fsm_state": await conn.fetchval(*QUERIES.privacy_forget_fsm(user_id=user_id, **values)),
        "audit_log": await conn.fetchval(*QUERIES.privacy_forget_audit(**values))
        if values["exact"]
        else 0,
        # Last: it locks the person's broadcasts (migration 0092's trigger), which holds up
        # their sender until this transaction ends.
        "message_recipients": await conn.fetchval(
            *QUERIES.privacy_forget_recipients(user_id=user_id)
        ),
    }
    return Erasure(user_id, tuple((table, int(counts[table])) for table in TABLES))
