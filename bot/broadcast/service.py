"""BroadcastService: what handlers, the scheduler and the tests call."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from aiogram.types import Message

from bot.broadcast.audiences import audience_size, resolve_recipients
from bot.broadcast.control_card import Presenter
from bot.broadcast.delivery import Delivery
from bot.broadcast.models import (
    OUTCOME_UNKNOWN,
    Audience,
    AudienceSize,
    Broadcast,
    Content,
    CourseStream,
    Created,
    Draft,
    HistoryPage,
    LessonDay,
    Reach,
    Recipients,
    Report,
)
from bot.broadcast.outgoing import send_content, transfer_file
from bot.broadcast.store import (
    RecipientsCsv,
    fetch_report,
    fetch_shown,
    recipients_csv,
    to_broadcast,
    with_author_names,
)
from bot.db.queries import QUERIES

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.config import Settings

logger = logging.getLogger(__name__)

HISTORY_PAGE = 8
UPCOMING_LESSONS = 20  # lesson dates offered as audiences (the nearest ones)


class BroadcastService:
    """Create, deliver, control and report broadcasts."""

    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, console_bot: Bot, sender_bot: Bot
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.console_bot = console_bot
        self.sender_bot = sender_bot
        # Who can be reached is a question about the bot that sends (SPEC §6).
        self.reach = Reach(sender_id=sender_bot.id, revive=sender_bot is not console_bot)
        self.delivery = Delivery(pool, settings, console_bot, sender_bot, self.reach)

    @property
    def two_bots(self) -> bool:
        return self.sender_bot is not self.console_bot

    # lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Begin background delivery (resume unfinished broadcasts)."""
        await self.delivery.start()

    async def stop(self) -> None:
        """Stop background delivery, settling in-flight sends."""
        await self.delivery.stop()

    def attach(self, presenter: Presenter) -> None:
        """Give the background side its renderer of cards and reports."""
        self.delivery.attach(presenter)

    # audiences ------------------------------------------------------------------------------

    async def streams(self) -> list[CourseStream]:
        """Each course's streams: a stream audience is one course's stream."""
        rows = await self.pool.fetch(*QUERIES.broadcast_course_streams())
        return [CourseStream(r["course"], r["stream"]) for r in rows]

    async def upcoming_lessons(self) -> list[LessonDay]:
        """Free lessons from today on (in TIMEZONE), by date and type."""
        today = datetime.now(self.settings.tz).date()
        rows = await self.pool.fetch(
            *QUERIES.broadcast_upcoming_lessons(today=today, limit=UPCOMING_LESSONS)
        )
        return [LessonDay(r["lesson"], r["day"], r["registrants"]) for r in rows]

    async def lesson_types(self) -> list[str]:
        """Free-lesson types that have registrations."""
        rows = await self.pool.fetch(*QUERIES.broadcast_lesson_types())
        return [r["lesson_type"] for r in rows]

    async def audience_size(self, audience: Audience) -> AudienceSize:
        return await audience_size(self.pool, audience, self.reach)

    async def resolve_recipients(self, text: str) -> Recipients:
        """Ids and @usernames pasted by an admin: keep the known ones, list the rest."""
        return await resolve_recipients(self.pool, text)

    # composing ------------------------------------------------------------------------------

    async def preview(self, content: Content, chat_id: int) -> Message:
        """Send the message to an admin through the console bot (raises on Telegram errors)."""
        return await send_content(self.console_bot, chat_id, content)

    async def test_to(self, content: Content, chat_id: int) -> Message:
        """Send the message exactly as recipients get it: through the broadcast bot."""
        if not self.two_bots or content.kind == "text":
            return await send_content(self.sender_bot, chat_id, content)
        upload = await transfer_file(self.console_bot, content)
        return await send_content(self.sender_bot, chat_id, content, upload)

    # creating -------------------------------------------------------------------------------

    async def update_scheduled(self, bid: int, content: Content, admin_id: int) -> datetime | None:
        """Replace a scheduled broadcast's message; None when it has started (or is gone)."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                *QUERIES.broadcast_update_scheduled(
                    message_id=bid, message_text=content.text, content=content.to_json()
                )
            )
            if row is None:
                return None
            await self._audit(conn, admin_id, "broadcast_edit", {"broadcast_id": bid})
        scheduled_at: datetime = row["scheduled_at"]
        return scheduled_at

    async def create(
        self, draft: Draft, *, recorded: Callable[[Created], Awaitable[None]] | None = None
    ) -> Created:
        """Send now: record the broadcast and freeze its recipients in one transaction, then
        post its card and wake the sender. ``recorded`` runs in between (the console answers
        the press there: posting the card may wait for a flood hold on a shared bot)."""
        created = await self._insert(draft, status="sending", scheduled_at=None)
        if recorded is not None:
            await recorded(created)
        if created.created:
            await self.delivery.card.post(created.broadcast_id, draft.author_id)
            await self.delivery.announce()
        return created

    async def schedule(self, draft: Draft, at: datetime) -> Created:
        """Record a broadcast to start at ``at``; its recipients are frozen when it starts."""
        created = await self._insert(draft, status="scheduled", scheduled_at=at)
        if created.created:
            await self.delivery.announce()  # the sender plans its next look by the schedule
        return created

    async def _insert(
        self, draft: Draft, *, status: str, scheduled_at: datetime | None
    ) -> Created:
        audience, content = draft.audience, draft.content
        async with self.pool.acquire() as conn, conn.transaction():
            bid = await conn.fetchval(
                *QUERIES.broadcast_insert(
                    message_text=content.text,
                    recipient_type=audience.recipient_type,
                    recipient_group=audience.recipient_group,
                    scheduled_at=scheduled_at,
                    status=status,
                    author_id=draft.author_id,
                    audience=audience.to_json(),
                    content=content.to_json(),
                    draft_key=draft.key,
                )
            )
            if bid is None:  # a double tap or a stale button: the first one won
                row = await conn.fetchrow(*QUERIES.broadcast_id_by_draft(draft_key=draft.key))
                assert row is not None
                return Created(row["id"], False, row["status"])
            details: dict[str, Any] = {"broadcast_id": bid, "audience": audience.to_json()}
            await self._audit(conn, draft.author_id, "broadcast_create", details)
            if status == "scheduled":
                details = {"broadcast_id": bid, "at": scheduled_at}
                await self._audit(conn, draft.author_id, "broadcast_schedule", details)
                return Created(bid, True, status)
            frozen = await conn.fetchrow(
                *QUERIES.broadcast_freeze(
                    message_id=bid, **audience.query_args(), **self.reach.query_args()
                )
            )
            assert frozen is not None
            await self._audit(
                conn,
                draft.author_id,
                "broadcast_send",
                {"broadcast_id": bid, "recipients": frozen["total_recipients"]},
            )
        return Created(
            bid,
            True,
            status,
            recipients=frozen["total_recipients"],
            blocked=frozen["excluded_blocked"],
            duplicates=frozen["duplicates_removed"],
            never_started=frozen["excluded_never_started"],
            deactivated=frozen["excluded_deactivated"],
        )

    async def id_for_draft(self, key: str) -> Created | None:
        row = await self.pool.fetchrow(*QUERIES.broadcast_id_by_draft(draft_key=key))
        return None if row is None else Created(row["id"], False, row["status"])

    @staticmethod
    async def _audit(
        conn: asyncpg.Connection, admin_id: int, action: str, details: dict[str, Any]
    ) -> None:
        await conn.execute(
            *QUERIES.record_audit(admin_id=admin_id, action=action, details=details)
        )

    # control --------------------------------------------------------------------------------

    async def _move(self, bid: int, admin_id: int, action: str, src: list[str], dst: str) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            moved = await conn.fetchval(
                *QUERIES.broadcast_set_status(message_id=bid, from_states=src, to_status=dst)
            )
            if moved is None:
                return False
            await self._audit(conn, admin_id, action, {"broadcast_id": bid})
        return True

    async def pause(self, bid: int, admin_id: int) -> bool:
        if not await self._move(bid, admin_id, "broadcast_pause", ["sending"], "paused"):
            return False
        self.delivery.halt(bid)
        await self.delivery.card.update(bid, force=True)
        return True

    async def resume(self, bid: int, admin_id: int) -> bool:
        if not await self._move(bid, admin_id, "broadcast_resume", ["paused"], "sending"):
            return False
        await self.delivery.announce()
        await self.delivery.card.update(bid, force=True)
        return True

    async def cancel(self, bid: int, admin_id: int) -> bool:
        src = ["sending", "paused"]
        if not await self._move(bid, admin_id, "broadcast_cancel", src, "cancelled"):
            return False
        self.delivery.halt(bid)
        await self.pool.execute(*QUERIES.broadcast_sweep_cancelled(message_id=bid))
        await self.delivery.announce()
        return True

    async def cancel_scheduled(self, bid: int, admin_id: int) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(*QUERIES.broadcast_cancel_scheduled(message_id=bid)) is None:
                return False
            await self._audit(conn, admin_id, "broadcast_cancel", {"broadcast_id": bid})
        return True

    async def retry_failed(self, bid: int, admin_id: int) -> int:
        """Queue the failed recipients again (admin's explicit choice, incl. unknown ones)."""
        async with self.pool.acquire() as conn, conn.transaction():
            retried = await conn.fetchval(
                *QUERIES.broadcast_retry_failed(message_id=bid, **self.reach.query_args())
            )
            if retried:
                await conn.execute(*QUERIES.broadcast_mark_run(message_id=bid))
                details = {"broadcast_id": bid, "recipients": retried}
                await self._audit(conn, admin_id, "broadcast_retry", details)
        if retried:
            await self.delivery.announce()
        return int(retried or 0)

    async def retry_summary(self, bid: int) -> tuple[int, int]:
        """What Retry failed would queue again now, and how many of those ended "outcome
        unknown" (they may already have the message): asked before the admin confirms."""
        row = await self.pool.fetchrow(
            *QUERIES.broadcast_retry_summary(
                message_id=bid, outcome_unknown=OUTCOME_UNKNOWN, **self.reach.query_args()
            )
        )
        assert row is not None
        return int(row["retriable"]), int(row["outcome_unknown"])

    async def include_again(self, user_id: int, admin_id: int) -> bool:
        """An admin includes a person in broadcasts again: the broadcast bot's 403s about
        them are forgotten (the next one is recorded again). False: there were none."""
        async with self.pool.acquire() as conn, conn.transaction():
            removed = await conn.fetchval(
                *QUERIES.broadcast_include_again(user_id=user_id, sender=self.reach.sender_id)
            )
            if removed:
                await self._audit(conn, admin_id, "broadcast_include", {"user_id": user_id})
        return bool(removed)

    async def delete_for_everyone(self, bid: int, admin_id: int) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(*QUERIES.broadcast_start_delete(message_id=bid)) is None:
                return False
            await self._audit(conn, admin_id, "broadcast_delete", {"broadcast_id": bid})
        await self.delivery.announce()
        return True

    # reading --------------------------------------------------------------------------------

    async def get(self, bid: int) -> Broadcast | None:
        return await fetch_shown(self.pool, bid)

    async def report(self, bid: int) -> Report | None:
        return await fetch_report(self.pool, bid)

    async def history(self, page: int) -> HistoryPage:
        total = await self.pool.fetchval(*QUERIES.broadcast_history_count()) or 0
        pages = max(1, -(-total // HISTORY_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await self.pool.fetch(
            *QUERIES.broadcast_history_page(limit=HISTORY_PAGE, offset=page * HISTORY_PAGE)
        )
        items = await with_author_names(self.pool, (to_broadcast(r) for r in rows))
        return HistoryPage(items, page, pages)

    async def scheduled(self) -> list[Broadcast]:
        rows = await self.pool.fetch(*QUERIES.broadcast_scheduled_list())
        return await with_author_names(self.pool, (to_broadcast(r) for r in rows))

    async def recipients_csv(self, bid: int) -> RecipientsCsv:
        """One row per recipient, UTF-8 with a BOM so spreadsheets read Cyrillic names; an
        ended broadcast's as stored (gzip), written once."""
        return await recipients_csv(self.pool, bid, self.settings.tz)

    async def export_csv(self, bid: int) -> bytes:
        """The recipients CSV as the file's bytes."""
        return await (await self.recipients_csv(bid)).plain()
