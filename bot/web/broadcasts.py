"""The broadcast pages: the history, one broadcast (while it runs, the control card's progress;
once ended, the chat's report), its recipients, and the control card's Pause/Resume/Cancel.

Read through the chat's :class:`BroadcastService`, labelled with the chat's words; only the
paged, searchable list of recipients is the page's own query (the chat has the CSV instead).
"""

from __future__ import annotations

from typing import Any

from bot.analytics.people import like_pattern
from bot.broadcast import BroadcastService
from bot.broadcast.models import Broadcast, Report
from bot.db.queries import QUERIES
from bot.telegram.broadcast.views import audience_label, excerpt_of, reason_text, status_text
from bot.telegram.texts import Texts
from bot.web.data import label, plain

RECIPIENTS_PER_PAGE = 50
RECIPIENTS_COUNT_CAP = 10_000  # a filtered list counts this far ("10 000+"), then pages on
LIVE = ("sending", "paused")


class BroadcastPages:
    """The Mini App's broadcast reads and controls, on the chat's broadcast service."""

    def __init__(self, broadcasts: BroadcastService) -> None:
        self.broadcasts = broadcasts

    def _broadcast(self, texts: Texts, b: Broadcast) -> dict[str, Any]:
        shown = plain(b)
        shown.pop("content", None)  # file ids are the bot's business
        return {
            **shown,
            "excerpt": label(excerpt_of(b.message_text)),
            "audience_name": label(audience_label(texts, b.audience)),
            "status_name": label(status_text(texts, b.status)),
            "actions": actions(b),
        }

    async def history(self, texts: Texts, page: int) -> dict[str, Any]:
        found = await self.broadcasts.history(page)
        return {
            "items": [self._broadcast(texts, b) for b in found.items],
            "page": found.page,
            "pages": found.pages,
        }

    async def broadcast(self, texts: Texts, bid: int) -> dict[str, Any] | None:
        """While it runs, what the control card shows (its progress: counts, pace, time left);
        once ended, what the chat's details show (the report, with failure reasons)."""
        broadcast = await self.broadcasts.get(bid)
        if broadcast is None:
            return None
        if broadcast.status in LIVE:
            progress = await self.broadcasts.delivery.card.progress(bid)
            return {
                "broadcast": self._broadcast(texts, progress.broadcast),
                "counts": plain(progress.counts),
                "reasons": [],
                "duration_s": None,
                "rate": progress.rate,
                "progress": {"rate": progress.rate, "eta_s": progress.eta_s},
            }
        report: Report | None = await self.broadcasts.report(bid)
        if report is None:
            return None
        return {
            "broadcast": self._broadcast(texts, report.broadcast),
            "counts": plain(report.counts),
            "reasons": [
                {"reason": r, "name": label(reason_text(texts, r)), "n": n}
                for r, n in report.reasons
            ],
            "duration_s": report.duration_s,
            "rate": report.rate,
            "progress": None,
        }

    async def recipients(
        self, texts: Texts, bid: int, status: str | None, query: str, page: int
    ) -> dict[str, Any]:
        """One page of a broadcast's recipients, filtered by status and a search (the Mini
        App's own query: the chat has no paged list of recipients, only the CSV)."""
        needle = query.strip().lstrip("@")
        pattern = like_pattern(needle) if needle else None
        pool = self.broadcasts.pool
        counted = await pool.fetchval(
            *QUERIES.web_broadcast_recipients_count(
                message_id=bid, status=status, pattern=pattern, cap=RECIPIENTS_COUNT_CAP + 1
            )
        )
        total = min(int(counted or 0), RECIPIENTS_COUNT_CAP)
        pages = max(1, -(-total // RECIPIENTS_PER_PAGE))
        page = min(max(page, 0), pages - 1)
        rows = await pool.fetch(
            *QUERIES.web_broadcast_recipients(
                message_id=bid,
                status=status,
                pattern=pattern,
                limit=RECIPIENTS_PER_PAGE,
                offset=page * RECIPIENTS_PER_PAGE,
            )
        )
        return {
            "total": total,
            "more": int(counted or 0) > RECIPIENTS_COUNT_CAP,
            "page": page,
            "pages": pages,
            "recipients": [
                {
                    "user_id": str(r["user_id"]),
                    "username": r["username"] or "",
                    "status": r["delivery_status"],
                    "failure_reason": r["failure_reason"] or "",
                    "reason_name": (
                        label(reason_text(texts, r["failure_reason"]))
                        if r["failure_reason"]
                        else ""
                    ),
                    "settled_at": plain(r["settled_at"]),
                }
                for r in rows
            ],
        }

    async def control(self, bid: int, action: str, admin_id: int) -> bool:
        """Pause, resume or cancel: the control card's service calls, with their rules."""
        if action == "pause":
            return await self.broadcasts.pause(bid, admin_id)
        if action == "resume":
            return await self.broadcasts.resume(bid, admin_id)
        if action == "cancel":
            return await self.broadcasts.cancel(bid, admin_id)
        raise ValueError(action)


def actions(b: Broadcast) -> list[str]:
    """The live card's buttons for this status: Pause while sending, Resume while paused,
    Cancel (after a question) for both."""
    if b.status == "sending":
        return ["pause", "cancel"]
    if b.status == "paused":
        return ["resume", "cancel"]
    return []
