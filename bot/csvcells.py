"""How one value is written in hsl-bot's CSV files, the same in every file.

Moments are local ISO 8601 to the second with their offset (``2025-11-30 19:05:12+03:00``),
booleans ``true``/``false``, and a text that a spreadsheet would take for a formula gets a
leading apostrophe (CSV injection: names are written by users).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value: Any, tz: ZoneInfo) -> Any:
    """``value`` as it goes into a CSV cell (None stays None: an empty cell)."""
    if isinstance(value, datetime):
        return value.astimezone(tz).replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
