"""Logging set-up: one line per event, as text or JSON (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.config import Settings


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # aiogram logs every handled update and every callback answer at INFO: noise in production.
    for name in ("aiogram.event", "aiogram.middlewares"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
