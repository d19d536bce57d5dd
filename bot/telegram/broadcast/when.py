"""Reading the time an admin types for a scheduled broadcast (pure: ``now`` is given).

Accepted, in the configured zone: ``30.11.2026 19:00`` (the format the buttons show),
``30.11 19:00`` (this year), ``19:00`` (today, or tomorrow if it has passed), ``завтра 10:00``
/ ``tomorrow 10:00``, ``сегодня 10:00`` / ``today 10:00``, and ISO (``2026-11-30 19:00``,
``2026-11-30T19:00``, with seconds or an offset); and from now, as the first button says:
``через час`` / ``in an hour``, ``через 2 часа`` / ``in 2 hours``, ``через 30 минут`` /
``in 30 minutes``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
_DAY_WORDS = {"сегодня": 0, "today": 0, "завтра": 1, "tomorrow": 1, "послезавтра": 2}
_DOTTED = re.compile(
    rf"^(?P<day>\d{{1,2}})\.(?P<month>\d{{1,2}})(?:\.(?P<year>\d{{2,4}}))?\s+{_TIME}$"
)
_CLOCK = re.compile(rf"^{_TIME}$")
_WORD = re.compile(rf"^(?P<word>\w+)\s+(?:в\s+|at\s+)?{_TIME}$")
_RELATIVE = re.compile(
    r"^(?:через|in)\s+(?:(?P<n>\d{1,4})\s*|(?:an?|one|один|одну)\s+)?(?P<unit>[a-zа-яё]+)\.?$"
)
_UNITS = {
    **dict.fromkeys(("час", "часа", "часов", "ч", "hour", "hours", "h", "hr", "hrs"), 60),
    **dict.fromkeys(("минуту", "минуты", "минут", "мин", "minute", "minutes", "min"), 1),
}
EXAMPLE_FORMAT = "%d.%m.%Y %H:%M"  # what the buttons show, and the example in the question


def _at(day: date, hour: str, minute: str, now: datetime) -> datetime | None:
    try:
        return datetime.combine(day, time(int(hour), int(minute)), tzinfo=now.tzinfo)
    except ValueError:
        return None


def parse_when(text: str, now: datetime) -> datetime | None:
    """The moment ``text`` names, in ``now``'s zone; None when it names none."""
    typed = " ".join(text.strip().lower().split())
    if (match := _RELATIVE.match(typed)) and match["unit"] in _UNITS:
        minutes = int(match["n"] or 1) * _UNITS[match["unit"]]
        return now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    if match := _CLOCK.match(typed):
        at = _at(now.date(), match["hour"], match["minute"], now)
        if at is not None and at <= now:
            at = _at(now.date() + timedelta(days=1), match["hour"], match["minute"], now)
        return at
    if (match := _WORD.match(typed)) and match["word"] in _DAY_WORDS:
        day = now.date() + timedelta(days=_DAY_WORDS[match["word"]])
        return _at(day, match["hour"], match["minute"], now)
    if match := _DOTTED.match(typed):
        year = int(match["year"]) if match["year"] else now.year
        year += 2000 if year < 100 else 0
        try:
            day = date(year, int(match["month"]), int(match["day"]))
        except ValueError:
            return None
        return _at(day, match["hour"], match["minute"], now)
    try:
        parsed = datetime.fromisoformat(typed.upper().replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=now.tzinfo)
    return parsed.astimezone(now.tzinfo)
