"""Logging set-up: one line per event, as text or JSON (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from bot.redact import redact


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


class Redacting(logging.Formatter):
    """Format with ``inner``, then mask bot tokens (also inside tracebacks)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        inner: logging.Formatter = JsonFormatter()
    else:
        inner = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(Redacting(inner))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # aiogram logs every handled update and every callback answer at INFO: noise in production.
    for name in ("aiogram.event", "aiogram.middlewares"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


class ShortNotice(logging.Formatter):
    """One short line in the sandbox's chat for a warning or an error; details in the file."""

    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log_path = log_path

    def format(self, record: logging.LogRecord) -> str:
        first = redact(record.getMessage()).splitlines()[0] if record.getMessage() else ""
        kind = "error" if record.levelno >= logging.ERROR else "warning"
        return f"     ({kind}: {first[:160]} — details in {self.log_path})"


def log_to_file(log_path: Path) -> None:
    """The sandbox's terminal is the chat: every log line goes to ``log_path``; the terminal
    shows one short line per warning or error, pointing there."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    formatter = root.handlers[0].formatter if root.handlers else None
    to_file = logging.FileHandler(log_path, encoding="utf-8")
    to_file.setFormatter(formatter or Redacting(logging.Formatter()))
    notice = logging.StreamHandler()
    notice.setLevel(logging.WARNING)
    notice.setFormatter(ShortNotice(log_path))
    root.handlers[:] = [to_file, notice]
