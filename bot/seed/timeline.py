"""The seeded period and when people arrive in it.

Times are whole seconds from the window's origin, UTC midnight of its first day, until rows
are written. Arrivals grow over the window, follow a weekly and a daily rhythm, and some days
a post or an ad brings a burst.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random

DAY = 86_400
HOUR = 3_600

# Last day's arrivals / first day's; weekdays Monday first; evenings in Moscow (UTC+3) busiest.
GROWTH = 3.0
WEEKDAY_WEIGHTS = (1.12, 1.08, 1.02, 1.0, 0.92, 0.74, 0.84)
# fmt: off
HOUR_WEIGHTS = (
    0.8, 0.5, 0.3, 0.3, 0.5, 1.0, 1.8, 2.6, 3.2, 3.5, 3.6, 3.8,  # 00-11 UTC
    4.0, 4.2, 4.6, 5.2, 5.8, 6.2, 6.4, 5.8, 4.6, 3.2, 2.0, 1.3,  # 12-23 UTC
)
# fmt: on
BURST_CHANCE = 0.04


@dataclass(frozen=True)
class Window:
    """The seeded period: whole UTC days, the last of which ends at ``now``."""

    origin: datetime
    now_s: int

    @classmethod
    def ending(cls, now: datetime, days: int) -> Window:
        first_day = now.astimezone(UTC).date() - timedelta(days=days - 1)
        origin = datetime.combine(first_day, time(), UTC)
        return cls(origin, int((now - origin).total_seconds()))

    @property
    def days(self) -> int:
        return self.now_s // DAY + 1

    def at(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=seconds)

    def day(self, index: int) -> date:
        """The date of the window's ``index``-th day."""
        return self.origin.date() + timedelta(days=index)


def arrival_times(rng: Random, window: Window, count: int) -> list[int]:
    """When each of ``count`` people first shows up, sorted: growth, weekly rhythm, bursts."""
    days = window.days
    weights = []
    for day in range(days):
        weekday = (window.origin.weekday() + day) % 7
        weight = math.exp(math.log(GROWTH) * day / max(1, days - 1)) * WEEKDAY_WEIGHTS[weekday]
        weight *= rng.lognormvariate(0, 0.15) * (2.5 if rng.random() < BURST_CHANCE else 1.0)
        if day == days - 1:
            weight *= max(0.01, (window.now_s - day * DAY) / DAY)  # today is not over
        weights.append(weight)
    picked_days = rng.choices(range(days), weights, k=count)
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
    arrivals = []
    for day, hour in zip(picked_days, hours, strict=True):
        moment = day * DAY + hour * HOUR + rng.randrange(HOUR)
        if moment > window.now_s:
            moment = day * DAY + rng.randrange(window.now_s - day * DAY + 1)
        arrivals.append(moment)
    arrivals.sort()
    return arrivals
