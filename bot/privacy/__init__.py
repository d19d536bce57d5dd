"""Personal data: erasing one person's on request, and opt-in retention of old rows.

Plain async services (no aiogram): the Telegram side (``bot.telegram.privacy``) calls
:class:`PrivacyService`; the leader runs :class:`RetentionScheduler`.
"""

from bot.privacy.forget import (
    PERSONAL_KEYS,
    TABLES,
    Erasure,
    Preview,
    PrivacyService,
    Target,
    parse_target,
)
from bot.privacy.retention import RETENTION_AT, Purged, RetentionScheduler, RetentionService

__all__ = [
    "PERSONAL_KEYS",
    "RETENTION_AT",
    "TABLES",
    "Erasure",
    "Preview",
    "PrivacyService",
    "Purged",
    "RetentionScheduler",
    "RetentionService",
    "Target",
    "parse_target",
]
