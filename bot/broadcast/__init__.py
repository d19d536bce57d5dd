"""Broadcasts: audiences, the durable delivery engine, the rate limiter (no handler code)."""

from __future__ import annotations

from bot.broadcast.control_card import Presenter
from bot.broadcast.delivery import Delivery
from bot.broadcast.models import (
    Audience,
    AudienceSize,
    Broadcast,
    Content,
    Counts,
    Created,
    Draft,
    HistoryPage,
    Progress,
    Recipients,
    Report,
)
from bot.broadcast.service import BroadcastService

__all__ = [
    "Audience",
    "AudienceSize",
    "Broadcast",
    "BroadcastService",
    "Content",
    "Counts",
    "Created",
    "Delivery",
    "Draft",
    "HistoryPage",
    "Presenter",
    "Progress",
    "Recipients",
    "Report",
]
